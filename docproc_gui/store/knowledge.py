"""The knowledge base: documents, full-text search, duplicates and cross-references.

Everything the pipeline learns about a document lands here, in the DocProc database
(tables of migration 0002): a row in ``kb_documents``, its text in the FTS5 index
``kb_fts`` (rowid = document id), its signature terms in ``kb_terms`` and its links to
related documents in ``kb_links``.

- **Duplicates**: a file whose SHA-256 equals an indexed file's is stored with
  ``duplicate_of`` = the first copy and is *not* indexed again. Deleting the first copy
  promotes the next one (its index entry moves along).
- **Near-duplicates**: the same normalised text in another container (a DOCX and its PDF)
  is indexed and flagged with ``near_duplicate_of``.
- **Cross-references**: documents sharing *rare* signature terms (few documents have
  them) are linked both ways with a score (sum of the shared terms' IDF).
- **Re-processing** a path replaces its entry in one transaction, keeping its id.

Threads: :meth:`integrate`, :meth:`record_quality` and :meth:`delete_document` may be called
from several worker threads. They go through the knowledge base's own
:class:`~docproc_gui.store.writer.GroupCommitWriter` on a private connection: concurrent
integrations share one short ``BEGIN IMMEDIATE`` transaction (one FTS5 segment flush for
both), and each call returns once its work is committed. The job store's writer has its
own connection; SQLite's busy timeout orders the two. Reads use the database's pooled
reader engine and never block on writes (WAL).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event

from docproc_gui.store.cjk import cjk_parts, cjk_tokens, has_cjk
from docproc_gui.store.database import Database, _configure_connection, select_in
from docproc_gui.store.writer import GroupCommitWriter, WriterConnection

# What the quality check says about a freshly integrated document: (score, reasons, review).
QualityVerdict = tuple[float, list[str], bool]
Assessor = Callable[[Mapping[str, Any]], QualityVerdict]

log = logging.getLogger(__name__)

HIGHLIGHT = ("\u27e6", "\u27e7")  # ⟦ and ⟧ around matched terms in snippets
SNIPPET_CHARS = 240
SNIPPET_HEAD_CHARS = 50_000
SNIPPET_SCAN_CHARS = 2_000_000
_FIND_CHUNK = 20_000
RELATED_LIMIT = 8
MAX_TERMS = 40
RARE_FRACTION = 0.05  # a term in more than 5 % of the documents is not "rare"
MAX_RARE_DF = 200  # ... nor one in more than 200 documents
# ... but in a small collection a term shared by up to 20 documents still is: 5 % of 36
# documents is 1, and nine reports of one template would otherwise relate to nothing.
MIN_RARE_DF = 20
RARE_TERMS = 16  # link on a document's 16 rarest signature terms
INDEX_BATCH = 32  # texts handed to FTS5 in one commit ...
INDEX_DELAY_S = 0.5  # ... or after this long, whichever comes first

_DOCUMENT_COLUMNS = (
    "id, path, job_id, file_hash, text_hash, size, file_type, claimed_type, mime, title, "
    "author, created, modified, doc_date, language, language_confidence, category, "
    "category_confidence, pages, unit, words, chars, partial, truncated, needs_ocr, "
    "quality_score, quality_reasons, needs_review, duplicate_of, near_duplicate_of, "
    "details, indexed_at"
)


@dataclass(slots=True)
class SearchHit:
    """One search result: the document, its relevance and a snippet with ⟦highlights⟧."""

    document_id: int
    rank: int  # 1-based position in the whole result list
    score: float  # BM25 relevance (higher is better)
    title: str | None
    path: str
    snippet: str
    file_type: str
    category: str
    language: str
    pages: int
    words: int
    quality_score: float | None
    doc_date: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class RelatedDocument:
    document_id: int
    score: float
    title: str | None
    path: str
    shared_terms: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies, and this runs on every integration.
        return {
            "document_id": self.document_id,
            "score": self.score,
            "title": self.title,
            "path": self.path,
            "shared_terms": list(self.shared_terms),
        }


# ---------------------------------------------------------------------------- query syntax

_TOKEN = re.compile(r'(-)?(?:(title):)?(?:"([^"]*)"?|(\S+))')
MIN_PREFIX_CHARS = 3
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def to_fts_query(text: str) -> str | None:
    """Turn what a person types into a safe FTS5 expression (None when nothing is left).

    Words must all match; ``"exact phrase"``; ``prefix*`` (3+ letters); ``a OR b``;
    ``-word`` excludes; ``title:word`` looks in titles only. Every term is quoted, so no
    input is a syntax error. Chinese and Japanese words match inside longer runs of
    text (store/cjk.py), in title or body alike.
    """
    positives: list[str] = []
    negatives: list[str] = []
    pending_or = False
    text = _CONTROL.sub(" ", text)  # SQLite strings end at NUL; controls mean nothing here
    for match in _TOKEN.finditer(text):
        negate, column, phrase, word = match.groups()
        if word == "OR" and not negate and not column:
            pending_or = bool(positives)
            continue
        prefix = False
        if phrase is not None:
            term = phrase.strip()
        else:
            term = word or ""
            if term.endswith("*"):
                term = term.rstrip("*")
                # A one- or two-letter prefix matches half the vocabulary: search the word.
                prefix = len(term) >= MIN_PREFIX_CHARS
            term = term.strip("\"'()[]{}.,;:!?")
        if not term or not re.search(r"\w", term):
            continue
        if has_cjk(term):
            expression = _cjk_expression(term)
        else:
            expression = '"' + term.replace('"', '""') + '"' + ("*" if prefix else "")
            if column:
                expression = f"{column} : {expression}"
        if negate:
            negatives.append(expression)
        elif pending_or and positives:
            positives[-1] = f"({positives[-1]} OR {expression})"
            pending_or = False
        else:
            positives.append(expression)
    if not positives:
        return None
    query = " AND ".join(positives)
    for expression in negatives:
        query = f"({query}) NOT {expression}"
    return query


def _cjk_expression(term: str) -> str:
    """A term with Chinese or Japanese in it: the phrase of its parts (each CJK character,
    and any Latin written right against them) in the ``cjk`` column, which holds every
    stretch of text with CJK in it the same way (store/cjk.py)."""
    phrase = " ".join(cjk_parts(term)).replace('"', '""')
    return f'cjk : "{phrase}"'


_QUOTED = re.compile(r'(?:(title|cjk) : )?"((?:[^"]|"")*)"(\*)?')


def _highlight_terms(expression: str) -> list[tuple[str, bool]]:
    """The (term, is_prefix) pairs of an FTS expression built by :func:`to_fts_query`.

    Excluded terms (after ``NOT``) and title-only terms are not highlighted in the body.
    """
    positive = expression.split(" NOT ", 1)[0] if " NOT " in expression else expression
    terms = []
    for column, term, star in _QUOTED.findall(positive):
        if column == "cjk":
            terms.append((term.replace(" ", "").replace('""', '"').lower(), False))
        elif not column:
            terms.append((term.replace('""', '"').lower(), bool(star)))
    return terms


def _first_match(text: str, terms: Sequence[tuple[str, bool]]) -> int:
    """Where a term first occurs, case-insensitively (phrases whole, else their first
    word); -1 if nowhere. Lower-cases chunk by chunk: most matches are near the start.
    """
    phrases = [term for term, _prefix in terms if " " in term]
    words = [term.split()[0] for term, _prefix in terms if term.split()]
    for candidates in (phrases, words):
        if candidates:
            position = _find_any(text, candidates)
            if position != -1:
                return position
    return -1


def _find_any(text: str, candidates: Sequence[str]) -> int:
    overlap = max(len(candidate) for candidate in candidates)
    for offset in range(0, len(text), _FIND_CHUNK):
        chunk = text[offset : offset + _FIND_CHUNK + overlap].lower()
        found = [position for word in candidates if (position := chunk.find(word)) != -1]
        if found:
            return offset + min(found)
    return -1


def make_snippet(text: str, terms: Sequence[tuple[str, bool]], width: int = SNIPPET_CHARS) -> str:
    """A window of ``text`` around the first occurrence of a term, terms in ⟦ ⟧."""
    first = _first_match(text, terms)
    start = max(0, first - width // 3) if first > 0 else 0
    if start:
        space = text.find(" ", start, start + 30)
        start = space + 1 if space != -1 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", end - 30, end)
        end = space if space > start else end
    window = " ".join(text[start:end].split())
    if terms:
        alternatives = []
        for term, prefix in terms:
            words = [re.escape(part) for part in term.split()]
            if not words:
                continue
            if has_cjk(term):  # no word boundaries inside a run of CJK characters
                alternatives.append(r"\s*".join(re.escape(char) for char in term))
                continue
            pattern = r"\W+".join(words)
            alternatives.append(r"(?<!\w)" + pattern + (r"\w*" if prefix else r"(?!\w)"))
        if alternatives:
            matcher = re.compile("|".join(alternatives), re.IGNORECASE)
            window = matcher.sub(lambda m: HIGHLIGHT[0] + m.group(0) + HIGHLIGHT[1], window)
    return ("…" if start > 0 else "") + window + ("…" if end < len(text) else "")


def _add_cjk_function(dbapi_connection: Any, _record: object) -> None:
    """``docproc_cjk(text)``: the index's ``cjk`` column of a text (see store/cjk.py)."""
    dbapi_connection.create_function("docproc_cjk", 1, cjk_tokens, deterministic=True)


