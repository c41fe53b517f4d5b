"""Background work for the window: thread pools, per-thread SQLite connections, one queue for writes."""

from __future__ import annotations

import gc
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

JobFn = Callable[..., Any]


class UiThreadGarbageCollector(QObject):
    """Runs Python's cyclic garbage collector only on the UI thread while worker threads exist.

    Automatic collection runs in whichever thread happens to allocate; on a pool thread it can destroy a
    Qt object owned by the UI thread and crash the process (seen: a segfault "Garbage-collecting" inside
    an import job). As pyqtgraph does, automatic collection is switched off and a UI-thread timer collects
    each generation when its threshold is passed. Counted, so several windows can share it.
    """

    INTERVAL_MS = 1000
    _users = 0
    _was_enabled = True

    def __init__(self, parent: QObject):
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._active = False

    def start(self) -> None:
        if self._active:
            return
        self._active = True
        if UiThreadGarbageCollector._users == 0:
            UiThreadGarbageCollector._was_enabled = gc.isenabled()
            gc.disable()
        UiThreadGarbageCollector._users += 1
        self._timer.start(self.INTERVAL_MS)

    def stop(self) -> None:
        """Collect once more here and give collection back to Python when the last user stops."""
        if not self._active:
            return
        self._active = False
        self._timer.stop()
        UiThreadGarbageCollector._users -= 1
        gc.collect()
        if UiThreadGarbageCollector._users == 0 and UiThreadGarbageCollector._was_enabled:
            gc.enable()

    def collect(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds (as gc itself would)."""
        counts = gc.get_count()
        if counts[0] > self._thresholds[0]:
            generation = 0
            if counts[1] > self._thresholds[1]:
                generation = 2 if counts[2] > self._thresholds[2] else 1
            gc.collect(generation)


class Cancelled(Exception):
    """Raised inside a job when the user pressed Cancel; the job's finished work stays saved."""


class WorkerSignals(QObject):
    """What a job tells the UI thread; emitted on the worker thread, delivered queued on the UI thread."""

    started = Signal()
    progress = Signal(int, int, str)
    finished = Signal(object)
    error = Signal(str)
    done = Signal()  # after finished or error: the job is over either way


class Job:
    """Handed to every job function: report progress, check for cancellation."""

    def __init__(self, signals: WorkerSignals, label: str):
        self.signals = signals
        self.label = label
        self._cancel = threading.Event()
        self.over = threading.Event()  # set by the pool thread once it holds no reference to the job

    def progress(self, done: int, total: int, label: str = "") -> None:
        self.signals.progress.emit(int(done), int(total), str(label or ""))

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Stop here if the user cancelled."""
        if self._cancel.is_set():
            raise Cancelled()


def error_message(exc: BaseException) -> str:
    """One readable line for an exception a job raised."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text or type(exc).__name__


class _Task(QRunnable):
    def __init__(self, fn: Callable[[Job], Any], job: Job):
        super().__init__()
        self.fn = fn
        self.job = job
        self.setAutoDelete(True)

    def run(self) -> None:  # runs on a pool thread
        # The task lets go of the job first; the UI thread keeps it until `over` is set, so the last
        # reference to the signals carrier (a UI-thread QObject) is always dropped on the UI thread.
        fn, job = self.fn, self.job
        self.fn = self.job = None
        signals = job.signals
        signals.started.emit()
        try:
            result = fn(job)
        except Cancelled:
            signals.error.emit("cancelled")
        except Exception as exc:  # any failure becomes a message in the window, never a crash
            traceback.print_exc()
            signals.error.emit(error_message(exc))
        else:
            signals.finished.emit(result)
            del result
        signals.done.emit()
        over = job.over
        del fn, job, signals
        over.set()


class Workers(QObject):
    """Three pools: one thread for every database write (the write queue), two for reads, one for the model.

    Each pool thread opens its own SQLite connection to the database (sqlite3 connections are not shared
    across threads); WAL lets readers run while the writer writes.
    """

    busyChanged = Signal(int)  # number of jobs queued or running

    def __init__(self, db_path: str | Path, parent: QObject | None = None):
        super().__init__(parent)
        from desktop.cli import workspace_target

        self.db_path = workspace_target(str(db_path))  # a file's Path, or a team workspace's URL
        self.writer = QThreadPool(self)
        self.writer.setMaxThreadCount(1)
        self.readers = QThreadPool(self)
        self.readers.setMaxThreadCount(2)
        self.model_pool = QThreadPool(self)
        self.model_pool.setMaxThreadCount(1)
        # Threads never expire, so each keeps its one connection instead of opening another later.
        for pool in (self.writer, self.readers):
            pool.setExpiryTimeout(-1)
        self._local = threading.local()
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._live: dict[WorkerSignals, Job] = {}
        self._writes: set[WorkerSignals] = set()  # the live jobs queued on the write queue
        self._retired: list[Job] = []  # done, but perhaps still referenced by their pool thread
        self._closed = False
        self._collector = UiThreadGarbageCollector(self)
        self._collector.start()

    # -- connections -------------------------------------------------------------------------------
    def connection(self):
        """This thread's own connection to the database, opened on first use."""
        db = getattr(self._local, "db", None)
        if db is None:
            from knowledge.workspace import open_db

            db = open_db(self.db_path, seed=False)
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    # -- submitting jobs ---------------------------------------------------------------------------
    def _submit(
        self,
        pool: QThreadPool,
        fn: Callable[[Job], Any],
        label: str,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[str], None] | None,
    ) -> Job:
        signals = WorkerSignals()
        job = Job(signals, label)
        # After shutdown the window may be gone: results still queued for it are dropped, not delivered.
        if on_done:
            signals.finished.connect(lambda result: None if self._closed else on_done(result))
        if on_error:
            signals.error.connect(lambda message: None if self._closed else on_error(message))
        self._live[signals] = job  # the carrier must outlive the runnable's signals
        if pool is self.writer:
            self._writes.add(signals)
        signals.done.connect(lambda: self._release(signals))
        self.busyChanged.emit(len(self._live))
        pool.start(_Task(fn, job))
        return job

    def _release(self, signals: WorkerSignals) -> None:
        job = self._live.pop(signals, None)
        self._writes.discard(signals)
        if job is not None:
            self._retired.append(job)
        # Jobs whose pool thread has let go are dropped here, on the UI thread (see _Task.run).
        self._retired = [j for j in self._retired if not j.over.is_set()]
        if not self._closed:
            self.busyChanged.emit(len(self._live))

    def write(
        self,
        fn: Callable[[Any, Job], Any],
        *,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> Job:
        """Queue fn(db, job) on the single writer thread; writes happen one at a time, in order."""
        return self._with_connection(self.writer, fn, label, on_done, on_error)

    def read(
        self,
        fn: Callable[[Any, Job], Any],
        *,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> Job:
        """Run fn(db, job) on a reader thread with its own connection."""
        return self._with_connection(self.readers, fn, label, on_done, on_error)

    def _with_connection(
        self,
        pool: QThreadPool,
        fn: Callable[[Any, Job], Any],
        label: str,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[str], None] | None,
    ) -> Job:
        return self._submit(pool, lambda job: fn(self.connection(), job), label, on_done, on_error)

    def run_model(
        self,
        fn: Callable[[Job], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> Job:
        """Run fn(job) on the model thread (loading the embedder)."""
        return self._submit(self.model_pool, fn, "model", on_done, on_error)

    def busy(self) -> int:
        return len(self._live)

    def writing(self) -> bool:
        """Whether a job of ours is queued or running on the write queue."""
        return bool(self._writes)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every pool is idle (screenshots and shutdown only, never during normal use)."""
        ok = True
        for pool in (self.writer, self.readers):
            ok = pool.waitForDone(msecs) and ok
        return ok

    def wait_for_model(self, msecs: int = -1) -> bool:
        """Block until the model thread is idle; True when it is (process exit only, after the window)."""
        return self.model_pool.waitForDone(msecs)

    def shutdown(self) -> None:
        """Cancel running jobs (finished work is already saved), wait for them, close every connection."""
        for job in list(self._live.values()):
            job.cancel()
        self.writer.waitForDone(-1)
        self.readers.waitForDone(10000)
        self.model_pool.waitForDone(100)
        self._closed = True
        with self._lock:
            for db in self._connections:
                try:
                    db.conn.close()
                except Exception:  # closing is best effort at shutdown
                    pass
            self._connections.clear()
        self._retired = [j for j in self._retired if not j.over.is_set()]
        self._collector.stop()
