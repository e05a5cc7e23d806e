"""The ceiling: how fast classify + extract run on a corpus with a 2-process pool, no engine.

    python benchmarks/extract_ceiling.py CORPUS_DIR [--processes 2] [--ocr] [--raw]

``--raw`` measures the extraction libraries alone (detection + text/metadata); the default
also runs what the sandboxed EXTRACT step adds (language, category, quality signals,
signature terms, hashes). Prints one JSON object: documents/min, pages/s, failures by
category, crashes (anything that is not a categorised error), the slowest files.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def corpus_files(root: Path) -> list[str]:
    return sorted(
        str(path)
        for path in root.rglob("*")
        if path.is_file() and path.suffix != ".tsv" and ".git" not in path.parts
    )


def _work(arguments: tuple[str, bool, bool]) -> dict[str, Any]:
    from docproc_gui.domain import DocProcError
    from docproc_gui.pipeline import process_file
    from docproc_gui.pipeline.detect import detect_file
    from docproc_gui.pipeline.document import extract_options
    from docproc_gui.pipeline.extract import extract_file

    path, ocr, raw = arguments
    started = time.perf_counter()
    outcome: dict[str, Any] = {"path": path, "pages": 0}
    try:
        if raw:
            extraction = extract_file(path, detect_file(path), extract_options({"ocr": ocr}))
            outcome["pages"] = extraction.pages
        else:
            outcome["pages"] = process_file(path, {"ocr": ocr})["pages"]
        outcome["status"] = "ok"
    except DocProcError as error:
        outcome["status"] = str(error.category)
    except Exception as error:  # a crash: what the pipeline must never do
        outcome["status"] = "crash"
        outcome["error"] = f"{type(error).__name__}: {error}"
    outcome["seconds"] = time.perf_counter() - started
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--ocr", action="store_true", help="OCR images and scans (slow)")
    parser.add_argument("--raw", action="store_true", help="extraction libraries only")
    args = parser.parse_args()
    files = corpus_files(args.corpus)
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.processes) as pool:
        pool.map(_work, [(files[0], False, True)] * args.processes)  # warm up imports
        started = time.perf_counter()
        outcomes = pool.map(_work, [(path, args.ocr, args.raw) for path in files], chunksize=4)
        elapsed = time.perf_counter() - started
    statuses = Counter(outcome["status"] for outcome in outcomes)
    pages = sum(outcome["pages"] for outcome in outcomes if outcome["status"] == "ok")
    slowest = sorted(outcomes, key=lambda outcome: -outcome["seconds"])[:5]
    report = {
        "mode": "raw extraction" if args.raw else "classify + extract step",
        "processes": args.processes,
        "ocr": args.ocr,
        "documents": len(files),
        "elapsed_s": round(elapsed, 2),
        "docs_per_min": round(len(files) / elapsed * 60),
        "pages_per_s": round(pages / elapsed, 1),
        "ok": statuses.pop("ok", 0),
        "crashes": [o for o in outcomes if o["status"] == "crash"],
        "failed_by_category": dict(statuses),
        "slowest": [
            {"path": os.path.relpath(o["path"], args.corpus), "seconds": round(o["seconds"], 2)}
            for o in slowest
        ],
    }
    print(json.dumps(report, indent=2))
    return 1 if report["crashes"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
