"""Errors as JSON: one body shape for every 4xx/5xx the API returns, and the mapping from
engine errors to HTTP status codes.

Every error body is ``{"error": CODE, "message": TEXT, "field": NAME-or-null}``; ``field``
names the request field at fault (``priority``, ``file_paths[3]``, ``job_id``, ``body``).
The middleware turns whatever a handler raises into that shape, so no request ever gets
an HTML page or a bare 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from docproc_gui.domain import (
    DocumentNotFoundError,
    IdempotencyConflictError,
    InvalidTransitionError,
    JobNotFoundError,
    QueueFullError,
    StorageFullError,
    UnsupportedFormatError,
)

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
QUEUE_FULL_RETRY_AFTER_S = 5


class ApiError(Exception):
    """An error the client caused (or must wait out), with its HTTP status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = dict(headers or {})

    def to_response(self) -> web.Response:
        return error_response(self.status, self.code, self.message, self.field, self.headers)


ANOTHER_BATCH = "this Idempotency-Key was used for another batch (other files, or another order)"


def key_reused(message: str) -> ApiError:
    """422 for an Idempotency-Key sent before with another request."""
    return ApiError(422, "idempotency_key_reused", message, "Idempotency-Key")


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    body = json.dumps({"error": code, "message": message, "field": field})
    return web.Response(status=status, text=body, content_type="application/json", headers=headers)


def from_engine_error(error: BaseException, field: str | None = None) -> ApiError | None:
    """The API error for an engine exception, or None when it is not one we expect."""
    if isinstance(error, JobNotFoundError):
        return ApiError(404, "job_not_found", str(error), field or "job_id")
    if isinstance(error, DocumentNotFoundError):
        return ApiError(422, "file_not_found", error.message, field or "file_path")
    if isinstance(error, UnsupportedFormatError):
        return ApiError(422, "unsupported", error.message, field or "file_path")
    if isinstance(error, QueueFullError):
        return ApiError(
            503, "queue_full", error.message, None, {"Retry-After": str(QUEUE_FULL_RETRY_AFTER_S)}
        )
    if isinstance(error, StorageFullError):
        return ApiError(507, "storage_full", error.message)
    if isinstance(error, InvalidTransitionError):
        return ApiError(409, "invalid_transition", str(error), field or "job_id")
    if isinstance(error, IdempotencyConflictError):
        return key_reused(ANOTHER_BATCH)
    return None


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render every failure as the JSON error body (the outermost middleware)."""
    try:
        return await handler(request)
    except ApiError as error:
        return error.to_response()
    except HttpProcessingError as error:  # malformed input found while reading the body
        status = error.code if 400 <= error.code < 500 else 400
        return error_response(
            status,
            _HTTP_CODES.get(status, "bad_request"),
            f"malformed request: {error.message}",
            "body",
        )
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code = _HTTP_CODES.get(error.status, "http_error")
        headers = {k: v for k, v in error.headers.items() if k.lower() == "allow"}
        return error_response(error.status, code, error.reason, None, headers)
    except Exception as error:  # the client gets JSON, the log gets the trace
        mapped = from_engine_error(error)
        if mapped is not None:
            return mapped.to_response()
        log.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(500, "internal", "internal error; see the DocProc log")
