"""Submitting documents: a named file, a list of files, or uploads (multipart).

``POST /api/background/submit`` and ``/submit-batch`` answer 202 with the job id(s) and
a ``Location``. An ``Idempotency-Key`` header, or ``dedupe=true`` (the same content as a
file processed before, or as an earlier dedupe submission), returns the existing job
(200, ``existing: true``) instead of queueing a second one; both use the engine's
idempotency key (``key:...`` and ``sha256:...``), and dedupe also looks in the knowledge
base for a document with the same SHA-256. Path checks, hashing and the commit run on
the API's thread pool.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from docproc_gui.api.context import ApiContext, context, json_response
from docproc_gui.api.discovery import PREFIX
from docproc_gui.api.errors import ANOTHER_BATCH, ApiError, key_reused
from docproc_gui.api.schemas import (
    ABSENT,
    MAX_BATCH_FILES,
    idempotency_key,
    parse_bool,
    parse_metadata,
    parse_path,
    parse_path_list,
    parse_priority,
    read_json_object,
    unknown_fields,
)
from docproc_gui.api.uploads import MAX_FORM_FIELD_BYTES, StoredUpload
from docproc_gui.domain import (
    DocumentNotFoundError,
    InvalidTransitionError,
    JobNotFoundError,
    ProcessingJob,
    ProcessingPriority,
    ProcessingStatus,
    UnsupportedFormatError,
)
from docproc_gui.store import Submission
from docproc_gui.store.job_store import new_batch_id

routes = web.RouteTableDef()
SUBMIT_FIELDS = {"file_path", "priority", "metadata", "dedupe"}
BATCH_FIELDS = {"file_paths", "priority", "metadata", "dedupe"}
FORM_FIELDS = {"priority", "metadata", "dedupe"}
HASH_CHUNK = 1024 * 1024
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Accepted:
    job_id: str
    existing: bool
    file_path: str
    status: str = "QUEUED"
    batch_id: str | None = None

    @classmethod
    def of(cls, job: ProcessingJob, existing: bool) -> Accepted:
        return cls(job.job_id, existing, job.file_path, job.status.value, job.batch_id)


def job_location(job_id: str) -> str:
    return f"{PREFIX}/job/{job_id}"


@routes.post(f"{PREFIX}/submit")
async def submit(request: web.Request) -> web.Response:
    ctx = context(request)
    key = idempotency_key(request)
    if request.content_type.startswith("multipart/"):
        uploads, fields = await read_form(request, ctx, max_files=1)
        options = _form_options(fields, uploads)
        accepted = await ctx.call(_submit_uploads, ctx, uploads, *options, key, None)
        return _single_response(accepted[0])
    body = await read_json_object(request)
    unknown_fields(body, SUBMIT_FIELDS)
    path = parse_path(body.get("file_path"), "file_path")
    priority = parse_priority(body.get("priority", ABSENT))
    metadata = parse_metadata(body.get("metadata", ABSENT))
    dedupe = parse_bool(body.get("dedupe", ABSENT), "dedupe")
    single = Single(path, priority, metadata, key, dedupe)
    return _single_response(await ctx.batcher.submit(single))


@routes.post(f"{PREFIX}/submit-batch")
async def submit_batch(request: web.Request) -> web.Response:
    ctx = context(request)
    key = idempotency_key(request)
    batch_id = new_batch_id()
    if request.content_type.startswith("multipart/"):
        uploads, fields = await read_form(request, ctx, max_files=MAX_BATCH_FILES)
        options = _form_options(fields, uploads)
        accepted = await ctx.call(_submit_uploads, ctx, uploads, *options, key, batch_id)
    else:
        body = await read_json_object(request)
        unknown_fields(body, BATCH_FIELDS)
        paths = parse_path_list(body.get("file_paths"))
        priority = parse_priority(body.get("priority", ABSENT))
        metadata = parse_metadata(body.get("metadata", ABSENT))
        dedupe = parse_bool(body.get("dedupe", ABSENT), "dedupe")
        accepted = await ctx.call(
            _submit_paths, ctx, paths, priority, metadata, key, dedupe, batch_id
        )
    fresh = [item for item in accepted if not item.existing]
    answer_batch: str | None = batch_id
    if not fresh:  # a replay names the batch the first request queued; dedupe none
        answer_batch = accepted[0].batch_id if key is not None else None
    location = f"{PREFIX}/jobs?batch_id={answer_batch}" if answer_batch else None
    return json_response(
        {
            "batch_id": answer_batch,
            "job_ids": [item.job_id for item in accepted],
            "count": len(accepted),
            "existing_job_ids": [item.job_id for item in accepted if item.existing],
            "location": location,
        },
        status=202 if fresh else 200,
        headers={"Location": location} if location else None,
    )


def _single_response(accepted: Accepted) -> web.Response:
    location = job_location(accepted.job_id)
    return json_response(
        {
            "job_id": accepted.job_id,
            "status": accepted.status,
            "existing": accepted.existing,
            "file_path": accepted.file_path,
            "location": location,
        },
        status=200 if accepted.existing else 202,
        headers={"Location": location},
    )


# ---------------------------------------------------------------- multipart


async def read_form(
    request: web.Request, ctx: ApiContext, max_files: int
) -> tuple[list[StoredUpload], dict[str, str]]:
    """Stream every file part to the uploads folder; collect the small text fields.

    On any error the files stored so far are removed before the error propagates.
    """
    limit = ctx.uploads.max_bytes
    if max_files == 1 and request.content_length and request.content_length > limit + 65536:
        raise ApiError(
            413,
            "too_large",
            f"the upload is larger than the limit of {limit // (1024 * 1024)} MB",
            "file",
        )
    uploads: list[StoredUpload] = []
    fields: dict[str, str] = {}
    try:
        try:
            reader = await request.multipart()
        except (ValueError, AssertionError) as error:
            raise ApiError(
                400, "malformed_multipart", f"cannot read the form: {error}", "body"
            ) from None
        while True:
            try:
                part = await reader.next()
            except (ValueError, HttpProcessingError) as error:
                raise ApiError(
                    400, "malformed_multipart", f"cannot read the form: {error}", "body"
                ) from None
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                raise ApiError(422, "invalid_form", "nested multipart is not supported", "body")
            if part.name == "file":
                if len(uploads) >= max_files:
                    message = (
                        "one file per request here; use submit-batch for more"
                        if max_files == 1
                        else f"at most {max_files} files per batch"
                    )
                    raise ApiError(422, "too_many_files", message, "file")
                uploads.append(await ctx.uploads.save(part, "file"))
            else:
                name = part.name or ""
                if name not in FORM_FIELDS:
                    raise ApiError(
                        422,
                        "unknown_field",
                        f"unknown form field {name!r}; "
                        f"allowed: file, {', '.join(sorted(FORM_FIELDS))}",
                        name,
                    )
                fields[name] = await _read_field(part, name)
        if not uploads:
            raise ApiError(422, "missing_file", "the form has no file part named 'file'", "file")
        return uploads, fields
    except BaseException:
        for upload in uploads:
            upload.remove()
        raise


async def _read_field(part: BodyPartReader, name: str) -> str:
    data = bytearray()
    while chunk := await part.read_chunk(8192):
        data.extend(chunk)
        if len(data) > MAX_FORM_FIELD_BYTES:
            raise ApiError(422, "invalid_value", f"form field {name!r} is too long", name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(422, "invalid_value", f"form field {name!r} is not UTF-8", name) from None


def _form_options(
    fields: dict[str, str], uploads: list[StoredUpload]
) -> tuple[ProcessingPriority, dict[str, Any], bool]:
    try:
        return (
            parse_priority(fields.get("priority") or ABSENT),
            parse_metadata(fields.get("metadata", ABSENT)),
            parse_bool(fields.get("dedupe", ABSENT), "dedupe", text=True),
        )
    except ApiError:
        for upload in uploads:
            upload.remove()
        raise


# ---------------------------------------------------------------- on the API's thread pool


@dataclass(frozen=True, slots=True)
class Single:
    """One ``submit`` request by path, waiting to be committed with others."""

    path: str
    priority: ProcessingPriority
    metadata: dict[str, Any]
    key: str | None
    dedupe: bool


def submit_singles(ctx: ApiContext, singles: list[Single]) -> list[Accepted | BaseException]:
    """Commit many single submissions in one transaction (on the API's thread pool).

    Each request is checked on its own (its error goes to it alone); the valid ones are
    queued together. Should the group fail as a whole (the queue has room for only some,
    a key raced another request), each is submitted alone to give each its own answer.
    """
    results: list[Accepted | BaseException | None] = []
    items: list[tuple[int, Submission]] = []
    for index, single in enumerate(singles):
        try:
            real, size = ctx.allowed.check_file(single.path, "file_path")
            key = single.key
            if key is not None and ctx.processor.store.find_by_keys([f"{key}#0"]):
                raise key_reused("this Idempotency-Key was used for a batch, not a single file")
            if key is None and single.dedupe:
                key = content_key(real, "file_path")
        except (ApiError, DocumentNotFoundError, UnsupportedFormatError) as error:
            results.append(error)
            continue
        results.append(None)
        items.append((index, Submission(real, single.priority, single.metadata, None, key, size)))
    if items:
        try:
            accepted = _submit_keyed(ctx, [item for _, item in items], None)
            for (index, item), answer in zip(items, accepted, strict=True):
                results[index] = _checked_existing(answer, item)
        except Exception:  # noqa: BLE001 - retried one by one, each gets its own error
            for index, item in items:
                try:
                    answer = _submit_keyed(ctx, [item], None)[0]
                    results[index] = _checked_existing(answer, item)
                except Exception as error:  # noqa: BLE001 - handed to its request
                    results[index] = error
    return [result if result is not None else RuntimeError("not submitted") for result in results]


def _checked_existing(answer: Accepted, item: Submission) -> Accepted | ApiError:
    if (
        answer.existing
        and item.idempotency_key
        and item.idempotency_key.startswith("key:")
        and answer.file_path != item.file_path
    ):
        return key_reused("this Idempotency-Key was used for another file")
    return answer


def _submit_paths(
    ctx: ApiContext,
    paths: Sequence[str],
    priority: ProcessingPriority,
    metadata: dict[str, Any],
    key: str | None,
    dedupe: bool,
    batch_id: str,
) -> list[Accepted]:
    reals = []
    sizes = []
    for index, path in enumerate(paths):
        field = f"file_paths[{index}]"
        real, size = ctx.allowed.check_file(path, field)
        sizes.append(size)
        reals.append(real)
    wanted = [partial(_has_path, real) for real in reals]
    replay = _replayed_batch(ctx, key, wanted)
    if replay is not None:
        return replay
    keys = [_item_key(key, dedupe, real, index) for index, real in enumerate(reals)]
    items = [
        Submission(real, priority, metadata, None, item_key, size)
        for real, item_key, size in zip(reals, keys, sizes, strict=True)
    ]
    return _raced_replay(ctx, key, wanted, _submit_keyed(ctx, items, batch_id, key is not None))


def _submit_uploads(
    ctx: ApiContext,
    uploads: list[StoredUpload],
    priority: ProcessingPriority,
    metadata: dict[str, Any],
    dedupe: bool,
    key: str | None,
    batch_id: str | None,
) -> list[Accepted]:
    try:
        keys: list[str | None] = []
        for index, upload in enumerate(uploads):
            if key is not None:
                keys.append(key if batch_id is None else f"{key}#{index}")
            else:
                keys.append(f"sha256:{upload.sha256}" if dedupe else None)
        items = [
            Submission(
                upload.path,
                priority,
                {**metadata, "upload_filename": upload.filename, "upload_sha256": upload.sha256},
                None,
                item_key,
                upload.size,
            )
            for upload, item_key in zip(uploads, keys, strict=True)
        ]
        twins = _processed_twins(ctx, items) if batch_id is None else {}
        if batch_id is None and keys[0] in twins:
            twin = twins[str(keys[0])]
            accepted = [Accepted.of(twin, True)]
        elif batch_id is None:
            job_id = _retry_on_key_race(
                lambda: ctx.processor.submit_job(
                    items[0].file_path, priority, items[0].metadata, idempotency_key=keys[0]
                )
            )
            accepted = [_accepted(ctx, job_id, uploads[0].path, keys[0], uploads[0].sha256)]
        else:
            wanted = [partial(_has_upload, upload.sha256) for upload in uploads]
            replay = _replayed_batch(ctx, key, wanted)
            if replay is None:
                submitted = _submit_keyed(ctx, items, batch_id, key is not None)
                replay = _raced_replay(ctx, key, wanted, submitted)
            accepted = replay
    except BaseException:
        for upload in uploads:
            upload.remove()
        raise
    for upload, item in zip(uploads, accepted, strict=True):
        if item.existing:  # the earlier job has its own copy
            upload.remove()
    return accepted


def _item_key(key: str | None, dedupe: bool, real: str, index: int) -> str | None:
    """The idempotency key of a batch's ``index``-th file: none, the request's key
    numbered, or the file's content hash (``dedupe``)."""
    if key is None and not dedupe:
        return None
    return f"{key}#{index}" if key else content_key(real, f"file_paths[{index}]")


def _submit_keyed(
    ctx: ApiContext, items: list[Submission], batch_id: str | None, whole_keys: bool = False
) -> list[Accepted]:
    """Submit items (with or without idempotency keys) in one transaction, all or none,
    through ``submit_many`` (their paths are resolved and measured already). Items
    repeating a key of the same call are submitted once (the store would fail on the
    unique key). A keyed job is "existing" unless this call created it (the store says
    which it created). A dedupe key held by a job that failed or was cancelled queues
    that job again: sending the file anew means "process it".
    """
    processor = ctx.processor
    twins = _processed_twins(ctx, items)
    first_of: dict[str, int] = {}
    slots: list[int] = []  # for every item, the index of the submission that carries it
    unique: list[Submission] = []
    for item in items:
        key = item.idempotency_key
        if key is not None and key in twins:
            slots.append(-1)  # a file processed before: its job is the answer
            continue
        if key is not None and key in first_of:
            slots.append(first_of[key])
            continue
        if key is not None:
            first_of[key] = len(unique)
        slots.append(len(unique))
        unique.append(item)
    new_ids: set[str] = set()
    jobs = (
        _retry_on_key_race(
            lambda: processor.submit_many(
                unique, batch_id=batch_id, prechecked=True, new_ids=new_ids, whole_keys=whole_keys
            )
        )
        if unique
        else []
    )
    accepted = []
    seen: set[str] = set()
    for item, slot in zip(items, slots, strict=True):
        if slot < 0:
            twin = twins[str(item.idempotency_key)]
            accepted.append(Accepted.of(twin, True))
            continue
        job = jobs[slot]
        existing = job.job_id not in new_ids or job.job_id in seen
        seen.add(job.job_id)
        if existing and str(item.idempotency_key).startswith("sha256:"):
            job = _requeued_if_unfinished(ctx, job)
        accepted.append(Accepted.of(job, existing))
    return accepted


def _requeued_if_unfinished(ctx: ApiContext, job: ProcessingJob) -> ProcessingJob:
    """The job itself, or, when it failed or was cancelled, the job queued again."""
    if job.status not in (ProcessingStatus.FAILED, ProcessingStatus.CANCELLED):
        return job
    try:
        return ctx.processor.retry_job(job.job_id)
    except (InvalidTransitionError, JobNotFoundError):  # retried meanwhile by another
        return ctx.processor.get_job(job.job_id)


def _processed_twins(ctx: ApiContext, items: Sequence[Submission]) -> dict[str, ProcessingJob]:
    """For dedupe keys (``sha256:...``), the job of a file with those bytes that was
    processed before, submitted with dedupe or not (found through the knowledge base)."""
    hashes = {
        item.idempotency_key[len("sha256:") :]
        for item in items
        if item.idempotency_key and item.idempotency_key.startswith("sha256:")
    }
    knowledge = ctx.processor.knowledge
    if not hashes or knowledge is None:
        return {}
    twins: dict[str, ProcessingJob] = {}
    for file_hash, job_ids in knowledge.jobs_by_file_hash(hashes).items():
        for job_id in job_ids:
            try:
                job = ctx.processor.get_job(job_id)
            except JobNotFoundError:  # its job was removed from the history since
                continue
            if job.status is ProcessingStatus.COMPLETED:
                twins[f"sha256:{file_hash}"] = job
                break
    return twins


def _raced_replay(
    ctx: ApiContext,
    key: str | None,
    wanted: Sequence[Callable[[ProcessingJob], bool]],
    accepted: list[Accepted],
) -> list[Accepted]:
    """A keyed batch that found its keys taken when it committed (the same request sent
    twice at once, or another batch under the key): checked as a replay is."""
    if key is None or not any(item.existing for item in accepted):
        return accepted
    return _replayed_batch(ctx, key, wanted) or accepted


def _replayed_batch(
    ctx: ApiContext, key: str | None, wanted: Sequence[Callable[[ProcessingJob], bool]]
) -> list[Accepted] | None:
    """A batch sent again with its Idempotency-Key: the jobs the first request queued, in
    its order. None when the key is new; 422 when it was used for another batch (other
    files, another order, more or fewer of them). ``wanted[i]`` says whether a job is the
    one for the ``i``-th file."""
    if key is None:
        return None
    keys = [f"{key}#{index}" for index in range(len(wanted) + 1)]
    found = ctx.processor.store.find_by_keys([*keys, key])
    if key in found:
        raise key_reused("this Idempotency-Key was used for a single file, not a batch")
    if not found:
        return None
    present = [index for index, name in enumerate(keys) if name in found]
    if present != list(range(len(present))):  # a gap: jobs were removed since
        raise ApiError(
            422,
            "idempotency_key_expired",
            "some jobs of the batch sent first with this Idempotency-Key are no longer in the "
            "history; send the batch under a new key",
            "Idempotency-Key",
        )
    if keys[-1] in found or any(
        name not in found or not same(found[name]) for name, same in zip(keys, wanted, strict=False)
    ):
        raise key_reused(ANOTHER_BATCH)
    jobs = [found[name] for name in keys[:-1]]
    return [Accepted.of(job, True) for job in jobs]


def _has_path(real: str, job: ProcessingJob) -> bool:
    return job.file_path == real


def _has_upload(sha256: str, job: ProcessingJob) -> bool:
    return job.metadata.get("upload_sha256") == sha256


def _retry_on_key_race(submit: Callable[[], T]) -> T:
    """Two requests with one new key at once: the loser's insert hits the unique index;
    submitting again finds the winner's job."""
    try:
        return submit()
    except sqlite3.IntegrityError:
        return submit()


def _accepted(ctx: ApiContext, job_id: str, path: str, key: str | None, sha256: str) -> Accepted:
    """The answer for one upload: new, or (by key or content) an earlier job."""
    if key is None:
        return Accepted(job_id, False, path)
    job = ctx.processor.get_job(job_id)
    # Each upload is stored under a fresh name: a job for another path is an earlier one
    # (also when both requests ran at once), and the same file sent again is the same bytes.
    existing = job.file_path != path
    if existing and key.startswith("sha256:"):
        job = _requeued_if_unfinished(ctx, job)
    if existing and key.startswith("key:") and not _has_upload(sha256, job):
        raise key_reused("this Idempotency-Key was used for another file")
    return Accepted.of(job, existing)


def content_key(real: str, field: str) -> str:
    """``sha256:<hex>`` of the file's content (the dedupe key)."""
    digest = hashlib.sha256()
    try:
        with open(real, "rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        raise DocumentNotFoundError(f"file not found: {real}") from None
    except IsADirectoryError:
        raise UnsupportedFormatError(f"{real} is a folder; submit the files inside it") from None
    except OSError as error:
        raise ApiError(
            422, "unreadable", f"cannot read the file: {error.strerror}", field
        ) from None
    return f"sha256:{digest.hexdigest()}"
