"""A request id for every web request, carried into audit events and the response header."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")
# Who acts when no signed-in user does: "system", or "cli:<account>" for a command-line run.
current_system_actor: ContextVar[str] = ContextVar("current_system_actor", default="system")
_SAFE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
logger = logging.getLogger("transferwatch.request")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE.match(incoming) else uuid.uuid4().hex
        token = current_request_id.set(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]  # for django.request's lines
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            # One line a request: the path without its query (filters may hold names), no user;
            # a health probe that passes is not logged (load balancers ask every few seconds).
            if response.status_code == 200 and request.path in ("/healthz", "/readyz"):
                return response
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(1000 * (time.monotonic() - started), 1),
                },
            )
        finally:
            current_request_id.reset(token)
        return response
