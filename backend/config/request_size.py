"""Refuses a request body over the upload limit from its Content-Length, before it is read.

Without this, Django spools the whole body (to a temporary file past FILE_UPLOAD_MAX_MEMORY_SIZE)
and only then does the upload view see that the file is too large. A body with no Content-Length
is never read under WSGI (Django reads Content-Length bytes, so none). Under ASGI, Django reads
the whole body before any middleware runs, so `AsgiBodyLimit` (config/asgi.py) checks the
declared length and counts the bytes of a chunked body as they arrive.
"""

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import status

from config.error_shape import error_body

# Room for the multipart framing and the form's other fields around a file of the largest size.
FORM_OVERHEAD_BYTES = 64 * 1024


def body_limit() -> int:
    return settings.UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES


def too_large_body() -> dict:
    """The same answer the upload view gives for a file over the limit, in the one error shape."""
    limit = settings.UPLOAD_MAX_BYTES
    return error_body(
        code="file_too_large", message=f"The file is larger than the {limit} byte limit.", details={"max_bytes": limit}
    )


def declared_length(value: str | bytes | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


class RequestBodyLimitMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = declared_length(request.META.get("CONTENT_LENGTH"))
        if length is not None and length > body_limit():
            return JsonResponse(too_large_body(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        return self.get_response(request)


class _BodyTooLarge(Exception):
    pass


async def _refuse(send) -> None:
    body = json.dumps(too_large_body()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class AsgiBodyLimit:
    """Wraps the ASGI application: a body over the limit is refused before Django spools it."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit()
        if (declared_length(dict(scope.get("headers", [])).get(b"content-length")) or 0) > limit:
            return await _refuse(send)
        received = 0

        async def receive_within_limit():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise _BodyTooLarge
            return message

        try:
            await self.app(scope, receive_within_limit, send)
        except _BodyTooLarge:
            await _refuse(send)
