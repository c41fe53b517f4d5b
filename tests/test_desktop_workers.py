"""Worker pools: jobs report on the UI thread, and garbage is only ever collected on the UI thread."""

import gc
import threading

import pytest


class _Cycle:
    """Cyclic garbage that notes which thread finally destroyed it."""

    def __init__(self, record: list):
        self.me = self
        self.record = record

    def __del__(self):
        self.record.append(threading.get_ident())


@pytest.fixture
def workers(make_desk_window):
    """The window's pools (shut down by the window fixture at the end)."""
    return make_desk_window(load_model=False).workers


def test_garbage_is_collected_on_the_ui_thread_not_in_a_job(qtbot, workers):
    ui_thread = threading.get_ident()
    destroyed: list[int] = []
    _Cycle(destroyed)  # unreachable from here on, but only the cyclic collector can free it

    def allocate(_db, _job):
        # Enough container allocations to trigger automatic collection several times over.
        return len([[i] for i in range(200_000)])

    with qtbot.waitSignal(workers.read(allocate).signals.done, timeout=10_000):
        pass
    assert not destroyed  # the job's thread did not collect it
    # Garbage made on the UI thread passes the collector's threshold: its timer collects there.
    for _ in range(2_000):
        _Cycle(destroyed)
    qtbot.waitUntil(lambda: len(destroyed) == 2_001, timeout=5_000)
    assert set(destroyed) == {ui_thread}
    workers.shutdown()  # with no pools left, Python collects automatically again
    assert gc.isenabled()


def test_jobs_report_results_and_errors_on_the_ui_thread(qtbot, workers):
    seen: list[tuple[str, object, int]] = []
    workers.read(
        lambda db, job: db.execute("SELECT 41 + 1").fetchone()[0],
        on_done=lambda r: seen.append(("ok", r, threading.get_ident())),
    )
    job = workers.write(
        lambda db, job: 1 / 0, on_error=lambda m: seen.append(("error", m, threading.get_ident()))
    )
    with qtbot.waitSignal(job.signals.done, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5_000)
    ui = threading.get_ident()
    assert sorted(seen) == [("error", "division by zero", ui), ("ok", 42, ui)]
