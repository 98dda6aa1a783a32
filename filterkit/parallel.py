"""Chunks of work through worker processes, results in input order, nothing lost.

The CLI's batch modes (JSON Lines, folders, archives) read their input as a stream, cut
it into chunks, and hand the chunks to ``ordered_map``, which runs them in ``jobs``
worker processes (each loads the model once, with its native libraries single-threaded:
parallelism comes from processes) or, with one job and no time limit, in this process.

What a crawler's batch needs and a plain process pool does not give:

* bounded: at most ``AHEAD_PER_JOB`` chunks per worker are read ahead of the output, so
  memory does not grow with the input;
* a worker that dies (the OOM killer, a crash in a native library) or overruns its time
  limit is replaced, and its chunk is run again one record at a time, so that only the
  record that kills a worker again is lost: it gets ``fail(item, reason)``'s output;
* a worker that dies while idle is replaced too, and its next chunk goes to the replacement;
* a worker whose ``initializer`` fails (the model cannot be loaded), or whose work raises
  ``Fatal``, stops the run with one ``WorkerError`` saying why, not a traceback per worker
  started; any other exception of ``work`` costs the chunk's worker, as a crash would;
* workers die with the main process (``PR_SET_PDEATHSIG``) and ignore Ctrl-C, which the
  main process handles: it stops them and leaves only complete output behind.
"""
from __future__ import annotations

import multiprocessing
import signal
import time
from collections import deque
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable, Iterator, Sequence

AHEAD_PER_JOB = 2  # chunks in flight or waiting for output, per worker
_PR_SET_PDEATHSIG = 1
_PENDING = object()  # an output not yet back
START_ATTEMPTS = 3  # workers started in a row for one chunk before the run gives up on starting them


class Stopped(BaseException):
    """SIGTERM (or SIGINT) arrived: stop reading, stop the workers, keep what is complete.

    A BaseException, as KeyboardInterrupt is: the ``except Exception`` that keeps one bad page
    from ending a batch must not swallow a stop and turn it into that page's error.
    """

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Fatal(Exception):
    """Raised by ``work`` for a failure no item is to blame for (the model turned out unusable): ends the run."""


class WorkerError(Exception):
    """A worker could not start (its initializer failed) or its work raised ``Fatal``: the message says why."""


class _Failure:
    """What a worker sends instead of outputs when its initializer or its work raised."""

    def __init__(self, error: BaseException, fatal: bool):
        self.message = str(error) or type(error).__name__
        self.fatal = fatal


