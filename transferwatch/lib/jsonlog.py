"""Log lines as JSON objects, one a line, each with the request id of the request it belongs to.

Log shippers (journald, Fluent Bit, cloud.gov's Logstash) read one object a line. Only the fields
below are written, never the request, its body, headers or the user's name: messages name records
by id (`docs/security.md`).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from transferwatch.lib.requestid import current_request_id

# Extra fields a log call may add (`logger.info(..., extra={...})`) that reach the JSON line.
EXTRA_FIELDS = ("method", "path", "status", "duration_ms", "task", "record", "signal")


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or `-` outside a request) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs a failed response after the middlewares have returned: its
        # record carries the request, which carries the id.
        from_request = getattr(getattr(record, "request", None), "request_id", "")
        record.request_id = from_request or current_request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id.get() or "-",
        }
        for field in EXTRA_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)
