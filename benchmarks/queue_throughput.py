"""Queue throughput through the real store and processor on a durable SQLite file.

    python benchmarks/queue_throughput.py [--jobs 20000] [--workers 2] [--no-fsync]

Measures, with the no-op pipeline (four in-process steps that do nothing, so what is
measured is the queue: claims, step transitions, completions, events, history):

- enqueue_per_s        submit_job one at a time, each its own committed transaction
- enqueue_concurrent_per_s  submit_job from 8 threads at once, each call returning
                       when its job is committed (they share group commits)
- enqueue_batch_per_s  submit_batch of all jobs in one transaction
- end_to_end_per_s     from the first submit to the last completion (history kept),
                       submitting in batches of 1,000 while the workers already run
- sqlite_txn_per_s     the ceiling for one-commit-per-job: bare sqlite3 transactions
                       (BEGIN IMMEDIATE, one INSERT, COMMIT) on this disk
- drain_per_s_2000     draining 2,000 queued jobs
- drain_per_s_20000    draining 20,000 queued jobs (should be >= 80 % of the above)
- statistics_ms_100k   median time of one statistics snapshot with 100,000 jobs of
                       history (what the window and the API poll every second)

Prints one JSON line. Each figure uses a fresh data folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication

from docproc_gui.config import Settings
from docproc_gui.engine import BackgroundProcessor, create_background_processor
from docproc_gui.pipeline import build_noop_pipeline


def _processor(root: Path, name: str, args: argparse.Namespace) -> BackgroundProcessor:
    settings = Settings(
        data_dir=root / name,
        max_workers=args.workers,
        max_queue_size=10 * args.jobs,
        durable_commits=not args.no_fsync,
    )
    return create_background_processor(settings, pipeline=build_noop_pipeline())


def _completion_waiter(processor: BackgroundProcessor, total: int) -> threading.Event:
    done = threading.Event()
    counter = [0]

    def listener(events: list[Any]) -> None:
        counter[0] += sum(1 for event in events if event.kind == "completed")
        if counter[0] >= total:
            done.set()

    processor.subscribe(listener)
    return done


def enqueue_single(root: Path, document: Path, args: argparse.Namespace) -> float:
    processor = _processor(root, "single", args)
    processor.pause()
    count = args.single
    started = time.perf_counter()
    for _ in range(count):
        processor.submit_job(document)
    elapsed = time.perf_counter() - started
    processor.shutdown(wait=False)
    return count / elapsed


def enqueue_concurrent(root: Path, document: Path, args: argparse.Namespace) -> float:
    processor = _processor(root, "concurrent", args)
    processor.pause()
    per_thread = args.single // 8

    def submit_many() -> None:
        for _ in range(per_thread):
            processor.submit_job(document)

    threads = [threading.Thread(target=submit_many) for _ in range(8)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    processor.shutdown(wait=False)
    return 8 * per_thread / elapsed


def sqlite_ceiling(root: Path, args: argparse.Namespace) -> float:
    import sqlite3

    connection = sqlite3.connect(root / "ceiling.sqlite3", isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute(f"PRAGMA synchronous = {'NORMAL' if args.no_fsync else 'FULL'}")
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, path TEXT)")
    started = time.perf_counter()
    for index in range(args.single):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO t (path) VALUES (?)", (f"/doc/{index}",))
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return args.single / elapsed


def enqueue_batch(root: Path, document: Path, args: argparse.Namespace) -> float:
    processor = _processor(root, "batch", args)
    processor.pause()
    paths = [document] * args.jobs
    started = time.perf_counter()
    processor.submit_batch(paths)
    elapsed = time.perf_counter() - started
    processor.shutdown(wait=False)
    return args.jobs / elapsed


def end_to_end(root: Path, document: Path, args: argparse.Namespace) -> float:
    processor = _processor(root, "e2e", args)
    done = _completion_waiter(processor, args.jobs)
    started = time.perf_counter()
    chunk = [document] * 1000
    for _ in range(args.jobs // len(chunk)):
        processor.submit_batch(chunk)
    if not done.wait(600):
        raise SystemExit("end-to-end run did not finish")
    elapsed = time.perf_counter() - started
    assert processor.queue_status()["counts"]["COMPLETED"] == args.jobs
    processor.shutdown()
    return args.jobs / elapsed


def drain(root: Path, document: Path, args: argparse.Namespace, count: int) -> float:
    processor = _processor(root, f"drain-{count}", args)
    processor.pause()
    processor.submit_batch([document] * count)
    done = _completion_waiter(processor, count)
    started = time.perf_counter()
    processor.resume()
    if not done.wait(600):
        raise SystemExit("drain did not finish")
    elapsed = time.perf_counter() - started
    processor.shutdown()
    return count / elapsed


def statistics_cost(root: Path, args: argparse.Namespace) -> float:
    """Median milliseconds of one statistics snapshot over 100,000 finished jobs."""
    import statistics as stats_module

    from docproc_gui.store import Database, JobStore, Submission
    from docproc_gui.store.statistics import collect_statistics

    database = Database(root / "stats" / "docproc.sqlite3")
    store = JobStore(database, Settings(data_dir=root / "stats", max_queue_size=200_000))
    store.submit_many([Submission(f"/history/{i}.pdf", file_size=1000) for i in range(100_000)])
    now = time.time()
    with database.read_engine.begin() as connection:  # spread over the last week
        connection.exec_driver_sql(
            "UPDATE jobs SET status = CASE WHEN seq % 20 = 0 THEN 'FAILED' ELSE 'COMPLETED' END, "
            "started_at = ? - (seq % 604800), completed_at = ? - (seq % 604800) + 0.5",
            (now, now),
        )
    store.close()
    timings = []
    for _ in range(30):
        started = time.perf_counter()
        collect_statistics(database, now=now)
        timings.append((time.perf_counter() - started) * 1000)
    database.dispose()
    return stats_module.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--single", type=int, default=5_000, help="jobs for the one-by-one enqueue")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--no-fsync", action="store_true", help="synchronous=NORMAL instead of FULL"
    )
    args = parser.parse_args()
    _app = QCoreApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="docproc-bench-") as temporary:
        root = Path(temporary)
        document = root / "document.txt"
        document.write_text("benchmark")
        figures = {
            "sqlite_txn_per_s": sqlite_ceiling(root, args),
            "enqueue_per_s": enqueue_single(root, document, args),
            "enqueue_concurrent_per_s": enqueue_concurrent(root, document, args),
            "enqueue_batch_per_s": enqueue_batch(root, document, args),
            "end_to_end_per_s": end_to_end(root, document, args),
            "drain_per_s_2000": drain(root, document, args, 2_000),
            "drain_per_s_20000": drain(root, document, args, 20_000),
            "statistics_ms_100k": statistics_cost(root, args),
        }
    result: dict[str, Any] = {key: round(value, 1) for key, value in figures.items()}
    result["drain_ratio_20000_vs_2000"] = round(
        figures["drain_per_s_20000"] / figures["drain_per_s_2000"], 3
    )
    result.update(
        jobs=args.jobs,
        workers=args.workers,
        fsync_every_commit=not args.no_fsync,
        python=platform.python_version(),
        cpus=os.cpu_count(),
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