def _die_with_parent() -> None:
    """Ask Linux to end this worker when the process that started it ends (no orphans after a SIGKILL)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: workers still end when their pipe closes
        pass


def _serve(conn: Connection, initializer: Callable[..., None], initargs: tuple,
           work: Callable[[list], list]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the main process answers it
    _die_with_parent()
    try:
        initializer(*initargs)
    except Exception as error:  # noqa: BLE001 -- reported once by the main process, not as a traceback here
        conn.send(_Failure(error, fatal=True))
        return
    conn.send(None)  # ready: a task's time limit counts from here, not from the model's loading
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        key, items = task
        try:
            outputs = work(items)
        except Exception as error:  # noqa: BLE001 -- the chunk is lost as if the worker had crashed, said once
            conn.send(_Failure(error, fatal=isinstance(error, Fatal)))
            return
        conn.send((key, outputs))


class _Worker:
    def __init__(self, context, initializer, initargs, work):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, initializer, initargs, work), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[Any, Any, float | None] | None = None  # (key, items, deadline) while busy
        self.ready = False  # its initializer has run

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


def ordered_map(chunks: Iterable[list], work: Callable[[list], list], fail: Callable[[Any, str], Any], jobs: int,
                initializer: Callable[..., None], initargs: tuple = (), chunk_timeout: Callable[[int], float] | None = None,
                ) -> Iterator[list]:
    """``work(chunk)`` for every chunk, yielded in input order; each output list is as long as its chunk.

    ``initializer(*initargs)`` prepares a worker (loads the model). ``chunk_timeout(n)``
    gives the seconds a chunk of n items may take (None: no limit); one that takes longer
    is stopped and its items are run alone, each with the time of one. ``fail(item, reason)``
    is the output of an item that killed its worker or overran its time when run alone.
    With ``jobs`` 1 and no time limit the chunks run in this process.
    """
    if jobs <= 1 and chunk_timeout is None:
        initializer(*initargs)
        for chunk in chunks:
            yield work(chunk)
        return
    yield from _Pool(work, fail, jobs, initializer, initargs, chunk_timeout).run(iter(chunks))


class _Pool:
    def __init__(self, work, fail, jobs, initializer, initargs, chunk_timeout):
        self.work, self.fail, self.jobs = work, fail, jobs
        self.spawn = (initializer, initargs, work)
        self.chunk_timeout = chunk_timeout
        # Spawned, not forked: a fork would copy the locks of this process's threads (a progress bar's), and
        # a worker whose parent is this process can be told to end with it.
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []
        self.retry: deque = deque()  # (key, items) to run again, one item each
        self.parts: dict[int, list] = {}  # chunk number -> outputs so far (_PENDING where not yet back)
        self.done: dict[int, list] = {}

    def _deadline(self, items: Sequence) -> float | None:
        return None if self.chunk_timeout is None else time.monotonic() + self.chunk_timeout(len(items))

    def _give(self, worker: _Worker, key: tuple, items: list) -> None:
        for _ in range(START_ATTEMPTS):
            worker.task = (key, items, self._deadline(items) if worker.ready else None)
            try:
                worker.conn.send((key, items))
                return
            except (OSError, ValueError):  # it died while idle (killed, OOM): the chunk never ran, so no item
                worker = self._replace(worker)  # is to blame; its replacement takes it
        raise WorkerError(f"worker processes die as soon as they start ({START_ATTEMPTS} in a row)")

    def _replace(self, worker: _Worker) -> _Worker:
        worker.stop()
        fresh = _Worker(self.context, *self.spawn)
        self.workers[self.workers.index(worker)] = fresh
        return fresh

    def run(self, chunks: Iterator[list]) -> Iterator[list]:
        self.workers = [_Worker(self.context, *self.spawn) for _ in range(self.jobs)]
        try:
            yield from self._loop(chunks)
        finally:
            for worker in self.workers:
                worker.stop()

    def _loop(self, chunks: Iterator[list]) -> Iterator[list]:
        read = emitted = 0
        exhausted = False
        while True:
            for worker in self.workers:
                if worker.task is not None:
                    continue
                if self.retry:
                    self._give(worker, *self.retry.popleft())
                elif not exhausted and read - emitted < AHEAD_PER_JOB * self.jobs:
                    chunk = next(chunks, None)
                    if chunk is None:
                        exhausted = True
                        continue
                    self.parts[read] = [_PENDING] * len(chunk)
                    self._give(worker, (read, 0), chunk)
                    read += 1
            while emitted in self.done:
                yield self.done.pop(emitted)
                emitted += 1
            busy = [worker for worker in self.workers if worker.task is not None]
            if not busy:
                if exhausted and not self.retry:
                    return
                continue
            deadlines = [w.task[2] for w in busy if w.task is not None and w.task[2] is not None]
            timeout = max(min(deadlines) - time.monotonic(), 0) if deadlines else None
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
            for worker in busy:
                self._check(worker, ready)

    def _check(self, worker: _Worker, ready: set) -> None:
        assert worker.task is not None, "only a busy worker is checked"
        key, items, deadline = worker.task
        if worker.conn in ready:
            try:
                answer = worker.conn.recv()
            except (EOFError, OSError):
                return self._lost(worker, "the worker process died while filtering it")
            if answer is None:
                worker.ready = True
                worker.task = (key, items, self._deadline(items))
                return None
            if isinstance(answer, _Failure):
                if answer.fatal:
                    raise WorkerError(answer.message)
                return self._lost(worker, f"filtering it failed ({answer.message})")
            worker.task = None
            return self._store(*answer)
        if worker.process.sentinel in ready:
            code = worker.process.exitcode
            reason = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
            return self._lost(worker, f"the worker process died while filtering it ({reason})")
        if deadline is not None and time.monotonic() >= deadline:
            return self._lost(worker, f"it took longer than its time limit ({self.chunk_timeout(1):g} s per page)")

    def _lost(self, worker: _Worker, reason: str) -> None:
        assert worker.task is not None, "only a busy worker is lost"
        (number, start), items, _ = worker.task
        self._replace(worker)
        if len(items) == 1:
            self._store((number, start), [self.fail(items[0], reason)])
        else:
            self.retry.extend(((number, start + i), [item]) for i, item in enumerate(items))

    def _store(self, key: tuple, outputs: list) -> None:
        number, start = key
        parts = self.parts[number]
        parts[start:start + len(outputs)] = outputs
        if all(part is not _PENDING for part in parts):
            self.done[number] = self.parts.pop(number)
