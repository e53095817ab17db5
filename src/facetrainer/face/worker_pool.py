"""Tasks run on worker processes and in this process at once (offline analysis).

A worker is a fresh interpreter ("spawn": forking a parent that runs OpenCV's and a
decoder's threads is not safe) that imports OpenCV and MediaPipe before its first task,
about a second of CPU. This process is one of the ``jobs`` itself, so ``jobs`` cores cost
``jobs - 1`` start-ups. The workers are kept busy with the largest tasks, one each at a
time, while this process takes the smallest ones from the other end of the list and tops
the workers up in between.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Task:
    """``run(arg, shared)``, whose size (any unit, e.g. video frames) orders the work."""

    run: Callable[[Any, Any], Any]
    arg: Any
    size: float


_done_units: Any = None  # this process's handle on the shared progress counter


def _share_counter(counter: Any) -> None:
    global _done_units
    _done_units = counter


def report_progress(units: int) -> None:
    """Called by a task, in whichever process runs it: ``units`` more of the work are done."""
    if _done_units is not None and units:
        with _done_units.get_lock():
            _done_units.value += units


def run_tasks(
    tasks: list[Task],
    shared: Any,
    jobs: int,
    on_worker_failure: Callable[[Task, Exception], Any],
    progress: str | None = None,
) -> list[Any]:
    """Results of every task, in the order of ``tasks``, using ``jobs`` processes.

    ``run`` and its arguments must be picklable (module-level functions, plain data).
    A task whose worker died (killed by the OS, out of memory) gives
    ``on_worker_failure(task, exc)`` instead of its result; an exception raised by a task
    run in this process propagates. ``progress`` names a progress bar on stderr whose
    total is the tasks' summed ``size``; tasks advance it with :func:`report_progress`
    (a counter shared by all processes, read here five times a second).
    """
    if jobs < 2:
        return [t.run(t.arg, shared) for t in tasks]
    order = sorted(range(len(tasks)), key=lambda i: -tasks[i].size)
    results: dict[int, Any] = {}
    ctx = multiprocessing.get_context("spawn")
    counter = ctx.Value("q", 0)
    _share_counter(counter)
    stop_bar = _show_progress(progress, sum(t.size for t in tasks), counter)
    try:
        with ProcessPoolExecutor(
            max_workers=jobs - 1, mp_context=ctx, initializer=_share_counter, initargs=(counter,)
        ) as pool:
            running: dict[Future[Any], int] = {}
            front, back = 0, len(order)
            while front < back:
                while front < back and sum(not f.done() for f in running) < jobs - 1:
                    task = tasks[order[front]]
                    running[pool.submit(task.run, task.arg, shared)] = order[front]
                    front += 1
                if front < back:
                    back -= 1
                    task = tasks[order[back]]
                    results[order[back]] = task.run(task.arg, shared)
            for fut in as_completed(running):
                i = running[fut]
                try:
                    results[i] = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker killed by the OS
                    results[i] = on_worker_failure(tasks[i], exc)
    finally:
        _share_counter(None)
        stop_bar()
    return [results[i] for i in range(len(tasks))]


def _show_progress(desc: str | None, total: float, counter: Any) -> Callable[[], None]:
    """A progress bar fed from ``counter`` on a thread; returns the function that ends it."""
    if desc is None:
        return lambda: None
    from tqdm import tqdm

    bar = tqdm(total=round(total), unit="frame", desc=desc, leave=False, file=sys.stderr)
    done = threading.Event()

    def follow() -> None:
        while not done.wait(0.2):
            bar.update(counter.value - bar.n)

    thread = threading.Thread(target=follow, name="progress", daemon=True)
    thread.start()

    def stop() -> None:
        done.set()
        thread.join()
        bar.close()

    return stop
