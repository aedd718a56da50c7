"""Micro-batching: model calls of concurrently analysed images, grouped and run by one model thread.

Each job runs its CPU work (decoding, layout, masks, parsing) in its own thread and hands every
model call to `MicroBatcher.call`, which blocks until the result is ready. The model thread takes
the first waiting call, waits up to the window for calls of the other jobs in flight, runs each
group of compatible calls as one batch, and hands every caller its own share of the output. A
call never waits longer than the window for company, and not at all when its job is the only
one in flight. The models are touched by the model thread only, so they need not be thread-safe.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

# A runner takes the payloads of one group and returns one output per payload, in order.
Runner = Callable[[list[Any]], list[Any]]


@dataclass
class _Call:
    kind: str
    key: Hashable
    payload: Any
    future: Future[Any] = field(default_factory=Future)


class MicroBatcher:
    """One model thread that runs grouped calls; `kind` names a runner, `key` what may share a batch."""

    def __init__(self, runners: dict[str, Runner], max_batch: int, window_s: float,
                 on_batch: Callable[[str, int], None] | None = None) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        self.runners = runners
        self.max_batch = max_batch
        self.window_s = window_s
        self.on_batch = on_batch
        self._calls: queue.Queue[_Call | None] = queue.Queue()
        self._active = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="model-batcher", daemon=True)
        self._thread.start()

    @contextmanager
    def job(self) -> Iterator[None]:
        """Count a job in flight while the block runs, so the model thread can tell how many to wait for."""
        with self._lock:
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1

    def call(self, kind: str, key: Hashable, payload: Any) -> Any:
        """Queue one model call and block until the model thread has run it."""
        if not self._thread.is_alive():
            raise RuntimeError("the model thread has stopped")
        pending = _Call(kind, key, payload)
        self._calls.put(pending)
        return pending.future.result()

    def close(self) -> None:
        self._calls.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._calls.get()
            if first is None:
                return
            batch, stop = self._gather(first)
            for (kind, _key), calls in _grouped(batch).items():
                self._run_group(kind, calls)
            if stop:
                return

    def _gather(self, first: _Call) -> tuple[list[_Call], bool]:
        """Collect calls until every job in flight has one waiting, the batch is full or the window ends."""
        batch = [first]
        deadline = time.monotonic() + self.window_s
        while len(batch) < min(self.max_batch, self._active):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                pending = self._calls.get(timeout=remaining)
            except queue.Empty:
                break
            if pending is None:
                return batch, True
            batch.append(pending)
        return batch, False

    def _run_group(self, kind: str, calls: list[_Call]) -> None:
        try:
            outputs = self.runners[kind]([c.payload for c in calls])
            if len(outputs) != len(calls):
                raise RuntimeError(f"runner {kind!r} returned {len(outputs)} outputs for {len(calls)} calls")
        except Exception as exc:  # noqa: BLE001 - every caller gets the error of its own batch
            for pending in calls:
                pending.future.set_exception(exc)
            return
        if self.on_batch is not None:
            self.on_batch(kind, len(calls))
        for pending, output in zip(calls, outputs, strict=True):
            pending.future.set_result(output)


def _grouped(batch: list[_Call]) -> dict[tuple[str, Hashable], list[_Call]]:
    groups: dict[tuple[str, Hashable], list[_Call]] = {}
    for pending in batch:
        groups.setdefault((pending.kind, pending.key), []).append(pending)
    return groups
