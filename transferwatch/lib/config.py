"""Reading the environment into settings, with one clear line for every mistake.

Pure Python (no Django import) so that the command-line entry point can report a
misconfiguration before Django starts.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MODES = ("development", "production")
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A setting is missing or wrong; the message says what to fix, on one line."""


def env_flag(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a yes/no value: use 1 or 0")


def env_int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise ConfigError(f"{name}={raw!r} is not a whole number")
    return int(raw)


def mode(env: dict[str, str]) -> str:
    value = env.get("TRANSFERWATCH_MODE", "development").strip().lower()
    if value not in MODES:
        raise ConfigError(
            f"TRANSFERWATCH_MODE={value!r} is not known: use 'development' or 'production'"
        )
    return value


def data_dir(env: dict[str, str], cwd: Path) -> Path:
    """The folder for the SQLite database, the warehouse and local keys; created if missing."""
    raw = env.get("TRANSFERWATCH_DATA_DIR") or "var"
    path = Path(raw)
    if not path.is_absolute():
        path = cwd / path
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass  # a unique name: several processes may start at once
    except OSError as exc:
        raise ConfigError(
            f"TRANSFERWATCH_DATA_DIR {str(path)!r} is not a writable folder ({exc.strerror}): "
            "point it at a folder this user can write"
        ) from None
    return path


def _key_from_file(path: Path, nbytes: int) -> str:
    """A random key kept in a file of the data folder, made on first use (development only)."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def secret_key(env: dict[str, str], run_mode: str, folder: Path) -> str:
    value = env.get("SECRET_KEY", "").strip()
    if value:
        if run_mode == "production" and len(value) < 50:
            raise ConfigError("SECRET_KEY is shorter than 50 characters: use a long random value")
        return value
    if run_mode == "production":
        raise ConfigError("SECRET_KEY is not set: production mode needs a long random SECRET_KEY")
    return _key_from_file(folder / "secret.key", 32)


def audit_key(env: dict[str, str], run_mode: str, folder: Path) -> bytes:
    """The HMAC key of the audit chain. It must live outside the database."""
    value = env.get("TRANSFERWATCH_AUDIT_KEY", "").strip()
    key_file = env.get("TRANSFERWATCH_AUDIT_KEY_FILE", "").strip()
    if not value and key_file:
        try:
            value = Path(key_file).read_text().strip()
        except OSError as exc:
            raise ConfigError(
                f"TRANSFERWATCH_AUDIT_KEY_FILE {key_file!r} cannot be read ({exc.strerror})"
            ) from None
    if value:
        if len(value) < 32:
            raise ConfigError(
                "the audit key is shorter than 32 characters: use a long random value"
            )
        return value.encode()
    if run_mode == "production":
        raise ConfigError(
            "TRANSFERWATCH_AUDIT_KEY (or TRANSFERWATCH_AUDIT_KEY_FILE) is not set: "
            "production mode needs an audit key kept outside the database"
        )
    return _key_from_file(folder / "audit.key", 32).encode()


def log_format(env: dict[str, str], run_mode: str) -> str:
    """`json` (one object a line, for log shipping; production's default) or `plain`."""
    default = "json" if run_mode == "production" else "plain"
    value = env.get("TRANSFERWATCH_LOG_FORMAT", default).strip().lower() or default
    if value not in ("json", "plain"):
        raise ConfigError(f"TRANSFERWATCH_LOG_FORMAT={value!r} is not known: use 'json' or 'plain'")
    return value


def redact_url(url: str) -> str:
    """The database URL without its password, safe to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def allowed_hosts(env: dict[str, str], run_mode: str) -> list[str]:
    """The host names the site answers to; production names them, development is local only."""
    if run_mode != "production":
        return ["127.0.0.1", "localhost", "testserver", "[::1]"]
    hosts = [h.strip() for h in env.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts:
        raise ConfigError(
            "ALLOWED_HOSTS is not set: production mode needs the site's host names, "
            "comma-separated (e.g. transferwatch.agency.gov)"
        )
    if "*" in hosts:
        raise ConfigError("ALLOWED_HOSTS='*' answers any host name: name the site's hosts")
    return hosts


def database(env: dict[str, str], folder: Path, run_mode: str = "development") -> dict[str, Any]:
    """Django's DATABASES['default'] from DATABASE_URL; SQLite in the data folder without it
    (development only: production names its database)."""
    url = env.get("DATABASE_URL", "").strip()
    if not url and run_mode == "production":
        raise ConfigError(
            "DATABASE_URL is not set: production mode needs postgres://USER@HOST:PORT/DBNAME "
            "(or sqlite:////absolute/path.sqlite3 for a single machine)"
        )
    if not url:
        return sqlite(folder / "transferwatch.sqlite3")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("postgres", "postgresql", "pgsql"):
        name = parts.path.lstrip("/")
        if not name:
            raise ConfigError(
                f"DATABASE_URL {redact_url(url)!r} names no database: "
                "use postgres://USER@HOST:PORT/DBNAME"
            )
        try:
            port = parts.port
        except ValueError:
            raise ConfigError(f"DATABASE_URL {redact_url(url)!r} has a bad port number") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": parts.username or "",
            "PASSWORD": parts.password or "",
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            # The app's queries are short: PostgreSQL's JIT compiler spends more on them (up to
            # ~90 ms on a list of agencies with millions of requests) than it saves.
            "OPTIONS": {"options": "-c jit=off"},
        }
    if scheme == "sqlite":
        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
        if not path:
            raise ConfigError(
                f"DATABASE_URL {url!r} names no file: use sqlite:////absolute/path.sqlite3"
            )
        return sqlite(Path(path))
    raise ConfigError(
        f"DATABASE_URL {redact_url(url)!r} is not understood: "
        "use postgres://USER@HOST:PORT/DBNAME or leave it unset for SQLite"
    )


def warehouse(env: dict[str, str]) -> str:
    """Where bookings live (TRANSFERWATCH_WAREHOUSE): "" for the embedded Parquet warehouse in
    the data folder, a postgresql:// address, or spark://HOST:PORT (the Parquet files, which the
    cluster must share, aggregated on that Spark master; see `analytics.stores`)."""
    value = env.get("TRANSFERWATCH_WAREHOUSE", "").strip()
    if value.lower() in ("", "parquet"):
        return ""
    parts = urlsplit(value)
    if parts.scheme.lower() in ("postgres", "postgresql") and parts.path.lstrip("/"):
        return value
    if parts.scheme.lower() == "spark" and parts.hostname and not parts.path.strip("/"):
        try:
            if parts.port:
                return value
        except ValueError:
            pass
    raise ConfigError(
        f"TRANSFERWATCH_WAREHOUSE {redact_url(value)!r} is not understood: leave it unset (or "
        "'parquet') for the Parquet warehouse, or use postgresql://USER@HOST:PORT/DBNAME or "
        "spark://HOST:PORT"
    )


def sqlite(path: Path) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock
            # at the start of a transaction so two writers queue instead of failing midway.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        },
    }


# Where letters and recommendations go, by kind. `state_ag:PA` is the attorney general of one
# state and wins over `state_ag`. Development sends to invented addresses (the reserved .example
# domain) so that a fresh clone works; production has no defaults: a kind without an address
# cannot be sent, and the refusal names the entry to set.
MAIL_TO_KINDS = ("leadership", "doj", "state_ag", "other", "component")
DEVELOPMENT_MAIL_TO = {
    "leadership": "dhs-leadership@dhs.example",
    "doj": "crt-referrals@doj.example",
    "state_ag": "attorney-general@state.example",
    "other": "civil-rights@authority.example",
    "component": "crcl-recommendations@ice.example",
}


def mail_to(env: dict[str, str], run_mode: str) -> dict[str, str]:
    """TRANSFERWATCH_MAIL_TO (`kind=address,...`) over the development defaults."""
    out = dict(DEVELOPMENT_MAIL_TO) if run_mode == "development" else {}
    raw = env.get("TRANSFERWATCH_MAIL_TO", "").strip()
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        key, _, address = (s.strip() for s in entry.partition("="))
        kind, _, state = key.partition(":")
        if kind not in MAIL_TO_KINDS or (state and (kind != "state_ag" or len(state) != 2)):
            raise ConfigError(
                f"TRANSFERWATCH_MAIL_TO entry {key!r} is not known: use one of "
                f"{', '.join(MAIL_TO_KINDS)}, or state_ag:XX for one state"
            )
        if address.count("@") != 1 or " " in address or address.startswith("@"):
            raise ConfigError(f"TRANSFERWATCH_MAIL_TO {key}= needs an e-mail address")
        out[key if not state else f"state_ag:{state.upper()}"] = address
    return out
