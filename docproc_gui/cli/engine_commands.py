"""Commands that work on a data folder directly, without a running app: process, jobs."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections import Counter
from typing import Any

from docproc_gui.cli.common import add_data_dir, fail, print_json, settings_from
from docproc_gui.cli.job_text import shown_path
from docproc_gui.discovery import collect_files
from docproc_gui.domain import (
    DocProcError,
    ProcessingPriority,
    ProcessingStatus,
    QueueFullError,
)

S = ProcessingStatus
DEFAULT_LIMIT = 100


def register(subparsers: Any) -> None:
    process = subparsers.add_parser(
        "process",
        help="process files or folders headless until the queue is empty",
        description="Queue PATHs (folders recursively) and process the whole queue of the "
        "data folder until it is empty. Without PATH, resume what is already queued "
        "(after a crash, say). Exit code 1 when any job failed.",
    )
    process.add_argument("paths", nargs="*", metavar="PATH")
    add_data_dir(process)
    process.add_argument(
        "--priority", default="NORMAL", help="CRITICAL, HIGH, NORMAL, LOW, BACKGROUND or 0-4"
    )
    process.add_argument("--workers", type=int, help="worker threads (default: two per CPU core)")
    process.add_argument("--timeout", type=float, help="per-job timeout in seconds")
    process.add_argument("--json", action="store_true", help="print one JSON summary")
    process.set_defaults(handler=run_process)

    jobs = subparsers.add_parser(
        "jobs",
        help="list the jobs of a data folder",
        description="List jobs straight from the data folder's database (newest first). "
        "When more jobs match than are shown, a last line on stderr says how many more "
        "(not with --json, which prints only the JSON list). Uploaded files show the "
        "name they were sent with, followed by '(upload)'.",
    )
    add_data_dir(jobs)
    jobs.add_argument("--status", action="append", help="only this status (repeatable)")
    jobs.add_argument(
        "--limit",
        type=_limit,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"show at most N jobs (default {DEFAULT_LIMIT}; 0 = all)",
    )
    jobs.add_argument("--json", action="store_true", help="print the jobs as a JSON list")
    jobs.set_defaults(handler=run_jobs)


def _limit(text: str) -> int:
    """``--limit``: a whole number, 0 for no limit; negative numbers are refused."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (all) or more, not {value}")
    return value


def run_process(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QCoreApplication

    from docproc_gui.engine import EngineBusyError, create_background_processor

    try:
        priority = ProcessingPriority.parse(args.priority)
    except ValueError as error:
        return fail(str(error), 2)
    settings = settings_from(args, max_workers=args.workers, job_timeout=args.timeout)
    files = collect_files(args.paths)
    _app = QCoreApplication.instance() or QCoreApplication([sys.argv[0]])
    try:
        processor = create_background_processor(settings, start=False)
    except EngineBusyError as error:
        return fail(str(error))
    finished: dict[str, Any] = {}
    lock = threading.Lock()

    def on_events(events: list[Any]) -> None:
        with lock:
            for event in events:
                if event.status.is_terminal:
                    finished[event.job_id] = event.progress

    processor.subscribe(on_events)
    interrupted = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.set())
    previous_term = signal.signal(signal.SIGTERM, lambda *_: interrupted.set())
    started = time.monotonic()
    try:
        processor.start()
        try:
            if files:
                processor.submit_batch(files, priority)
        except (QueueFullError, DocProcError) as error:
            processor.shutdown(wait=False)
            return fail(str(error))
        progress = _progress_bar(args.json, processor.queue_status()["queued_jobs"])
        while not interrupted.is_set():
            status = processor.queue_status()
            outstanding = status["queued_jobs"] + status["processing_jobs"]
            if progress is not None:
                with lock:
                    progress.total = len(finished) + outstanding
                    progress.n = len(finished)
                progress.refresh()
            if outstanding == 0:
                break
            if status["queued_jobs"] and not status["processing_jobs"]:
                processor.resume()  # retries waiting out a backoff wake the pool themselves
            interrupted.wait(0.2)
        if progress is not None:
            progress.close()
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)
        processor.shutdown(wait=not interrupted.is_set(), timeout=10)
    elapsed = time.monotonic() - started
    summary = _summary(list(finished.values()), elapsed)
    if args.json:
        print_json(summary)
    else:
        print(
            f"{summary['completed']} completed, {summary['failed']} failed, "
            f"{summary['cancelled']} cancelled of {summary['total']} in {elapsed:.1f} s "
            f"({summary['docs_per_min']:.0f} documents/min)"
        )
        for category, number in sorted(summary["failed_by_category"].items()):
            print(f"  {category}: {number}")
    if interrupted.is_set():
        return 130
    return 1 if summary["failed"] else 0


def _progress_bar(quiet: bool, total: int) -> Any:
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", desc="processing", file=sys.stderr)


def _summary(progress: list[Any], elapsed: float) -> dict[str, Any]:
    failed = [item for item in progress if item.status is S.FAILED]
    return {
        "total": len(progress),
        "completed": sum(item.status is S.COMPLETED for item in progress),
        "failed": len(failed),
        "cancelled": sum(item.status is S.CANCELLED for item in progress),
        "failed_by_category": dict(
            Counter(
                item.error_category.value if item.error_category else "unknown" for item in failed
            )
        ),
        "elapsed_s": round(elapsed, 3),
        "docs_per_min": round(len(progress) / elapsed * 60.0, 1) if elapsed > 0 else 0.0,
    }


def run_jobs(args: argparse.Namespace) -> int:
    from docproc_gui.store import Database, JobStore

    settings = settings_from(args)
    try:
        statuses = [S(s.upper()) for s in args.status or []]
    except ValueError:
        names = ", ".join(s.value for s in S)
        return fail(f"unknown status; use one of {names}", 2)
    jobs: list[Any] = []
    matching = 0
    if settings.database_path.exists():
        database = Database(settings.database_path)
        store = JobStore(database, settings)
        try:
            jobs = store.list_jobs(statuses or None, limit=args.limit or -1)  # -1: no limit
            matching = len(jobs)
            if args.limit and len(jobs) == args.limit:
                matching = store.count(statuses or None)
        finally:
            store.close()
            database.dispose()
    if args.json:
        print_json([job.to_dict() for job in jobs])
        return 0
    for job in jobs:
        category = f" [{job.error_category.value}]" if job.error_category else ""
        print(
            f"{job.job_id}  {job.status.value:<13} {job.priority.name:<10} "
            f"attempts={job.attempts}{category}  {shown_path(job.file_path, job.metadata)}"
        )
    if matching > len(jobs):  # on stderr: scripts cut job ids from every stdout line
        print(f"… {matching - len(jobs)} more; use --limit N (0 = all)", file=sys.stderr)
    return 0
