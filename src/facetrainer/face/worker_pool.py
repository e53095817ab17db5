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
    run in this process propagates. ``progress`` names a progress bar on stderr.
    """
    from tqdm import tqdm

    if jobs < 2:
        return [t.run(t.arg, shared) for t in tasks]
    order = sorted(range(len(tasks)), key=lambda i: -tasks[i].size)
    results: dict[int, Any] = {}
    bar = tqdm(
        total=len(tasks),
        unit="task",
        desc=progress,
        leave=False,
        file=sys.stderr,
        disable=progress is None or None,
    )
    ctx = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=jobs - 1, mp_context=ctx) as pool:
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
                    bar.update(1)
            for fut in as_completed(running):
                i = running[fut]
                try:
                    results[i] = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker killed by the OS
                    results[i] = on_worker_failure(tasks[i], exc)
                bar.update(1)
    finally:
        bar.close()
    return [results[i] for i in range(len(tasks))]
