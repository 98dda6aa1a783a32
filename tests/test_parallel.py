"""filterkit.parallel: workers that die while idle, fail to start, or stop the run, in real worker processes."""
import multiprocessing
import os
import signal
import time

import pytest

from filterkit.parallel import Fatal, Stopped, WorkerError, ordered_map


def _start(mode: str = "ok") -> None:
    if mode == "broken":
        raise RuntimeError("the model directory is gone")


def _pid(items: list) -> list:
    return [(item, os.getpid()) for item in items]


def _fatal(items: list) -> list:
    raise Fatal("the model is unusable")


def _crash_on_three(items: list) -> list:
    if 3 in items:
        raise ValueError("a bug that one record triggers")
    return items


def _failed(item, reason):
    return ("failed", item, reason)


def test_a_worker_that_dies_while_idle_is_replaced_and_nothing_is_lost():
    def chunks():
        yield [0]
        yield [1]
        time.sleep(3)  # both workers have done their chunk and are idle now
        killed.update(process.pid for process in multiprocessing.active_children())
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        yield from ([n] for n in range(2, 12))

    killed: set[int] = set()
    outputs = []
    for output in ordered_map(chunks(), _pid, _failed, 2, _start, ()):
        outputs += output
    assert [item for item, _ in outputs] == list(range(12))  # in order, none "failed"
    assert killed and not killed & {pid for _, pid in outputs[2:]}  # the rest ran in replacements


def test_a_worker_that_cannot_start_ends_the_run_once_with_its_reason():
    with pytest.raises(WorkerError, match="model directory is gone"):
        list(ordered_map(([n] for n in range(10)), _pid, _failed, 2, _start, ("broken",)))


def test_fatal_in_work_ends_the_run_and_other_exceptions_cost_only_their_item():
    with pytest.raises(WorkerError, match="unusable"):
        list(ordered_map(([n] for n in range(4)), _fatal, _failed, 2, _start, ()))
    outputs = [out for chunk in ordered_map(([n, n + 10] for n in range(5)), _crash_on_three, _failed, 2, _start, ())
               for out in chunk]
    assert outputs[:6] == [0, 10, 1, 11, 2, 12]
    assert outputs[6][:2] == ("failed", 3) and "bug that one record triggers" in outputs[6][2]
    assert outputs[7:] == [13, 4, 14]


def test_a_stop_is_not_an_exception_that_per_page_handling_catches():
    assert not issubclass(Stopped, Exception) and issubclass(Stopped, BaseException)
