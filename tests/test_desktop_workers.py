"""Worker pools: jobs report on the UI thread, and garbage is only ever collected on the UI thread."""

import gc
import threading

from knowledge.db import open_db


class _Cycle:
    """Cyclic garbage that notes which thread finally destroyed it."""

    def __init__(self, record: list):
        self.me = self
        self.record = record

    def __del__(self):
        self.record.append(threading.get_ident())


def test_garbage_is_collected_on_the_ui_thread_not_in_a_job(qtbot, db_path):
    from desktop.workers import Workers

    open_db(db_path).conn.close()
    ui_thread = threading.get_ident()
    was_enabled = gc.isenabled()
    workers = Workers(db_path)
    try:
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
    finally:
        workers.shutdown()
    assert gc.isenabled() == was_enabled


def test_jobs_report_results_and_errors_on_the_ui_thread(qtbot, db_path):
    from desktop.workers import Workers

    open_db(db_path).conn.close()
    workers = Workers(db_path)
    seen: list[tuple[str, object, int]] = []
    try:
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
    finally:
        workers.shutdown()
    assert sorted(seen) == [
        ("error", "division by zero", threading.get_ident()),
        ("ok", 42, threading.get_ident()),
    ]
