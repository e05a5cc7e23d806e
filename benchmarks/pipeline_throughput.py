"""Throughput of the whole pipeline (classify, extract, integrate, quality) through the engine.

    python benchmarks/pipeline_throughput.py CORPUS_DIR [--processes 2] [--workers 4]
                                             [--ocr] [--noop]

Runs a fresh data folder with ``sandbox_processes`` = ``--processes`` (2) and
``max_workers`` = ``--workers`` (4) threads, submits every file of the corpus at once
with ``process_batch_sync`` and prints one JSON object with ``docs_per_min``,
``pages_per_s``, ``failed_by_category`` and ``peak_rss_mb`` (this process plus its
sandbox children, sampled every 50 ms), plus details.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DOCPROC_CONFIG", os.devnull)


class PeakMemory:
    """Samples the summed RSS of this process and all its children."""

    def __init__(self, interval: float = 0.05) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _run(self, interval: float) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for process in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += process.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def corpus_files(root: Path) -> list[str]:
    return sorted(
        str(path)
        for path in root.rglob("*")
        if path.is_file() and path.suffix != ".tsv" and ".git" not in path.parts
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--processes", type=int, default=2, help="sandbox processes")
    parser.add_argument(
        "--workers",
        type=int,
        default=4,
        help="worker threads; more than processes, so a child never idles while its "
        "worker integrates in-process",
    )
    parser.add_argument("--ocr", action="store_true", help="OCR images and scans (slow)")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument(
        "--noop", action="store_true", help="the no-op pipeline: the engine's own cost alone"
    )
    args = parser.parse_args()

    from PySide6.QtCore import QCoreApplication

    from docproc_gui.config import load_settings
    from docproc_gui.engine import create_background_processor
    from docproc_gui.pipeline import build_noop_pipeline

    files = corpus_files(args.corpus)
    _app = QCoreApplication.instance() or QCoreApplication([sys.argv[0]])
    with tempfile.TemporaryDirectory(prefix="docproc-bench-") as data_dir:
        settings = load_settings(config_path=Path(os.devnull), environ={}).replace(
            data_dir=Path(data_dir),
            max_workers=args.workers,
            sandbox_processes=args.processes,
            max_queue_size=max(100_000, len(files) * 2),
        )
        processor = create_background_processor(
            settings,
            options={"ocr": args.ocr},
            pipeline=build_noop_pipeline() if args.noop else None,
            start=True,
        )
        knowledge = getattr(processor, "knowledge", None)
        try:
            with PeakMemory() as memory:
                cpu_before = psutil.Process().cpu_times()
                started = time.perf_counter()
                batch = processor.process_batch_sync(files, "NORMAL", args.timeout)
                elapsed = time.perf_counter() - started
                cpu_after = psutil.Process().cpu_times()
            indexed = knowledge.count() if knowledge is not None else None
        finally:
            processor.shutdown(wait=True, timeout=30)
            if knowledge is not None:
                knowledge.close()
    failures: Counter[str] = Counter()
    pages = 0
    needs_review = 0
    for job in batch.jobs:
        if job.status.value == "COMPLETED":
            pages += int((job.result or {}).get("pages") or 0)
            needs_review += bool((job.result or {}).get("needs_review"))
        elif job.error_category is not None:
            failures[job.error_category.value] += 1
        else:
            failures[job.status.value.lower()] += 1
    report: dict[str, Any] = {
        "docs_per_min": round(len(files) / elapsed * 60),
        "pages_per_s": round(pages / elapsed, 1),
        "failed_by_category": dict(failures),
        "peak_rss_mb": round(memory.peak / 2**20),
        "documents": len(files),
        "completed": batch.successful,
        "failed": batch.failed,
        "cancelled": batch.cancelled,
        "elapsed_s": round(elapsed, 2),
        # CPU the engine process itself used (worker threads: classify, integrate, quality,
        # store); the rest of the 2 cores went to the sandbox children.
        "parent_cpu_s": round(
            (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system), 2
        ),
        "processes": args.processes,
        "workers": args.workers,
        "ocr": args.ocr,
        "pipeline": "noop" if args.noop else "documents",
        "indexed_documents": indexed,
        "needs_review": needs_review,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