def _epoch(value: object) -> float | None:
    """Seconds since the epoch from a datetime, date, ISO string or number."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _iso(seconds: float | None) -> str | None:
    return datetime.fromtimestamp(seconds, UTC).isoformat() if seconds is not None else None


# ---------------------------------------------------------------------------- the store


class KnowledgeBase:
    """Documents and their search index in the DocProc database. Thread-safe."""

    def __init__(self, database: Database, *, durable: bool = False) -> None:
        self.database = database
        self._read: Engine = database.read_engine
        self._write: Engine = create_engine(
            f"sqlite:///{database.path}",
            pool_size=1,
            max_overflow=0,
            connect_args={"check_same_thread": False},
        )
        event.listen(self._write, "connect", _configure_connection(durable))
        event.listen(self._write, "connect", _add_cjk_function)
        self._writer = GroupCommitWriter(self._write)
        self._queue_lock = threading.Lock()
        self._queued = 0  # documents waiting in kb_pending_text for the full-text index
        self._timer: threading.Timer | None = None
        self._closed = False
        self.flush_index()  # texts a crash left waiting

    def close(self) -> None:
        """Index what waits, commit, and release the private write connection (once)."""
        with self._queue_lock:
            if self._closed:
                return
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        self.flush_index()
        self._writer.close()
        self._write.dispose()

    # ------------------------------------------------------------------ the index queue

    def flush_index(self) -> int:
        """Move every waiting text into the full-text index now; return how many.

        Integration stores a document's text in ``kb_pending_text`` (a plain table: cheap,
        and durable with the document's row). The FTS5 index takes them in batches: FTS5
        writes a new segment, and merges, at every commit, which costs more than the
        tokenising itself when documents arrive one commit at a time. Searches flush first,
        so a search always sees every integrated document (and may wait for that flush:
        call :meth:`search` from a worker thread, not the GUI thread).
        """
        with self._queue_lock:
            self._queued = 0
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def operation(conn: WriterConnection, _batch: object) -> int:
            moved = conn.exec_driver_sql(
                "INSERT INTO kb_fts (rowid, title, body, cjk) "
                "SELECT doc_id, title, body, docproc_cjk(title || char(10) || body) "
                "FROM kb_pending_text ORDER BY doc_id"
            ).rowcount
            conn.exec_driver_sql("DELETE FROM kb_pending_text")
            return max(0, int(moved))

        return int(self._writer.call(operation))

    def _queued_for_index(self) -> None:
        with self._queue_lock:
            self._queued += 1
            if self._queued >= INDEX_BATCH:
                flush_now = True
            else:
                flush_now = False
                if self._timer is None:
                    self._timer = threading.Timer(INDEX_DELAY_S, self._flush_from_timer)
                    self._timer.daemon = True
                    self._timer.start()
        if flush_now:
            self.flush_index()

    def _flush_from_timer(self) -> None:
        try:
            self.flush_index()
        except Exception:  # the next search or close flushes again
            log.exception("moving texts into the full-text index failed")

    def _flush_if_queued(self) -> None:
        if self._queued:
            self.flush_index()

    # ------------------------------------------------------------------ writes

    def integrate(
        self,
        doc: Mapping[str, Any],
        job_id: str | None,
        file_path: str,
        *,
        assess: Assessor | None = None,
    ) -> dict[str, Any]:
        """Store (or replace) the document extracted from ``file_path``; index unless a duplicate.

        ``doc`` is what the EXTRACT stage returned (``text``, ``title``, ``file_hash``,
        ``text_hash``, ``terms``, ...). ``assess``, if given, is called with the result
        (duplicates known) inside the same transaction, and its verdict is stored with the
        document, so no document is ever visible without its quality. Returns
        ``{document_id, duplicate_of, near_duplicate_of, related: [{document_id, score,
        title, path, shared_terms}], replaced, quality: {score, reasons, needs_review} |
        None}``. Called on a worker thread; blocks until committed.
        """
        path = os.path.abspath(file_path)

        def operation(conn: WriterConnection, _batch: object) -> dict[str, Any]:
            stored = self._integrate(conn, doc, job_id, path)
            stored["quality"] = None
            if assess is not None:
                score, reasons, review = assess(stored)
                self._set_quality(conn, stored["document_id"], score, reasons, review)
                stored["quality"] = {"score": score, "reasons": reasons, "needs_review": review}
            return stored

        stored: dict[str, Any] = self._writer.call(operation)
        if stored["duplicate_of"] is None:
            self._queued_for_index()
        return stored

    def record_quality(
        self, document_id: int, score: float, reasons: Sequence[str], needs_review: bool
    ) -> None:
        """Save a (new) quality verdict on a document. Called on a worker thread."""
        self._writer.call(
            lambda conn, _batch: self._set_quality(conn, document_id, score, reasons, needs_review)
        )

    @staticmethod
    def _set_quality(
        conn: WriterConnection,
        document_id: int,
        score: float,
        reasons: Sequence[str],
        needs_review: bool,
    ) -> None:
        conn.exec_driver_sql(
            "UPDATE kb_documents SET quality_score = ?, quality_reasons = ?, "
            "needs_review = ? WHERE id = ?",
            (score, json.dumps(list(reasons)), int(needs_review), document_id),
        )

    def delete_document(self, document_id: int) -> bool:
        """Remove a document from the knowledge base and the index; False if it was not there.

        If other files were duplicates of it, the first of them takes its place.
        """
        return bool(self._writer.call(lambda conn, _batch: self._remove(conn, document_id, True)))

    def delete_path(self, file_path: str) -> bool:
        """Remove the document stored for ``file_path`` (if any)."""
        path = os.path.abspath(file_path)

        def run(conn: WriterConnection, _batch: object) -> bool:
            row = conn.exec_driver_sql(
                "SELECT id FROM kb_documents WHERE path = ?", (path,)
            ).first()
            return row is not None and self._remove(conn, int(row[0]), True)

        return bool(self._writer.call(run))

    def _integrate(
        self, conn: WriterConnection, doc: Mapping[str, Any], job_id: str | None, path: str
    ) -> dict[str, Any]:
        file_hash = str(doc["file_hash"])
        text_hash = doc.get("text_hash")
        old = conn.exec_driver_sql(
            "SELECT id, file_hash, duplicate_of FROM kb_documents WHERE path = ?", (path,)
        ).first()
        if old is not None:
            # Same bytes: refresh in place (copies stay linked). Other bytes: hand the old
            # content's role (and index entry) to its first copy before reusing the id.
            self._remove(conn, int(old[0]), promote=old[1] != file_hash, delete_row=False)
        original = conn.exec_driver_sql(
            "SELECT id FROM kb_documents WHERE file_hash = ? AND duplicate_of IS NULL "
            "AND path != ? ORDER BY id LIMIT 1",
            (file_hash, path),
        ).first()
        duplicate_of = int(original[0]) if original else None
        near_duplicate_of = None
        if duplicate_of is None and text_hash:
            near = conn.exec_driver_sql(
                "SELECT id FROM kb_documents WHERE text_hash = ? AND duplicate_of IS NULL "
                "AND file_hash != ? AND path != ? ORDER BY id LIMIT 1",
                (text_hash, file_hash, path),
            ).first()
            near_duplicate_of = int(near[0]) if near else None
        values = self._row_values(doc, job_id, path, duplicate_of, near_duplicate_of)
        if old is not None:
            document_id = int(old[0])
            assignments = ", ".join(f"{name} = :{name}" for name in values)
            conn.exec_driver_sql(
                f"UPDATE kb_documents SET {assignments} WHERE id = :id",
                {**values, "id": document_id},
            )
        else:
            names = ", ".join(values)
            placeholders = ", ".join(f":{name}" for name in values)
            document_id = int(
                conn.exec_driver_sql(
                    f"INSERT INTO kb_documents ({names}) VALUES ({placeholders}) RETURNING id",
                    values,
                ).scalar_one()
            )
        related: list[RelatedDocument] = []
        if duplicate_of is None:
            conn.exec_driver_sql(
                "INSERT OR REPLACE INTO kb_pending_text (doc_id, title, body) VALUES (?, ?, ?)",
                (document_id, doc.get("title") or "", doc.get("text") or ""),
            )
            related = self._link(conn, document_id, doc.get("terms") or [])
        return {
            "document_id": document_id,
            "duplicate_of": duplicate_of,
            "near_duplicate_of": near_duplicate_of,
            "related": [item.to_dict() for item in related],
            "replaced": old is not None,
        }

    @staticmethod
    def _row_values(
        doc: Mapping[str, Any],
        job_id: str | None,
        path: str,
        duplicate_of: int | None,
        near_duplicate_of: int | None,
    ) -> dict[str, Any]:
        doc_date = _epoch(doc.get("modified")) or _epoch(doc.get("created"))
        if doc_date is None or doc_date <= 0:
            doc_date = _epoch(doc.get("file_mtime"))
        details = {
            "language_hint": doc.get("language_hint"),
            "category_evidence": doc.get("category_evidence") or [],
            "notes": doc.get("notes") or [],
            "signals": doc.get("signals") or {},
            "extra": doc.get("extra") or {},
            "ocr_pages": doc.get("ocr_pages") or 0,
        }
        return {
            "path": path,
            "job_id": job_id,
            "file_hash": doc["file_hash"],
            "text_hash": doc.get("text_hash"),
            "size": int(doc.get("size") or 0),
            "file_type": str(doc.get("file_type") or ""),
            "claimed_type": str(doc.get("claimed_type") or ""),
            "mime": str(doc.get("mime") or ""),
            "title": doc.get("title"),
            "author": doc.get("author"),
            "created": doc.get("created"),
            "modified": doc.get("modified"),
            "doc_date": doc_date,
            "language": str(doc.get("language") or "und"),
            "language_confidence": float(doc.get("language_confidence") or 0.0),
            "category": str(doc.get("category") or "other"),
            "category_confidence": float(doc.get("category_confidence") or 0.0),
            "pages": int(doc.get("pages") or 0),
            "unit": str(doc.get("unit") or "page"),
            "words": int(doc.get("words") or 0),
            "chars": int(doc.get("chars") or 0),
            "partial": int(bool(doc.get("partial"))),
            "truncated": int(bool(doc.get("truncated"))),
            "needs_ocr": int(bool(doc.get("needs_ocr"))),
            "quality_score": None,
            "quality_reasons": None,
            "needs_review": 0,
            "duplicate_of": duplicate_of,
            "near_duplicate_of": near_duplicate_of,
            "details": json.dumps(details),
            "indexed_at": time.time(),
        }

    def _link(
        self, conn: WriterConnection, document_id: int, terms: Sequence[Sequence[Any]]
    ) -> list[RelatedDocument]:
        """Store the signature terms and link the document to those sharing rare ones."""
        pairs = [(str(term)[:64], int(count)) for term, count in terms[:MAX_TERMS]]
        if not pairs:
            return []
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO kb_terms (term, doc_id, tf) VALUES (?, ?, ?)",
            [(term, document_id, count) for term, count in pairs],
        )
        total = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM kb_documents WHERE duplicate_of IS NULL"
        ).scalar_one()
        max_df = min(MAX_RARE_DF, max(MIN_RARE_DF, int(total * RARE_FRACTION)))
        marks = ",".join("?" * len(pairs))
        candidates = conn.exec_driver_sql(
            f"SELECT term, df FROM kb_term_stats WHERE term IN ({marks}) "
            "AND df BETWEEN 2 AND ? ORDER BY df LIMIT ?",
            (*[term for term, _ in pairs], max_df, RARE_TERMS),
        ).all()
        # The rarest shared terms say most and bound the work: at most RARE_TERMS x max_df rows.
        rare: dict[str, int] = {str(term): int(df) for term, df in candidates}
        if not rare:
            return []
        marks = ",".join("?" * len(rare))
        scores: dict[int, float] = {}
        shared: dict[int, list[str]] = {}
        for term, other in conn.exec_driver_sql(
            f"SELECT term, doc_id FROM kb_terms WHERE term IN ({marks}) AND doc_id != ?",
            (*rare, document_id),
        ):
            scores[other] = scores.get(other, 0.0) + math.log(1 + total / rare[term])
            shared.setdefault(other, []).append(term)
        best = sorted(
            (other for other in scores if len(shared[other]) >= 2),
            key=lambda other: -scores[other],
        )[:RELATED_LIMIT]
        if not best:
            return []
        rows = []
        for other in best:
            score, terms_json = round(scores[other], 3), json.dumps(shared[other][:10])
            rows.append((document_id, other, score, terms_json))
            rows.append((other, document_id, score, terms_json))
        conn.exec_driver_sql(
            "INSERT OR REPLACE INTO kb_links (doc_id, other_id, score, shared) VALUES (?, ?, ?, ?)",
            rows,
        )
        marks = ",".join("?" * len(best))
        info = {
            row[0]: (row[1], row[2])
            for row in conn.exec_driver_sql(
                f"SELECT id, title, path FROM kb_documents WHERE id IN ({marks})", tuple(best)
            )
        }
        return [
            RelatedDocument(other, round(scores[other], 3), *info[other], shared[other][:10])
            for other in best
            if other in info
        ]

    @staticmethod
    def _remove(
        conn: WriterConnection, document_id: int, promote: bool, delete_row: bool = True
    ) -> bool:
        """Take a document out of the index (and, with ``delete_row``, out of the table)."""
        exists = conn.exec_driver_sql(
            "SELECT 1 FROM kb_documents WHERE id = ?", (document_id,)
        ).first()
        if exists is None:
            return False
        heir = None
        if promote:
            row = conn.exec_driver_sql(
                "SELECT id FROM kb_documents WHERE duplicate_of = ? ORDER BY id LIMIT 1",
                (document_id,),
            ).first()
            heir = int(row[0]) if row else None
        if heir is not None:
            # The first copy becomes the original: it inherits index entry, terms and links.
            conn.exec_driver_sql(
                "UPDATE kb_documents SET duplicate_of = NULL WHERE id = ?", (heir,)
            )
            conn.exec_driver_sql(
                "UPDATE kb_documents SET duplicate_of = ? WHERE duplicate_of = ?",
                (heir, document_id),
            )
            conn.exec_driver_sql(
                "UPDATE kb_documents SET near_duplicate_of = ? WHERE near_duplicate_of = ?",
                (heir, document_id),
            )
            conn.exec_driver_sql(
                "INSERT INTO kb_fts (rowid, title, body, cjk) "
                "SELECT ?, title, body, cjk FROM kb_fts WHERE rowid = ?",
                (heir, document_id),
            )
            conn.exec_driver_sql(
                "UPDATE kb_pending_text SET doc_id = ? WHERE doc_id = ?", (heir, document_id)
            )
            conn.exec_driver_sql(
                "UPDATE kb_terms SET doc_id = ? WHERE doc_id = ?", (heir, document_id)
            )
            conn.exec_driver_sql(
                "UPDATE OR IGNORE kb_links SET doc_id = ? WHERE doc_id = ?", (heir, document_id)
            )
            conn.exec_driver_sql(
                "UPDATE OR IGNORE kb_links SET other_id = ? WHERE other_id = ?",
                (heir, document_id),
            )
        conn.exec_driver_sql("DELETE FROM kb_fts WHERE rowid = ?", (document_id,))
        conn.exec_driver_sql("DELETE FROM kb_pending_text WHERE doc_id = ?", (document_id,))
        conn.exec_driver_sql("DELETE FROM kb_terms WHERE doc_id = ?", (document_id,))
        conn.exec_driver_sql(
            "DELETE FROM kb_links WHERE doc_id = ? OR other_id = ?", (document_id, document_id)
        )
        if delete_row:
            conn.exec_driver_sql("DELETE FROM kb_documents WHERE id = ?", (document_id,))
        return True

    # ------------------------------------------------------------------ reads

    def search(
        self,
        query: str,
        *,
        file_type: str | None = None,
        category: str | None = None,
        language: str | None = None,
        date_from: object = None,
        date_to: object = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[SearchHit]:
        """Ranked full-text search with snippets; see :func:`to_fts_query` for the syntax.

        Filters match the detected file type, category, language and the document's date
        (its modified/created metadata, else the file's mtime) in ``[date_from, date_to]``
        (datetime, date, ISO string or epoch seconds). An empty query lists the filtered
        documents, newest first. Duplicates are never hits (their original is).
        """
        limit = max(1, min(int(limit), 500))
        offset = max(0, int(offset))
        conditions: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("file_type", file_type),
            ("category", category),
            ("language", language),
        ):
            if value:
                conditions.append(f"d.{column} = ?")
                params.append(value)
        if (start := _epoch(date_from)) is not None:
            conditions.append("d.doc_date >= ?")
            params.append(start)
        if (end := _epoch(date_to)) is not None:
            conditions.append("d.doc_date <= ?")
            params.append(end)
        expression = to_fts_query(query or "")
        self._flush_if_queued()
        with self._read.connect() as conn:
            if expression is None:
                if query and query.strip():
                    return []
                where = " AND ".join(["d.duplicate_of IS NULL", *conditions])
                ranked = conn.exec_driver_sql(
                    f"SELECT d.id, 0.0 FROM kb_documents d WHERE {where} "
                    "ORDER BY d.doc_date DESC, d.id DESC LIMIT ? OFFSET ?",
                    (*params, limit, offset),
                ).all()
                snippets = self._openings(conn, [int(row[0]) for row in ranked])
            else:
                join = " JOIN kb_documents d ON d.id = kb_fts.rowid" if conditions else ""
                where = " AND ".join(["kb_fts MATCH ?", *conditions])
                ranked = conn.exec_driver_sql(
                    f"SELECT kb_fts.rowid, bm25(kb_fts, 10.0, 1.0, 1.0) AS score FROM kb_fts{join} "
                    f"WHERE {where} ORDER BY score LIMIT ? OFFSET ?",
                    (expression, *params, limit, offset),
                ).all()
                snippets = self._snippets(conn, expression, [int(row[0]) for row in ranked])
            documents = self._documents(conn, [int(row[0]) for row in ranked])
        hits = []
        for position, (document_id, score) in enumerate(ranked, start=offset + 1):
            row = documents.get(int(document_id))
            if row is None:
                continue
            hits.append(
                SearchHit(
                    document_id=int(document_id),
                    rank=position,
                    score=round(-float(score), 4) + 0.0,  # + 0.0: no "-0.0" when browsing
                    title=row["title"],
                    path=row["path"],
                    snippet=snippets.get(int(document_id), ""),
                    file_type=row["file_type"],
                    category=row["category"],
                    language=row["language"],
                    pages=row["pages"],
                    words=row["words"],
                    quality_score=row["quality_score"],
                    doc_date=_iso(row["doc_date"]),
                )
            )
        return hits

    @staticmethod
    def _openings(conn: Connection, ids: list[int]) -> dict[int, str]:
        """Browsing without a query: each document's first words stand in for a snippet."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = conn.exec_driver_sql(
            f"SELECT rowid, substr(body, 1, {SNIPPET_CHARS * 2}) FROM kb_fts "
            f"WHERE rowid IN ({marks})",
            tuple(ids),
        ).all()
        openings = {}
        for document_id, head in rows:
            text = " ".join(str(head or "").split())
            if len(text) > SNIPPET_CHARS:
                text = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"
            openings[int(document_id)] = text
        return openings

    @staticmethod
    def _snippets(conn: Connection, expression: str, ids: list[int]) -> dict[int, str]:
        """Snippets for the page of hits only, built around the first match.

        FTS5's own ``snippet()`` tokenises the whole document to place its window, which
        costs tens of milliseconds per hit on book-sized texts; finding the first
        occurrence with ``str.find`` and highlighting inside a small window is bounded.
        """
        if not ids:
            return {}
        terms = _highlight_terms(expression)
        marks = ",".join("?" * len(ids))
        heads: dict[int, str] = dict(
            conn.exec_driver_sql(
                f"SELECT rowid, substr(body, 1, {SNIPPET_HEAD_CHARS}) FROM kb_fts "
                f"WHERE rowid IN ({marks})",
                tuple(ids),
            ).all()
        )
        snippets: dict[int, str] = {}
        for document_id, head in heads.items():
            text = str(head or "")
            if terms and len(text) >= SNIPPET_HEAD_CHARS and _first_match(text, terms) < 0:
                # The match lies further in: read on (bounded) for this document alone.
                text = str(
                    conn.exec_driver_sql(
                        f"SELECT substr(body, 1, {SNIPPET_SCAN_CHARS}) FROM kb_fts WHERE rowid = ?",
                        (document_id,),
                    ).scalar()
                    or ""
                )
            snippets[int(document_id)] = make_snippet(text, terms)
        return snippets

    @staticmethod
    def _documents(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        result = conn.exec_driver_sql(
            f"SELECT {_DOCUMENT_COLUMNS} FROM kb_documents WHERE id IN ({marks})", tuple(ids)
        )
        return {int(row.id): _document_dict(dict(row._mapping)) for row in result}

    def get_document(self, document_id: int) -> dict[str, Any] | None:
        """Everything stored about one document, plus its ``copies`` (duplicates' paths)."""
        with self._read.connect() as conn:
            document = self._documents(conn, [document_id]).get(document_id)
            if document is None:
                return None
            document["copies"] = [
                {"document_id": int(row[0]), "path": row[1]}
                for row in conn.exec_driver_sql(
                    "SELECT id, path FROM kb_documents WHERE duplicate_of = ? ORDER BY id",
                    (document_id,),
                )
            ]
        return document

    def jobs_by_file_hash(self, hashes: Collection[str]) -> dict[str, list[str]]:
        """The ids of the jobs that indexed a file with each of these SHA-256 hashes (the
        earliest first); hashes no document has are left out."""
        found: dict[str, list[str]] = {}
        sql = "SELECT file_hash, job_id FROM kb_documents WHERE file_hash IN ({marks}) ORDER BY id"
        with self._read.connect() as conn:
            for file_hash, job_id in select_in(conn, sql, list(hashes)):
                if job_id:
                    found.setdefault(str(file_hash), []).append(str(job_id))
        return found

    def find_by_path(self, file_path: str) -> dict[str, Any] | None:
        with self._read.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT id FROM kb_documents WHERE path = ?", (os.path.abspath(file_path),)
            ).first()
        return self.get_document(int(row[0])) if row else None

    def get_text(self, document_id: int) -> str | None:
        """The indexed text of a document (of its original, for a duplicate)."""
        self._flush_if_queued()
        with self._read.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT COALESCE(duplicate_of, id) FROM kb_documents WHERE id = ?", (document_id,)
            ).first()
            if row is None:
                return None
            text = conn.exec_driver_sql(
                "SELECT body FROM kb_fts WHERE rowid = ?", (int(row[0]),)
            ).scalar()
        return str(text) if text is not None else ""

    def related(self, document_id: int, limit: int = RELATED_LIMIT) -> list[RelatedDocument]:
        """The documents most related to this one (best first)."""
        with self._read.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT COALESCE(duplicate_of, id) FROM kb_documents WHERE id = ?", (document_id,)
            ).first()
            if row is None:
                return []
            rows = conn.exec_driver_sql(
                "SELECT l.other_id, l.score, d.title, d.path, l.shared FROM kb_links l "
                "JOIN kb_documents d ON d.id = l.other_id WHERE l.doc_id = ? "
                "ORDER BY l.score DESC, l.other_id LIMIT ?",
                (int(row[0]), limit),
            ).all()
        return [
            RelatedDocument(int(r[0]), float(r[1]), r[2], r[3], json.loads(r[4] or "[]"))
            for r in rows
        ]

    def count(self, *, include_duplicates: bool = True) -> int:
        """How many documents are stored (optionally without the duplicates)."""
        where = "" if include_duplicates else " WHERE duplicate_of IS NULL"
        with self._read.connect() as conn:
            sql = f"SELECT COUNT(*) FROM kb_documents{where}"
            return int(conn.exec_driver_sql(sql).scalar_one())

    def facets(self) -> dict[str, dict[str, int]]:
        """Counts per file type, category and language (for filter menus)."""
        result: dict[str, dict[str, int]] = {}
        with self._read.connect() as conn:
            for column in ("file_type", "category", "language"):
                rows = conn.exec_driver_sql(
                    f"SELECT {column}, COUNT(*) FROM kb_documents WHERE duplicate_of IS NULL "
                    f"GROUP BY {column} ORDER BY COUNT(*) DESC"
                )
                result[column] = {str(row[0]): int(row[1]) for row in rows}
        return result


def _document_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    document = dict(row)
    for name in ("partial", "truncated", "needs_ocr", "needs_review"):
        document[name] = bool(document[name])
    document["quality_reasons"] = json.loads(document["quality_reasons"] or "null")
    document["details"] = json.loads(document["details"] or "{}")
    document["doc_date_iso"] = _iso(document["doc_date"])
    return document
