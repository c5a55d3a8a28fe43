"""Log lines: JSON, one object a line, each with the request id the response echoes; the
request line names method, path and status, never the user or the query string."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from transferwatch.accounts.models import User
from transferwatch.lib.jsonlog import JsonFormatter, RequestIdFilter


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_every_line_of_a_request_carries_its_id(db: Any, json_lines: io.StringIO) -> None:
    user = User.objects.create_user("Zyxwvut-Operator", password="x" * 16)
    client = Client()
    client.force_login(user)
    response = client.get("/agencies/?q=Zyxwvut+Canaryname", HTTP_X_REQUEST_ID="req-0123456789ab")
    assert response["X-Request-ID"] == "req-0123456789ab"
    logged = lines(json_lines)
    request_line = [line for line in logged if line["logger"] == "transferwatch.request"]
    assert request_line == [
        {
            "time": request_line[0]["time"],
            "level": "INFO",
            "logger": "transferwatch.request",
            "message": f"GET /agencies/ {response.status_code}",
            "request_id": "req-0123456789ab",
            "method": "GET",
            "path": "/agencies/",
            "status": response.status_code,
            "duration_ms": request_line[0]["duration_ms"],
        }
    ]
    assert all(line["request_id"] == "req-0123456789ab" for line in logged)
    assert "Zyxwvut" not in json_lines.getvalue()


def test_an_unsafe_incoming_id_is_replaced(db: Any, json_lines: io.StringIO) -> None:
    response = Client().get("/login/", HTTP_X_REQUEST_ID="bad id\nwith newline")
    new_id = response["X-Request-ID"]
    assert new_id != "bad id\nwith newline" and len(new_id) == 32
    assert lines(json_lines)[-1]["request_id"] == new_id


def test_passing_health_probes_are_not_logged(json_lines: io.StringIO) -> None:
    Client().get("/healthz")
    assert lines(json_lines) == []


def test_production_writes_json_to_stderr(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.update(
        TRANSFERWATCH_MODE="production",
        TRANSFERWATCH_DATA_DIR=str(tmp_path),
        SECRET_KEY=secrets.token_urlsafe(60),
        TRANSFERWATCH_AUDIT_KEY="k" * 40,
        ALLOWED_HOSTS="transferwatch.example",
        DATABASE_URL=f"sqlite:///{tmp_path}/tw.sqlite3",
    )
    script = "import logging; logging.getLogger('transferwatch.x').warning('import %s done', 7)"
    result = subprocess.run(
        [sys.executable, "-m", "transferwatch.cli", "shell", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == (
        "WARNING",
        "transferwatch.x",
        "import 7 done",
    )
    assert line["request_id"].startswith("cli-")  # a command's lines share one id
