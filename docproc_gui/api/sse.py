"""The progress stream: engine events as Server-Sent Events, with ids and replay.

The engine's event hub calls :meth:`EventBroker.on_events` on its dispatcher thread, which
also turns each event into plain values (off the loop, whose time the HTTP requests need).
The broker hands them to the asyncio loop in one call per flush (at most every
``flush_interval`` seconds, so a burst of 10,000 events costs the loop a handful of
wake-ups), coalesces them per job (a job's successive progress reports within a flush
collapse into the latest; every status change is kept), gives each an id and keeps the
last ``buffer_size`` in a replay buffer. A reconnecting client that sends
``Last-Event-ID`` gets what it missed, or a ``reset`` event when the buffer no longer
reaches back that far (or the id is from an earlier server run) so it can refetch state.

Ids are ``<run>-<seq>``: ``run`` is random per server start, ``seq`` counts up.
Everything except :meth:`on_events` runs on the event loop thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from docproc_gui.engine.events import JobEvent

BUFFER_SIZE = 10_000
FLUSH_INTERVAL_S = 0.1
SUBSCRIBER_QUEUE = 5_000
HEARTBEAT_S = 15.0
RETRY_MS = 3000


# One event as kept and sent: (seq, job_id, batch_id, values of FIELDS). Plain tuples of
# plain values on purpose: the garbage collector stops tracking such tuples, so a full
# replay buffer adds nothing to the pauses of its full collections (a buffer of event
# objects made the loop stall 60-160 ms at every one). Frames are encoded when sent.
StreamEvent = tuple[int, str, str | None, tuple[Any, ...]]
Prepared = tuple[str, str | None, tuple[Any, ...]]  # a StreamEvent before it has its seq
STATUS, KIND = 1, 8  # where FIELDS keeps them
FIELDS = (
    "job_id",
    "status",
    "progress",
    "current_step",
    "steps_completed",
    "estimated_time_remaining",
    "message",
    "error_category",
    "kind",
    "batch_id",
    "file_path",
    "priority",
    "attempts",
    "at",
)


@dataclass(slots=True, eq=False)  # identity: one per connection, kept in a set
class Subscription:
    """One connected client: a filter and a bounded queue of frames."""

    job_ids: frozenset[str]
    batch_ids: frozenset[str]
    queue: deque[StreamEvent] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    overflowed: bool = False
    closed: bool = False

    def wants(self, event: StreamEvent) -> bool:
        if not self.job_ids and not self.batch_ids:
            return True
        return event[1] in self.job_ids or (event[2] is not None and event[2] in self.batch_ids)

    async def next_batch(self, timeout: float) -> list[StreamEvent] | None:
        """The frames queued since the last call; None after ``timeout`` without any."""
        if not self.queue and not self.closed:
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), timeout)
            except TimeoutError:
                return None
        items = list(self.queue)
        self.queue.clear()
        return items


def encode_frame(event_id: str, kind: str, data: dict[str, Any]) -> bytes:
    payload = json.dumps(data, separators=(",", ":"), default=str)
    return f"id: {event_id}\nevent: {kind}\ndata: {payload}\n\n".encode()


def reset_frame(reason: str, last_id: str) -> bytes:
    payload = json.dumps({"reason": reason})
    return f"id: {last_id}\nevent: reset\ndata: {payload}\n\n".encode()


HEARTBEAT_FRAME = b": heartbeat\n\n"


def event_values(event: JobEvent) -> tuple[Any, ...]:
    """The FIELDS of an engine event, as a tuple of plain values."""
    change = event.change
    return (
        change.job_id,
        change.status.value,
        change.progress,
        change.current_step,
        tuple(change.steps_completed),
        event.estimated_time_remaining,
        change.message,
        change.error_category.value if change.error_category else None,
        event.kind,
        change.batch_id,
        change.file_path,
        change.priority,
        change.attempts,
        change.at,
    )


def event_payload(values: tuple[Any, ...]) -> dict[str, Any]:
    data = dict(zip(FIELDS, values, strict=True))
    data["steps_completed"] = list(data["steps_completed"])
    return data


def prepare(events: Iterable[JobEvent]) -> list[Prepared]:
    """Engine events as (job_id, batch_id, values): plain data, ready to number."""
    return [(event.change.job_id, event.change.batch_id, event_values(event)) for event in events]


def coalesce(events: Iterable[Prepared]) -> list[Prepared]:
    """Per job, collapse successive events of the same status into the latest one.

    Keeps the order of first appearance per job slot; a status change always starts a
    new entry, so QUEUED -> EXTRACTING -> COMPLETED stays three events however many
    progress reports came in between.
    """
    result: list[Prepared | None] = []
    last_index: dict[str, int] = {}
    for event in events:
        job_id, values = event[0], event[2]
        index = last_index.get(job_id)
        if index is not None:
            previous = result[index]
            assert previous is not None
            if previous[2][STATUS] == values[STATUS] and values[KIND] in (
                "progress",
                previous[2][KIND],
            ):
                result[index] = None
        last_index[job_id] = len(result)
        result.append(event)
    return [event for event in result if event is not None]


class EventBroker:
    """Fans engine events out to SSE subscriptions; see the module docstring."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        buffer_size: int = BUFFER_SIZE,
        flush_interval: float = FLUSH_INTERVAL_S,
        subscriber_queue: int = SUBSCRIBER_QUEUE,
    ) -> None:
        self.loop = loop
        self.run = secrets.token_hex(4)
        self.flush_interval = flush_interval
        self.subscriber_queue = subscriber_queue
        self.buffer: deque[StreamEvent] = deque(maxlen=buffer_size)
        self.subscriptions: set[Subscription] = set()
        self.seq = 0
        self.closed = False
        self._pending: list[Prepared] = []
        self._lock = threading.Lock()
        self._scheduled = False
        self._last_flush = 0.0
        self._unsubscribe: Callable[[], None] | None = None

    def attach(
        self, subscribe: Callable[[Callable[[list[JobEvent]], None]], Callable[[], None]]
    ) -> None:
        self._unsubscribe = subscribe(self.on_events)

    @property
    def last_id(self) -> str:
        return f"{self.run}-{self.seq}"

    # ------------------------------------------------------------- engine side (any thread)

    def on_events(self, events: list[JobEvent]) -> None:
        """Take events on the hub's thread; one flush follows on the loop."""
        if self.closed:
            return
        prepared = prepare(events)
        with self._lock:
            if self.closed:
                return
            self._pending.extend(prepared)
            if self._scheduled:
                return
            self._scheduled = True
        with contextlib.suppress(RuntimeError):  # a closed loop: the server is gone
            self.loop.call_soon_threadsafe(self._schedule_flush)

    # ------------------------------------------------------------- loop side

    def _schedule_flush(self) -> None:
        wait = self.flush_interval - (time.monotonic() - self._last_flush)
        if wait <= 0:
            self.flush()
        else:
            self.loop.call_later(wait, self.flush)

    def flush(self) -> None:
        with self._lock:
            events, self._pending = self._pending, []
            self._scheduled = False
        self._last_flush = time.monotonic()
        if not events or self.closed:
            return
        seq = self.seq
        fresh = [(seq := seq + 1, *event) for event in coalesce(events)]
        self.seq = seq
        self.buffer.extend(fresh)
        for subscription in self.subscriptions:
            self._deliver(subscription, fresh)

    def _deliver(self, subscription: Subscription, events: list[StreamEvent]) -> None:
        wanted = [event for event in events if subscription.wants(event)]
        if not wanted:
            return
        if len(subscription.queue) + len(wanted) > self.subscriber_queue:
            # A client that does not read: end its stream; it reconnects with
            # Last-Event-ID and is replayed from the buffer (or told to reset).
            subscription.overflowed = True
            subscription.closed = True
        else:
            subscription.queue.extend(wanted)
        subscription.wake.set()

    def subscribe(
        self,
        job_ids: Iterable[str] = (),
        batch_ids: Iterable[str] = (),
        last_event_id: str | None = None,
    ) -> tuple[Subscription, list[bytes]]:
        """A new subscription and the frames to send first (replay, or a reset)."""
        subscription = Subscription(frozenset(job_ids), frozenset(batch_ids))
        first: list[bytes] = []
        if last_event_id:
            first = self._replay(subscription, last_event_id.strip())
        self.subscriptions.add(subscription)
        return subscription, first

    def _replay(self, subscription: Subscription, last_event_id: str) -> list[bytes]:
        run, _, raw_seq = last_event_id.rpartition("-")
        try:
            seq = int(raw_seq)
        except ValueError:
            seq = -1
        if run != self.run or seq < 0 or seq > self.seq:
            return [
                reset_frame("unknown event id (the server restarted?); refetch state", self.last_id)
            ]
        oldest = self.buffer[0][0] if self.buffer else self.seq + 1
        if seq < oldest - 1:
            return [
                reset_frame("missed events are no longer buffered; refetch state", self.last_id)
            ]
        return [
            self.frame(event)
            for event in self.buffer
            if event[0] > seq and subscription.wants(event)
        ]

    def frame(self, event: StreamEvent) -> bytes:
        """The SSE frame of an event (``event: progress``, JSON data)."""
        return encode_frame(f"{self.run}-{event[0]}", "progress", event_payload(event[3]))

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscriptions.discard(subscription)

    def close(self) -> None:
        """End every stream (server shutdown) and stop listening to the engine."""
        with self._lock:
            self.closed = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for subscription in self.subscriptions:
            subscription.closed = True
            subscription.wake.set()
