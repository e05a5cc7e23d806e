"""The persistent queue: order, limits, atomic claims, history, event log, bad storage."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from docproc_gui.config import Settings
from docproc_gui.domain import (
    ErrorCategory,
    InvalidTransitionError,
    JobNotFoundError,
    QueueFullError,
    StorageFullError,
)
from docproc_gui.domain import (
    ProcessingPriority as P,
)
from docproc_gui.domain import (
    ProcessingStatus as S,
)
from docproc_gui.store import Database, JobStore, Submission


def _claim_all(store: JobStore) -> list[str]:
    order = []
    while claimed := store.claim(1, "test"):
        order.extend(item.job.file_path for item in claimed)
    return order


def test_submitted_job_is_stored_queued_with_its_facts(store: JobStore, tmp_path: Path) -> None:
    document = tmp_path / "report.PDF"
    document.write_bytes(b"%PDF-1.4 ...")
    job = store.submit(str(document), P.HIGH, {"source": "test"})
    again = store.get(job.job_id)
    assert again.status is S.QUEUED
    assert again.priority is P.HIGH
    assert again.metadata == {"source": "test"}
    assert again.file_size == document.stat().st_size
    assert again.file_type == "pdf"
    assert again.created_at is not None and again.created_at.tzinfo is not None


def test_priorities_run_in_order_and_fifo_within_a_priority(store: JobStore) -> None:
    store.submit("/low-1", P.LOW)
    store.submit("/normal-1", P.NORMAL)
    store.submit("/critical-1", P.CRITICAL)
    store.submit("/normal-2", P.NORMAL)
    store.submit("/background-1", P.BACKGROUND)
    store.submit("/critical-2", P.CRITICAL)
    assert _claim_all(store) == [
        "/critical-1",
        "/critical-2",
        "/normal-1",
        "/normal-2",
        "/low-1",
        "/background-1",
    ]


def test_age_promotes_an_old_low_priority_job_over_new_critical_work(
    database: Database, settings: Settings
) -> None:
    now = [1_000_000.0]
    store = JobStore(database, settings, clock=lambda: now[0])
    try:
        store.submit("/old-background", P.BACKGROUND)
        now[0] += 4 * settings.aging_seconds_per_level + 1  # waited past its deadline
        store.submit("/new-critical", P.CRITICAL)
        assert _claim_all(store) == ["/old-background", "/new-critical"]
    finally:
        store.close()


def test_queue_full_is_a_clear_error_and_queues_nothing(
    database: Database, settings: Settings
) -> None:
    store = JobStore(database, settings.replace(max_queue_size=3))
    try:
        store.submit_many([Submission(f"/f{i}") for i in range(3)])
        with pytest.raises(QueueFullError, match="queue is full: 3 of 3"):
            store.submit("/one-too-many")
        with pytest.raises(QueueFullError):
            store.submit_many([Submission("/a"), Submission("/b")])
        assert store.count() == 3
        store.claim(1)  # a running job no longer takes a place in the queue
        store.submit("/fits-now")
    finally:
        store.close()


def test_concurrent_claims_never_hand_out_a_job_twice(store: JobStore) -> None:
    store.submit_many([Submission(f"/doc-{i}") for i in range(400)])
    taken: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        while claimed := store.claim(3, threading.current_thread().name):
            with lock:
                taken.extend(item.job.job_id for item in claimed)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 400
    assert len(set(taken)) == 400


def test_completed_jobs_stay_in_history_and_can_be_pruned(store: JobStore) -> None:
    store.submit("/a")
    claimed = store.claim(1)[0]
    store.complete(claimed, {"words": 3}, ["classify"])
    store.writer.flush()
    job = store.get(claimed.job.job_id)
    assert job.status is S.COMPLETED
    assert job.result == {"words": 3}
    assert job.progress == 1.0
    assert store.list_jobs([S.COMPLETED])[0].job_id == job.job_id
    assert store.prune_history(older_than_days=1) == 0  # still young
    assert store.prune_history(older_than_days=-1) == 1
    with pytest.raises(JobNotFoundError):
        store.get(job.job_id)


def test_event_log_records_steps_errors_and_retries(store: JobStore) -> None:
    store.submit("/a")
    claimed = store.claim(1)[0]
    store.record_step(claimed, S.CLASSIFYING, "classify", 0.0, [])
    store.fail(claimed, ErrorCategory.TRANSIENT, "disk busy").result()
    kinds = [(event["kind"], event["status"]) for event in store.events(claimed.job.job_id)]
    assert kinds == [
        ("started", "PROCESSING"),
        ("step", "CLASSIFYING"),
        ("retry_scheduled", "RETRYING"),
    ]
    job = store.get(claimed.job.job_id)
    assert job.status is S.RETRYING
    assert job.retry_count == 1
    assert job.error_category is ErrorCategory.TRANSIENT
    assert job.next_attempt_at is not None


def test_permanent_errors_fail_at_once_and_transient_ones_exhaust_retries(
    database: Database, settings: Settings
) -> None:
    now = [3_000_000.0]
    store = JobStore(database, settings, clock=lambda: now[0])
    try:
        store.submit("/encrypted.pdf")
        claimed = store.claim(1)[0]
        assert store.fail(claimed, ErrorCategory.ENCRYPTED, "needs a password").result() is S.FAILED

        store.submit("/flaky.pdf", max_retries=1)
        claimed = store.claim(1)[0]
        assert store.fail(claimed, ErrorCategory.TRANSIENT, "io").result() is S.RETRYING
        now[0] += 60
        claimed = store.claim(1)[0]
        assert store.fail(claimed, ErrorCategory.TRANSIENT, "io").result() is S.FAILED
        job = store.get(claimed.job.job_id)
        assert (job.attempts, job.retry_count, job.error_category) == (
            2,
            1,
            ErrorCategory.TRANSIENT,
        )
    finally:
        store.close()


def test_retry_waits_for_its_backoff(database: Database, settings: Settings) -> None:
    now = [2_000_000.0]
    store = JobStore(database, settings.replace(retry_backoff_base=10.0), clock=lambda: now[0])
    try:
        store.submit("/flaky")
        claimed = store.claim(1)[0]
        store.fail(claimed, ErrorCategory.TRANSIENT, "io").result()
        assert store.claim(1) == []
        now[0] += 12.0  # 10 s backoff ±10 %
        again = store.claim(1)
        assert [item.job.job_id for item in again] == [claimed.job.job_id]
        assert again[0].job.attempts == 2
    finally:
        store.close()


def test_cancel_retry_and_priority_changes(store: JobStore) -> None:
    first = store.submit("/first", P.LOW)
    second = store.submit("/second", P.LOW)
    assert store.cancel_waiting(first.job_id) is S.QUEUED  # was waiting: cancelled now
    assert store.get(first.job_id).status is S.CANCELLED
    assert store.get(first.job_id).error_category is ErrorCategory.CANCELLED
    assert store.cancel_waiting(first.job_id) is S.CANCELLED  # already: nothing changes
    with pytest.raises(InvalidTransitionError):
        store.retry(second.job_id)  # only failed or cancelled jobs
    assert store.retry(first.job_id).status is S.QUEUED
    store.set_priority(second.job_id, P.CRITICAL)
    assert store.waiting_order() == [second.job_id, first.job_id]
    store.move_to_edge(first.job_id, top=True)
    assert store.waiting_order() == [first.job_id, second.job_id]
    with pytest.raises(JobNotFoundError):
        store.cancel_waiting("no-such-job")


def test_idempotency_key_returns_the_existing_job(store: JobStore) -> None:
    one = store.submit("/a", idempotency_key="scan-42")
    two = store.submit("/a", idempotency_key="scan-42")
    assert one.job_id == two.job_id
    assert store.count() == 1


def test_recovery_requeues_interrupted_jobs_with_the_attempt_counted(
    database: Database, settings: Settings
) -> None:
    store = JobStore(database, settings.replace(max_retries=1))
    store.submit_many([Submission("/a"), Submission("/b")])
    claimed = store.claim(2)
    store.close()  # the process "dies" with both running

    restarted = JobStore(database, settings.replace(max_retries=1))
    try:
        report = restarted.recover_interrupted()
        assert sorted(report.requeued) == sorted(item.job.job_id for item in claimed)
        again = restarted.claim(2)
        assert {item.job.attempts for item in again} == {2}
        restarted.close()
        # Interrupted a second time: attempts (2) now exceed max_retries (1): failed.
        third = JobStore(database, settings.replace(max_retries=1))
        report = third.recover_interrupted()
        assert len(report.failed) == 2
        job = third.get(claimed[0].job.job_id)
        assert job.status is S.FAILED
        assert job.error_category is ErrorCategory.INTERNAL
        assert "interrupted 2 times" in (job.error_message or "")
        third.close()
    finally:
        restarted.close()


def test_checkpoints_are_handed_back_on_resume(store: JobStore) -> None:
    store.submit("/big.pdf")
    claimed = store.claim(1)[0]
    store.record_step(claimed, S.CLASSIFYING, "classify", 0.0, [])
    store.record_step(
        claimed,
        S.EXTRACTING,
        "extract",
        0.1,
        ["classify"],
        checkpoint=("classify", {"type": "pdf"}),
    )
    store.writer.flush()
    store.requeue([claimed], "test")
    resumed = store.claim(1)[0]
    assert resumed.steps_completed == ["classify"]
    assert resumed.checkpoints == {"classify": {"type": "pdf"}}


def test_full_disk_raises_storage_full_and_keeps_nothing_half_written(
    store: JobStore, database: Database
) -> None:
    store.submit("/before")
    raw = sqlite3.connect(database.path)
    pages = raw.execute("PRAGMA page_count").fetchone()[0]
    raw.close()
    # SQLite's own limit makes the real "database or disk is full" error appear.
    store.writer._connection.raw.execute(f"PRAGMA max_page_count = {pages + 1}")
    big = "x" * 20_000
    with pytest.raises(StorageFullError, match="full"):
        store.submit_many([Submission(f"/{i}", metadata={"pad": big}) for i in range(50)])
    store.writer._connection.raw.execute("PRAGMA max_page_count = 1073741823")
    assert [job.file_path for job in store.list_jobs()] == ["/before"]
    store.submit("/after")
    assert store.count() == 2


def test_counts_cover_every_status(store: JobStore) -> None:
    store.submit_many([Submission("/a"), Submission("/b"), Submission("/c")])
    claimed = store.claim(1)[0]
    store.complete(claimed, {}, [])
    store.writer.flush()
    counts = store.counts()
    assert set(counts) == {status.value for status in S}
    assert counts["QUEUED"] == 2
    assert counts["COMPLETED"] == 1


def test_the_event_log_keeps_steps_and_completion_in_order(store: JobStore) -> None:
    store.submit("/a")
    claimed = store.claim(1)[0]
    for index, (status, step) in enumerate(
        [(S.CLASSIFYING, "classify"), (S.EXTRACTING, "extract"), (S.INTEGRATING, "integrate")]
    ):
        store.record_step(claimed, status, step, index / 3, [])
    store.complete(claimed, {}, ["classify", "extract", "integrate"])
    store.writer.flush()
    events = store.events(claimed.job.job_id)
    assert [
        (event["kind"], event["message"] if event["kind"] == "step" else event["status"])
        for event in events
    ] == [
        ("started", "PROCESSING"),
        ("step", "classify"),
        ("step", "extract"),
        ("step", "integrate"),
        ("completed", "COMPLETED"),
    ]
    times = [event["at"] for event in events]
    assert times == sorted(times)


def test_one_call_with_a_repeated_idempotency_key_makes_one_job(store: JobStore) -> None:
    earlier = store.submit("/old", idempotency_key="known")
    jobs = store.submit_many(
        [
            Submission("/a", idempotency_key="k"),
            Submission("/b"),
            Submission("/a", idempotency_key="k"),
            Submission("/old", idempotency_key="known"),
        ]
    )
    assert [job.file_path for job in jobs] == ["/a", "/b", "/a", "/old"]  # input order
    assert jobs[0].job_id == jobs[2].job_id
    assert jobs[3].job_id == earlier.job_id
    assert store.count() == 3


def test_count_within_a_batch(store: JobStore) -> None:
    store.submit_many([Submission("/a"), Submission("/b")], batch_id="batch-1")
    store.submit("/c")
    assert store.count(batch_id="batch-1") == 2
    assert store.count([S.QUEUED], batch_id="batch-1") == 2
    assert store.count([S.FAILED], batch_id="batch-1") == 0


def test_listing_active_jobs_in_order_with_paging(store: JobStore) -> None:
    store.submit_many([Submission(f"/{i}") for i in range(6)], batch_id="b1")
    store.submit("/other")
    running = store.claim(2)
    store.complete(running[0], {}, [])
    store.writer.flush()
    active = store.list_jobs([S.QUEUED, S.PROCESSING])
    assert [job.file_path for job in active] == ["/other", "/5", "/4", "/3", "/2", "/1"]
    page = store.list_jobs([S.QUEUED], batch_id="b1", newest_first=False, limit=2, offset=1)
    assert [job.file_path for job in page] == ["/3", "/4"]
    assert [job.file_path for job in store.list_jobs([S.COMPLETED])] == ["/0"]


def test_queue_emptied_holds_until_anything_becomes_claimable(
    database: Database, settings: Settings
) -> None:
    now = [1000.0]
    store = JobStore(database, settings.replace(retry_backoff_base=10.0), clock=lambda: now[0])
    try:
        assert not store.queue_emptied  # nobody has looked yet
        store.submit("/a")
        store.submit("/b")
        assert len(store.claim(1, "t")) == 1
        assert not store.queue_emptied  # a full claim: there may be more
        [second] = store.claim(5, "t")
        assert store.queue_emptied  # it took what was due: another claim would find nothing
        assert store.claim(5, "t") == []

        store.submit("/c")
        assert not store.queue_emptied
        [third] = store.claim(5, "t")
        assert store.queue_emptied
        store.requeue([third], "test")
        assert not store.queue_emptied
        [third] = store.claim(5, "t")
        store.fail(third, ErrorCategory.TRANSIENT, "flaky").result()  # a retry in ~10 s
        assert not store.queue_emptied
        assert store.claim(5, "t") == []  # not due yet
        assert store.queue_emptied
        now[0] += 60  # the clock alone makes the retry due: no write tells the store
        assert not store.queue_emptied
        assert [item.job.job_id for item in store.claim(5, "t")] == [third.job.job_id]

        store.fail(second, ErrorCategory.CORRUPT, "broken").result()
        assert store.queue_emptied  # a failure for good makes nothing claimable
        store.retry(second.job.job_id)
        assert not store.queue_emptied
    finally:
        store.close()


def test_a_claim_that_rolled_back_does_not_mark_the_queue_emptied(
    store: JobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.submit("/waiting")
    connection = store.writer._connection

    def full_disk_at_commit() -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(connection, "commit", full_disk_at_commit)
    with pytest.raises(StorageFullError):
        store.claim(5, "t")  # the UPDATE ran and took the job; the commit did not
    monkeypatch.undo()
    assert not store.queue_emptied
    assert [item.job.file_path for item in store.claim(5, "t")] == ["/waiting"]


def test_next_retry_at_sees_every_retry_scheduled_after_it_found_none(
    store: JobStore,
) -> None:
    store.submit("/flaky")
    [claimed] = store.claim(5, "t")
    assert store.next_retry_at() is None  # nothing waits out a backoff (and it remembers)
    store.fail(claimed, ErrorCategory.TRANSIENT, "io").result()
    due = store.next_retry_at()
    job = store.get(claimed.job.job_id)
    assert due is not None and job.status is S.RETRYING
    assert job.next_attempt_at is not None
    assert abs(due - job.next_attempt_at.timestamp()) < 0.01
    store.cancel_waiting(job.job_id)
    assert store.next_retry_at() is None


def test_submit_many_says_which_jobs_it_created(store: JobStore) -> None:
    """The API tells a repeated request (200) from a new one (202) by this, not by clocks:
    a job another request created a moment before looks as new as one's own."""
    earlier = store.submit_many([Submission("/a", P.NORMAL, {}, None, "key:k#0")])
    created: set[str] = set()
    jobs = store.submit_many(
        [Submission("/a", P.NORMAL, {}, None, "key:k#0"), Submission("/b", P.NORMAL, {})],
        new_ids=created,
    )
    assert jobs[0].job_id == earlier[0].job_id
    assert created == {jobs[1].job_id}


def test_whole_keys_queue_all_or_none_of_a_request(store: JobStore) -> None:
    from docproc_gui.domain import IdempotencyConflictError

    store.submit_many([Submission("/a", P.NORMAL, {}, None, "key:k#0")])
    with pytest.raises(IdempotencyConflictError):
        store.submit_many(
            [
                Submission("/a", P.NORMAL, {}, None, "key:k#0"),
                Submission("/b", P.NORMAL, {}, None, "key:k#1"),
            ],
            whole_keys=True,
        )
    assert store.count() == 1
    again = store.submit_many([Submission("/a", P.NORMAL, {}, None, "key:k#0")], whole_keys=True)
    assert len(again) == 1 and store.count() == 1
