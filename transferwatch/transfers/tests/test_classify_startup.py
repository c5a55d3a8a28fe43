"""`transferwatch classify` starts without the database or the app registry (a pure computation)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CASE = {"id": "a", "as_of": "2015-08-01", "visa_abuse": True}
# Runs the console script's main() and reports, after it, which parts of Django were loaded.
PROBE = """
import sys
from transferwatch.cli import main
try:
    main(["transferwatch", "classify", "--policy", "pep-2014"])
finally:
    loaded = [m for m in ("django.db.models", "django.contrib.auth.models", "transferwatch.transfers.models") if m in sys.modules]
    sys.stderr.write("loaded: " + ",".join(loaded) + "\\n")
"""


def console(
    tmp_path: Path, *args: str, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TRANSFERWATCH_MODE")}
    env["TRANSFERWATCH_DATA_DIR"] = str(tmp_path / "var")
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, *args], env=env, input=json.dumps(CASE) + "\n",
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_it_classifies_without_a_database_it_cannot_reach(tmp_path: Path) -> None:
    nowhere = "postgres://nobody@127.0.0.1:9/none"  # port 9: nothing listens
    done = console(tmp_path, "-m", "transferwatch.cli", "classify", "--policy", "pep-2014", database_url=nowhere)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["priorities"] == ["2(d)"]


def test_it_loads_no_models(tmp_path: Path) -> None:
    done = console(tmp_path, "-c", PROBE)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["id"] == "a"
    assert "loaded: \n" in done.stderr


def test_it_still_refuses_a_misconfiguration(tmp_path: Path) -> None:
    env_mode = {"TRANSFERWATCH_MODE": "production"}
    done = subprocess.run(
        [sys.executable, "-m", "transferwatch.cli", "classify", "--policy", "pep-2014"],
        env={**os.environ, **env_mode, "TRANSFERWATCH_DATA_DIR": str(tmp_path / "var"), "SECRET_KEY": ""},
        input="", capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "transferwatch: configuration error:" in done.stderr
