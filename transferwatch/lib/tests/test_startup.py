"""Start-up: a misconfiguration stops `transferwatch` with one clear line, not a traceback."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from transferwatch.lib import config

PRODUCTION = {
    "TRANSFERWATCH_MODE": "production",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "TRANSFERWATCH_AUDIT_KEY": "a" * 40,
    "ALLOWED_HOSTS": "transferwatch.example",
}


def run(
    args: list[str], tmp_path: Path, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TRANSFERWATCH_MODE")}
    base.setdefault("TRANSFERWATCH_DATA_DIR", str(tmp_path / "var"))
    return subprocess.run(
        [sys.executable, "-m", "transferwatch.cli", *args],
        env={**base, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_it_explains_a_database_url_it_does_not_understand(tmp_path: Path) -> None:
    result = run(["migrate"], tmp_path, DATABASE_URL="mysql://root:hunter2@localhost/tw")
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "DATABASE_URL" in line and "postgres://" in line and "hunter2" not in line


def test_it_explains_a_database_it_cannot_reach(tmp_path: Path) -> None:
    result = run(["migrate"], tmp_path, DATABASE_URL="postgres://tw:hunter2@127.0.0.1:1/tw")
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith("transferwatch: cannot connect to the database postgres://tw:***@")
    assert "hunter2" not in line


def test_it_explains_an_unwritable_data_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run(["migrate"], tmp_path, TRANSFERWATCH_DATA_DIR=str(blocker / "var"))
    assert result.returncode == 2
    assert "TRANSFERWATCH_DATA_DIR" in one_line(result.stderr)


def production(tmp_path: Path) -> dict[str, str]:
    return {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path}/tw.sqlite3"}


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "TRANSFERWATCH_AUDIT_KEY", "DATABASE_URL", "ALLOWED_HOSTS"]
)
def test_production_needs_its_keys_database_and_hosts(tmp_path: Path, missing: str) -> None:
    env = {**production(tmp_path), missing: ""}
    result = run(["check"], tmp_path, **env)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("transferwatch: configuration error: " + missing), line


def test_production_refuses_any_host(tmp_path: Path) -> None:
    result = run(["check"], tmp_path, **{**production(tmp_path), "ALLOWED_HOSTS": "a.example,*"})
    assert result.returncode == 2
    assert "ALLOWED_HOSTS" in one_line(result.stderr)


def test_the_app_server_refuses_to_start_without_production_settings(tmp_path: Path) -> None:
    """gunicorn imports transferwatch.wsgi: the same one line, exit 2, no traceback."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update({**production(tmp_path), "SECRET_KEY": "", "TRANSFERWATCH_DATA_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-c", "import transferwatch.wsgi"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in one_line(result.stderr)


def test_production_settings_pass_the_deployment_checklist(tmp_path: Path) -> None:
    result = run(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, **production(tmp_path))
    assert result.returncode == 0, result.stderr


def test_production_logs_json_and_serves_hashed_static_files(tmp_path: Path) -> None:
    script = (
        "from django.conf import settings as s; "
        "print(s.LOG_FORMAT, s.DEBUG, s.STORAGES['staticfiles']['BACKEND'], "
        "'whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = run(["shell", "-c", script], tmp_path, **production(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split(" ", 4) == [
        "json",
        "False",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "True",
        "('HTTP_X_FORWARDED_PROTO', 'https')",
    ]


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run(["--help"], tmp_path)
    assert result.returncode == 0
    for command in ("audit", "users", "demo", "migrate", "runserver"):
        assert f"    {command}\n" in result.stdout


def test_the_default_database_is_sqlite_in_wal_mode(tmp_path: Path) -> None:
    db = config.database({}, tmp_path)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "transferwatch.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["timeout"] >= 5


def test_a_postgres_url_selects_postgres(tmp_path: Path) -> None:
    db = config.database({"DATABASE_URL": "postgres://u:p@db.internal:5433/tw"}, tmp_path)
    assert (db["ENGINE"], db["HOST"], db["PORT"], db["NAME"], db["USER"], db["PASSWORD"]) == (
        "django.db.backends.postgresql",
        "db.internal",
        "5433",
        "tw",
        "u",
        "p",
    )


@pytest.mark.parametrize(
    "url", ["postgres://localhost", "postgres://h:notaport/db", "sqlite://", "redis://x"]
)
def test_it_refuses_incomplete_urls(tmp_path: Path, url: str) -> None:
    with pytest.raises(config.ConfigError):
        config.database({"DATABASE_URL": url}, tmp_path)


def test_development_keys_are_made_once_and_kept(tmp_path: Path) -> None:
    first = config.secret_key({}, "development", tmp_path)
    assert config.secret_key({}, "development", tmp_path) == first
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
    assert config.audit_key({}, "development", tmp_path) != first.encode()


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_it_refuses_a_flag_that_is_not_yes_or_no(value: str) -> None:
    with pytest.raises(config.ConfigError, match="DEBUG"):
        config.env_flag({"DEBUG": value}, "DEBUG", default=False)


def test_the_console_script_end_to_end(tmp_path: Path) -> None:
    """migrate, create a user, verify the trail: through the entry point people use."""
    assert run(["migrate", "--no-input", "-v0"], tmp_path).returncode == 0
    created = run(
        ["users", "create", "zed", "--role", "auditor", "--password-stdin"],
        tmp_path,
        stdin="a long enough passphrase\n",
    )
    assert created.returncode == 0, created.stderr
    verified = run(["audit", "verify"], tmp_path)
    assert verified.returncode == 0
    assert "audit trail intact: 1 events verified" in verified.stdout
    weak = run(["users", "create", "amy", "--role", "auditor", "--password-stdin"], tmp_path)
    assert weak.returncode == 2 and "password" in weak.stderr
