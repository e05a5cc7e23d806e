"""Search latency over a knowledge base of N documents (default 10,000).

    python benchmarks/search_latency.py CORPUS_DIR [--docs 10000] [--queries 400] [--keep DB]

Extracts the corpus once (2-process pool), then builds N documents from windows of those
texts (lengths follow the corpus's own distribution, capped at 200 KB), integrates them
through :class:`KnowledgeBase` (FTS5, terms, links: the real write path) and runs a mix of
queries — frequent words, rare words, two-word phrases, prefixes, exclusions and filtered
queries — 20 hits with snippets each. Prints JSON with p50/p95/p99 overall and per kind.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MAX_DOC_CHARS = 200_000
CATEGORIES = ["manual", "report", "invoice", "letter", "book", "other"]
LANGUAGES = ["en", "de", "fr", "ja"]
TYPES = ["pdf", "docx", "html", "txt", "epub"]


def _extract(path: str) -> dict[str, Any] | None:
    from docproc_gui.domain import DocProcError
    from docproc_gui.pipeline import process_file

    try:
        doc = process_file(path, {"ocr": False})
    except DocProcError:
        return None
    return doc if doc["chars"] > 200 else None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--keep", type=Path, help="keep the database at this path")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from docproc_gui.pipeline.terms import signature_terms, text_fingerprint
    from docproc_gui.store.database import Database
    from docproc_gui.store.knowledge import KnowledgeBase

    rng = random.Random(args.seed)
    paths = sorted(str(p) for p in args.corpus.rglob("*") if p.is_file() and p.suffix != ".tsv")
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        sources = [doc for doc in pool.map(_extract, paths, chunksize=4) if doc]
    lengths = [min(doc["chars"], MAX_DOC_CHARS) for doc in sources]

    workdir = Path(tempfile.mkdtemp(prefix="docproc-search-"))
    database = Database(args.keep or workdir / "kb.sqlite3")
    knowledge = KnowledgeBase(database)
    started = time.perf_counter()
    vocabulary: Counter[str] = Counter()
    for number in range(args.docs):
        source = rng.choice(sources)
        text = source["text"]
        size = min(len(text), rng.choice(lengths))
        offset = rng.randrange(0, max(1, len(text) - size))
        body = f"document {number}\n" + text[offset : offset + size]
        if number % 50 == 0:
            vocabulary.update(re.findall(r"[a-z]{4,12}", body[:20_000].lower()))
        doc = {
            **{k: source[k] for k in ("title", "pages", "unit", "mime")},
            "text": body,
            "file_hash": hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest(),
            "text_hash": text_fingerprint(body),
            "terms": signature_terms(body),
            "file_type": rng.choice(TYPES),
            "category": rng.choice(CATEGORIES),
            "language": rng.choice(LANGUAGES),
            "words": len(body.split()),
            "chars": len(body),
            "size": len(body),
            "modified": f"20{rng.randrange(10, 25)}-0{rng.randrange(1, 10)}-15T00:00:00+00:00",
        }
        knowledge.integrate(doc, f"bench-{number}", f"/bench/{number}.{doc['file_type']}")
    build_s = time.perf_counter() - started

    common = [word for word, _ in vocabulary.most_common(60)]
    rare = [word for word, count in vocabulary.items() if count == 2][:500] or common
    queries: list[tuple[str, str, dict[str, Any]]] = []
    for _ in range(args.queries):
        kind = rng.choice(["common", "rare", "phrase", "prefix", "exclude", "filtered"])
        if kind == "common":
            queries.append((kind, rng.choice(common), {}))
        elif kind == "rare":
            queries.append((kind, rng.choice(rare), {}))
        elif kind == "phrase":
            source = rng.choice(sources)["text"]
            words = re.findall(r"[A-Za-z]{3,}", source[:5000]) or common
            start = rng.randrange(0, max(1, len(words) - 2))
            queries.append((kind, '"' + " ".join(words[start : start + 2]) + '"', {}))
        elif kind == "prefix":
            queries.append((kind, rng.choice(common)[:4] + "*", {}))
        elif kind == "exclude":
            queries.append((kind, f"{rng.choice(common)} -{rng.choice(common)}", {}))
        else:
            filters = {
                "category": rng.choice(CATEGORIES),
                "language": rng.choice(LANGUAGES),
                "date_from": "2015-01-01",
            }
            queries.append((kind, rng.choice(common + rare), filters))
    for _kind, query, filters in queries[:20]:  # warm the page cache
        knowledge.search(query, **filters)
    timings: dict[str, list[float]] = {}
    hits_total = 0
    for kind, query, filters in queries:
        began = time.perf_counter()
        hits = knowledge.search(query, limit=20, **filters)
        timings.setdefault(kind, []).append((time.perf_counter() - began) * 1000)
        hits_total += len(hits)
    everything = [value for values in timings.values() for value in values]
    report = {
        "documents": knowledge.count(),
        "indexed_text_mb": 0.0,
        "build_s": round(build_s, 1),
        "queries": len(everything),
        "mean_hits": round(hits_total / len(everything), 1),
        "p50_ms": round(statistics.median(everything), 2),
        "p95_ms": round(percentile(everything, 0.95), 2),
        "p99_ms": round(percentile(everything, 0.99), 2),
        "max_ms": round(max(everything), 2),
        "by_kind_p95_ms": {kind: round(percentile(v, 0.95), 2) for kind, v in timings.items()},
    }
    with database.read_engine.connect() as conn:
        chars = conn.exec_driver_sql("SELECT SUM(chars) FROM kb_documents").scalar() or 0
    report["indexed_text_mb"] = round(chars / 1e6, 1)
    knowledge.close()
    database.dispose()
    print(json.dumps(report, indent=2))
    return 0 if report["p95_ms"] < 50 else 1


if __name__ == "__main__":
    raise SystemExit(main())
