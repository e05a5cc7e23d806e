"""The SSE progress stream: ids, filters, replay after Last-Event-ID, resets, heartbeats,
coalescing per job."""

from __future__ import annotations

import asyncio

from docproc_gui.api.client import ApiClient, iter_sse
from docproc_gui.api.sse import EventBroker, coalesce, prepare
from docproc_gui.domain import ProcessingStatus
from docproc_gui.engine.eta import EtaEstimator
from docproc_gui.engine.events import JobEvent
from docproc_gui.store import JobChange

STREAM = "/api/background/stream/progress"
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED"}


def client(api) -> ApiClient:
    return ApiClient(api.url, api.token)


async def collect_until_done(events, job_ids, limit=200):
    seen = []
    done = set()
    while len(done) < len(job_ids) and len(seen) < limit:
        event = await events.next()
        seen.append(event)
        if event.event == "progress" and event.data["status"] in TERMINAL:
            done.add(event.data["job_id"])
    return seen


def test_events_of_a_job_have_ids_and_end_completed(api):
    async def scenario():
        async with client(api) as c:
            path = api.document()
            async with c.stream() as events:
                submitted = await c.submit(str(path))
                seen = await collect_until_done(events, [submitted["job_id"]])
        return submitted["job_id"], seen

    job_id, seen = api.run(scenario())
    statuses = [event.data["status"] for event in seen if event.data["job_id"] == job_id]
    assert statuses[0] == "QUEUED" and statuses[-1] == "COMPLETED"
    ids = [int(event.id.rsplit("-", 1)[1]) for event in seen]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(event.data["kind"] for event in seen)


def test_filter_by_job_and_by_batch(api):
    async def scenario():
        async with client(api) as c:
            await c.pause()
            one = (await c.submit(str(api.document("one.txt"))))["job_id"]
            batch = await c.submit_batch([str(api.document(f"b{i}.txt")) for i in range(3)])
            other = (await c.submit(str(api.document("other.txt"))))["job_id"]
            async with c.stream(job_ids=[one]) as by_job, \
                    c.stream(batch_ids=[batch["batch_id"]]) as by_batch:
                await c.resume()
                job_events = await collect_until_done(by_job, [one])
                batch_events = await collect_until_done(by_batch, batch["job_ids"])
            await api.finished([other])
        return one, batch, job_events, batch_events

    one, batch, job_events, batch_events = api.run(scenario())
    assert {event.data["job_id"] for event in job_events} == {one}
    assert {event.data["job_id"] for event in batch_events} == set(batch["job_ids"])
    assert {event.data["batch_id"] for event in batch_events} == {batch["batch_id"]}


def test_a_filter_naming_no_job_is_404_not_a_silent_stream(api):
    job_id = api.call("POST", "/api/background/submit",
                      json={"file_path": str(api.document())}).body["job_id"]
    for query, field in (
        ("job_id=0123456789abcdef", "job_id"),
        (f"job_id={job_id},nosuchjob", "job_id"),
        ("batch_id=nosuchbatch", "batch_id"),
        ("job_id=../x", "job_id"),
    ):
        reply = api.call("GET", f"{STREAM}?{query}")
        assert reply.status == 404, (query, reply.text)
        assert reply.body["field"] == field
        assert reply.body["error"] == f"{field[:-3]}_not_found"


def test_last_event_id_replays_what_was_missed(api):
    async def scenario():
        async with client(api) as c:
            async with c.stream() as events:
                first = (await c.submit(str(api.document("a.txt"))))["job_id"]
                seen = await collect_until_done(events, [first])
            last_id = seen[-1].id
            # While disconnected: three more jobs run to the end.
            ids = [(await c.submit(str(api.document(f"m{i}.txt"))))["job_id"] for i in range(3)]
            await api.finished(ids)
            await asyncio.sleep(0.3)  # let the broker flush the last events
            response = await c.session.get(api.url + STREAM, headers={"Last-Event-ID": last_id})
            replayed = []
            reader = iter_sse(response.content)
            while len({e.data["job_id"] for e in replayed if e.data["status"] in TERMINAL}) < 3:
                replayed.append(await reader.__anext__())
            response.close()
        return last_id, ids, replayed

    last_id, ids, replayed = api.run(scenario())
    assert {event.data["job_id"] for event in replayed} == set(ids)
    run, seq = last_id.rsplit("-", 1)
    assert all(event.id.startswith(run) and int(event.id.rsplit("-", 1)[1]) > int(seq)
               for event in replayed)


def test_unknown_last_event_id_gets_a_reset(api):
    async def scenario():
        async with client(api) as c:
            response = await c.session.get(api.url + STREAM,
                                           headers={"Last-Event-ID": "0000-17"})
            event = await iter_sse(response.content).__anext__()
            response.close()
            return event

    event = api.run(scenario())
    assert event.event == "reset"
    assert "refetch" in event.data["reason"]


def test_heartbeats_keep_a_quiet_stream_alive(api):
    async def scenario():
        async with client(api) as c:
            response = await c.session.get(api.url + STREAM)
            lines = []
            while b": heartbeat\n" not in lines:
                lines.append(await response.content.readline())
            response.close()
            return response.headers["Content-Type"], lines

    content_type, lines = api.run(scenario(), timeout=5)
    assert content_type.startswith("text/event-stream")
    assert lines[0].startswith(b"retry: ")


def test_stream_needs_the_token(api):
    reply = api.call("GET", STREAM, token="wrong")
    assert reply.status == 401


def _event(job_id, status, kind="progress", progress=0.0, batch=None):
    change = JobChange(kind, job_id, status, 0.0, progress=progress, batch_id=batch)
    return JobEvent(change, EtaEstimator(), None, status.is_terminal)


def test_coalesce_keeps_status_changes_and_the_latest_progress():
    S = ProcessingStatus
    events = [
        _event("a", S.QUEUED, "submitted"),
        _event("a", S.EXTRACTING, "started"),
        _event("b", S.EXTRACTING, "started"),
        *[_event("a", S.EXTRACTING, progress=p / 10) for p in range(1, 9)],
        _event("b", S.EXTRACTING, progress=0.5),
        _event("a", S.COMPLETED, "completed", 1.0),
    ]
    result = coalesce(prepare(events))
    assert [(job_id, values[1], values[2]) for job_id, _, values in result] == [
        ("a", "QUEUED", 0.0),
        ("a", "EXTRACTING", 0.8),
        ("b", "EXTRACTING", 0.5),
        ("a", "COMPLETED", 1.0),
    ]


def test_replay_buffer_is_bounded_and_says_reset_beyond_it():
    loop = asyncio.new_event_loop()
    try:
        broker = EventBroker(loop, buffer_size=5)
        broker.on_events([_event(f"j{i}", ProcessingStatus.QUEUED, "submitted")
                          for i in range(12)])
        loop.run_until_complete(asyncio.sleep(0.05))
        assert len(broker.buffer) == 5 and broker.seq == 12
        _, frames = broker.subscribe(last_event_id=f"{broker.run}-9")
        assert len(frames) == 3
        _, frames = broker.subscribe(last_event_id=f"{broker.run}-2")
        assert len(frames) == 1 and b"event: reset" in frames[0]
        _, frames = broker.subscribe(last_event_id=broker.last_id)
        assert frames == []
        broker.close()
    finally:
        loop.close()
