"""Validation of request bodies and query strings: each failure names the field at fault.

Handlers never index into client data directly; they call these functions, which raise
:class:`~docproc_gui.api.errors.ApiError` (400 for unreadable input, 422 for readable
input with a wrong value) so that malformed input can never reach the engine as a 500.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from docproc_gui.api.errors import ApiError
from docproc_gui.domain import ProcessingPriority, ProcessingStatus

MAX_METADATA_BYTES = 64 * 1024
MAX_BATCH_FILES = 10_000
MAX_PAGE = 1000
MAX_IDEMPOTENCY_KEY = 200
MAX_JSON_DEPTH = 32
_YES = {"1", "true", "yes", "on"}
_NO = {"0", "false", "no", "off", ""}
_PRINTABLE_ASCII = re.compile(r"^[ -~]+$")


class _Absent:
    """A field the client left out (as opposed to one it sent as ``null``)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; 400 when it is not JSON, 422 when not an object."""
    raw = await request.read()
    if not raw.strip():
        raise ApiError(
            400, "malformed_json", "the request body is empty; send a JSON object", "body"
        )
    try:
        value = loads_strict(raw)
    except ValueError as error:
        raise ApiError(
            400, "malformed_json", f"the body is not valid JSON: {error}", "body"
        ) from None
    if not isinstance(value, dict):
        raise ApiError(422, "invalid_value", "the body must be a JSON object", "body")
    check_storable(value, "")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:40]} is out of range")
    return number


def _int(text: str) -> int:
    if len(text) > 100:  # (Python's own message would suggest a Python setting)
        raise ValueError(f"a number of {len(text)} digits is out of range")
    return int(text)


def loads_strict(raw: str | bytes) -> Any:
    """JSON as RFC 8259 has it: no NaN or Infinity, no number that overflows to one.

    Raises ValueError (JSONDecodeError and UnicodeDecodeError are ValueErrors) with a
    message for the client; nesting beyond Python's recursion limit is one of them.
    """
    try:
        return json.loads(
            raw, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_int
        )
    except RecursionError:
        raise ValueError("it is nested too deeply") from None


def check_storable(value: Any, field: str, depth: int = 0) -> None:
    """422 for what the store cannot keep or give back as JSON: text that is not valid
    Unicode (a lone surrogate such as ``"\\ud800"``) and nesting deeper than
    :data:`MAX_JSON_DEPTH` levels. ``field`` names where in the body the value sits."""
    if isinstance(value, str):
        if not _is_utf8(value):
            raise ApiError(
                422,
                "invalid_text",
                f"{field or 'the body'} holds text that is not valid Unicode (a lone surrogate)",
                field or "body",
            )
        return
    if not isinstance(value, (dict, list)):
        return
    if depth >= MAX_JSON_DEPTH:
        raise ApiError(
            422,
            "too_deep",
            f"{field or 'the body'} is nested more than {MAX_JSON_DEPTH} levels deep",
            field or "body",
        )
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{field}.{key}" if field else str(key)
            if not _is_utf8(key):
                raise ApiError(
                    422,
                    "invalid_text",
                    f"a key in {field or 'the body'} is not valid Unicode (a lone surrogate)",
                    field or "body",
                )
            check_storable(item, inner, depth + 1)
    else:
        for index, item in enumerate(value):
            check_storable(item, f"{field}[{index}]", depth + 1)


def _is_utf8(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unknown_fields(body: Mapping[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise ApiError(
            422,
            "unknown_field",
            f"unknown field {extra[0]!r}; allowed: {', '.join(sorted(allowed))}",
            extra[0],
        )


def parse_priority(value: Any, field: str = "priority") -> ProcessingPriority:
    """A priority by name or number; ABSENT means NORMAL, an explicit null is refused."""
    if value is ABSENT:
        return ProcessingPriority.NORMAL
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ApiError(
            422, "invalid_priority", "priority must be a name (HIGH) or a number (0-4)", field
        )
    try:
        return ProcessingPriority.parse(value)
    except ValueError as error:
        raise ApiError(422, "invalid_priority", str(error), field) from None


def parse_metadata(value: Any, field: str = "metadata") -> dict[str, Any]:
    if value is ABSENT:
        return {}
    if isinstance(value, str):  # multipart forms carry it as JSON text
        try:
            value = loads_strict(value) if value.strip() else {}
        except ValueError as error:
            raise ApiError(
                422, "invalid_metadata", f"metadata must be a JSON object: {error}", field
            ) from None
        if isinstance(value, dict):
            check_storable(value, field)
    if not isinstance(value, dict):
        raise ApiError(422, "invalid_metadata", "metadata must be a JSON object", field)
    if len(json.dumps(value)) > MAX_METADATA_BYTES:
        raise ApiError(
            422,
            "invalid_metadata",
            f"metadata is larger than {MAX_METADATA_BYTES // 1024} KB",
            field,
        )
    return value


def parse_bool(value: Any, field: str, *, text: bool = False) -> bool:
    """A JSON true/false; with ``text`` (a form field) also "1"/"yes"/"on", "0"/"no"/"off"."""
    if value is ABSENT:
        return False
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if text and isinstance(value, str) else None
    if word in _YES or word in _NO:
        return word in _YES
    raise ApiError(422, "invalid_value", f"{field} must be true or false", field)


def parse_path(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, "invalid_path", f"{field} must be a non-empty string", field)
    if "\x00" in value:
        raise ApiError(422, "invalid_path", f"{field} contains a NUL character", field)
    return value


def parse_path_list(value: Any, field: str = "file_paths") -> list[str]:
    if not isinstance(value, list) or not value:
        raise ApiError(422, "invalid_paths", f"{field} must be a non-empty list of paths", field)
    if len(value) > MAX_BATCH_FILES:
        raise ApiError(
            422,
            "invalid_paths",
            f"at most {MAX_BATCH_FILES} files per batch; split the batch",
            field,
        )
    return [parse_path(item, f"{field}[{index}]") for index, item in enumerate(value)]


def idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if (
        len(key) > MAX_IDEMPOTENCY_KEY
        or not _PRINTABLE_ASCII.match(key)
        or not key.strip()
        or "#" in key  # the store numbers a batch's files with it: K#0, K#1, ...
    ):
        raise ApiError(
            422,
            "invalid_idempotency_key",
            f"Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY} printable ASCII characters "
            "other than #",
            "Idempotency-Key",
        )
    return f"key:{key}"


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, "invalid_value", f"{name} must be an integer", name) from None
    if not low <= value <= high:
        raise ApiError(422, "invalid_value", f"{name} must be between {low} and {high}", name)
    return value


def query_list(request: web.Request, name: str) -> list[str]:
    """A repeatable, comma-separable query parameter (``?status=QUEUED,FAILED``); given
    but empty (``?job_id=,``) is a 422, not "no filter"."""
    values: list[str] = []
    raws = request.query.getall(name, [])
    for raw in raws:
        values.extend(part.strip() for part in raw.split(",") if part.strip())
    if raws and not values:
        raise ApiError(422, "invalid_value", f"{name} is given but names nothing", name)
    return values


def query_statuses(request: web.Request, name: str = "status") -> list[ProcessingStatus]:
    statuses = []
    for value in query_list(request, name):
        try:
            statuses.append(ProcessingStatus(value.upper()))
        except ValueError:
            names = ", ".join(status.value for status in ProcessingStatus)
            raise ApiError(
                422, "invalid_status", f"unknown status {value!r}; use one of {names}", name
            ) from None
    return statuses


def job_id_param(request: web.Request) -> str:
    job_id = request.match_info["job_id"]
    if not job_id or len(job_id) > 64 or not job_id.isalnum():
        raise ApiError(404, "job_not_found", f"no job with id {job_id!r}", "job_id")
    return job_id
