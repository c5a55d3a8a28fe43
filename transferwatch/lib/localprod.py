"""`make prod`'s set-up: an environment file for production mode on this machine, and its database.

    python -m transferwatch.lib.localprod FILE

Writes FILE (default var/prod.env) once, with new random keys, if it does not exist, then creates
the PostgreSQL database its DATABASE_URL names if that database does not exist yet. The keys in
the file are for trying production mode locally only: a real host gets its own from a secrets
store (`docs/deploy.md`). PROD_DATABASE_URL chooses the database (default: the local PostgreSQL at
127.0.0.1:5432, database transferwatch_prod), PROD_PORT the port gunicorn listens on (default 8000);
both are read only when the file is written.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/transferwatch_prod"


def env_text(database_url: str, data_dir: str, port: str = "8000") -> str:
    return "\n".join(
        [
            "# Production mode on this machine (`make prod`); made once by transferwatch.lib.localprod.",
            "TRANSFERWATCH_MODE=production",
            f"DATABASE_URL={database_url}",
            f"TRANSFERWATCH_DATA_DIR={data_dir}",
            f"SECRET_KEY={secrets.token_urlsafe(60)}",
            f"TRANSFERWATCH_AUDIT_KEY={secrets.token_hex(32)}",
            "ALLOWED_HOSTS=127.0.0.1,localhost",
            # No TLS proxy in front on this machine: do not redirect to https://.
            "SECURE_SSL_REDIRECT=0",
            "HOST=127.0.0.1",
            f"PORT={port}",
            "",
        ]
    )


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.lstrip().startswith("#")}


def create_database(url: str) -> str:
    """Create the database `url` names on its server unless it exists; say which happened."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True, connect_timeout=10) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return f"database {name} exists"
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return f"database {name} created"


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else "var/prod.env")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        url = os.environ.get("PROD_DATABASE_URL", DEFAULT_DATABASE)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            port = os.environ.get("PROD_PORT", "8000")
            handle.write(env_text(url, str(path.parent.resolve() / "prod"), port))
        print(f"localprod: wrote {path} (new keys; production mode on this machine only)")
    url = read_env(path).get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(f"localprod: {path} names no PostgreSQL database; not creating one")
        return 0
    try:
        print(f"localprod: {create_database(url)}")
    except Exception as exc:  # psycopg.Error and socket errors alike: one line, exit 1
        sys.stderr.write(
            f"localprod: cannot reach PostgreSQL for {path}: {type(exc).__name__}: "
            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
