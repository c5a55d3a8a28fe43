"""/healthz and /readyz: answered without sign-in, redirects or audit events, and without
personal data or server details; /readyz is 503 when the database or the warehouse fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db.utils import OperationalError
from django.test import Client

from transferwatch.accounts.models import User
from transferwatch.audit.models import Event
from transferwatch.operations import health


@pytest.fixture
def warehouse(tmp_path: Path, settings: Any) -> Path:
    settings.WAREHOUSE_DIR = tmp_path / "warehouse"
    return tmp_path


@pytest.fixture
def behind_tls(settings: Any) -> None:
    """Production's redirect and host check: a probe over plain HTTP from another host name."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["transferwatch.example"]


def probe(path: str) -> Any:
    return Client().get(path, HTTP_HOST="10.0.0.5:8080")


@pytest.mark.usefixtures("behind_tls")
def test_healthz_answers_without_the_database() -> None:
    response = probe("/healthz")  # no `db` fixture: any query would raise
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response


@pytest.mark.usefixtures("behind_tls", "warehouse")
def test_readyz_says_each_check_is_ok(db: Any) -> None:
    events = Event.objects.count()
    response = probe("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "warehouse", "queue"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["queue"]["waiting"] == 0
    assert Event.objects.count() == events  # a probe is not a page view on the record
    assert response["X-Request-ID"]


class DownConnection:
    def cursor(self) -> Any:
        raise OperationalError('connection to "db.internal" failed: password=hunter2 rejected')


@pytest.mark.usefixtures("behind_tls", "warehouse")
def test_readyz_is_503_when_the_database_is_down(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(health, "connection", DownConnection())
    response = probe("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == {"status": "failing", "error": "OperationalError"}
    assert body["checks"]["warehouse"]["status"] == "ok"
    assert "hunter2" not in response.content.decode() and "db.internal" not in str(body)


@pytest.mark.usefixtures("behind_tls")
def test_readyz_is_503_when_the_warehouse_folder_is_missing(
    db: Any, tmp_path: Path, settings: Any
) -> None:
    settings.WAREHOUSE_DIR = tmp_path / "unmounted" / "warehouse"
    response = probe("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["warehouse"]["status"] == "failing"


@pytest.mark.usefixtures("warehouse")
def test_probes_pass_the_second_factor_and_sign_in(db: Any, settings: Any) -> None:
    settings.REQUIRE_SECOND_FACTOR = True
    client = Client()
    client.force_login(User.objects.create_user("otto-probe", password="x" * 16))
    assert client.get("/transfers/").status_code == 302  # everything else waits for the code
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_only_get_and_head() -> None:
    response = Client().post("/healthz")
    assert response.status_code == 405
    assert json.loads(response.content) == {"error": "use GET"}
