"""`/healthz` (the process answers) and `/readyz` (it can do its work), for load balancers.

Answered by a middleware placed before the security, session, sign-in and second-factor
middlewares: a platform's probe comes over plain HTTP to the app's port, with no cookie and often
with a host name of its own, and must get its answer without a redirect to HTTPS or to the sign-in
page, and without an audit event. The answers hold no personal data and no server details: each
check says `ok` or `failing` with the kind of error, never its text (which could hold a database
address).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import HttpRequest, HttpResponse

Check = Callable[[], dict[str, Any]]


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok"}


def check_warehouse() -> dict[str, Any]:
    """The configured bookings store answers: the Parquet folder (or, before the first import,
    the data folder that will hold it) can be read and written, or the PostgreSQL warehouse
    accepts a connection."""
    from transferwatch.imports.warehouse import store

    return store().check()


def check_queue() -> dict[str, Any]:
    """The worker's queue table answers; how many tasks wait and how many run."""
    from django_tasks_db.models import DBTaskResult

    counts = {"ready": 0, "running": 0}
    for status, n in _status_counts(DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])):
        counts[status.lower()] = n
    return {"status": "ok", "waiting": counts["ready"], "running": counts["running"]}


def _status_counts(queryset: Any) -> list[tuple[str, int]]:
    from django.db.models import Count

    return list(queryset.values_list("status").annotate(n=Count("id")).order_by())


CHECKS: dict[str, Check] = {
    "database": check_database,
    "warehouse": check_warehouse,
    "queue": check_queue,
}


def readiness() -> tuple[bool, dict[str, Any]]:
    results: dict[str, Any] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except DatabaseError as exc:
            results[name] = {"status": "failing", "error": type(exc).__name__}
        except OSError as exc:
            results[name] = {"status": "failing", "error": type(exc).__name__}
    ready = all(r["status"] == "ok" for r in results.values())
    return ready, {"status": "ready" if ready else "not ready", "checks": results}


def _json(body: dict[str, Any], status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class HealthCheckMiddleware:
    PATHS = ("/healthz", "/readyz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/")
        if path not in self.PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = _json({"error": "use GET"}, 405)
            response["Allow"] = "GET, HEAD"
            return response
        if path == "/healthz":
            return _json({"status": "ok"}, 200)
        ready, body = readiness()
        return _json(body, 200 if ready else 503)
