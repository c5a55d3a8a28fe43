"""The whole monitoring run on a real Spark standalone cluster gives the Parquet store's document.

Starts a standalone master and one worker on 127.0.0.1 from the pyspark package (``spark-class``
with ``org.apache.spark.deploy.master.Master`` and ``...worker.Worker``), imports synthetic
bookings into the Parquet store (the folder the "cluster" shares: the same machine), and
requires `monitor.run` on `spark_warehouse.SparkStore` to give the same JSON as on the embedded
store, byte for byte. Skips, saying why, without the ``spark`` extra or without Java.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from transferwatch.analytics import contract
from transferwatch.analytics import warehouse as wh
from transferwatch.analytics.aggregate import read_agencies
from transferwatch.analytics.monitor import run
from transferwatch.analytics.stores import open_warehouse
from transferwatch.analytics.synth import generate

pytestmark = [
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, ready: Any, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.5)
    raise RuntimeError(f"the Spark {what} did not start within {seconds:.0f} s")


def _status(ui: int) -> dict[str, Any]:
    """The master's status page as JSON (empty while it does not answer)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json/", timeout=2) as answer:
            found: dict[str, Any] = json.load(answer)
            return found
    except OSError:
        return {}


def _alive_workers(ui: int) -> int:
    return int(_status(ui).get("aliveworkers", 0))


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """spark://127.0.0.1:PORT with one worker (1 core, 2 GB); both stopped afterwards."""
    pyspark = pytest.importorskip("pyspark", reason="the spark extra (pyspark) is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java 17 (apt-get install openjdk-17-jre-headless)")
    home = Path(pyspark.__file__).parent
    spark_class = home / "bin" / "spark-class"
    scratch = tmp_path_factory.mktemp("spark-cluster")
    logging.getLogger("py4j").setLevel(logging.WARNING)  # no "closing connection" at exit
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_WORKER_DIR": str(scratch / "work"),
        "SPARK_LOG_DIR": str(scratch / "logs"),
        "PYSPARK_PYTHON": sys.executable,
    }
    os.environ.update({k: env[k] for k in ("SPARK_HOME", "SPARK_LOCAL_IP", "PYSPARK_PYTHON")})
    port, ui, worker_ui = _free_port(), _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    processes: list[subprocess.Popen[bytes]] = []
    logs = [(scratch / name).open("wb") for name in ("master.log", "worker.log")]
    try:
        processes.append(
            subprocess.Popen(
                [str(spark_class), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                 "--port", str(port), "--webui-port", str(ui)],
                env=env, stdout=logs[0], stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        _wait("master", lambda: _alive_workers(ui) == 0 and _answers(port))
        processes.append(
            subprocess.Popen(
                [str(spark_class), "org.apache.spark.deploy.worker.Worker", url, "--host",
                 "127.0.0.1", "--cores", "1", "--memory", "2g", "--webui-port", str(worker_ui)],
                env=env, stdout=logs[1], stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        _wait("worker", lambda: _alive_workers(ui) >= 1)
        yield url, ui
    finally:
        from transferwatch.analytics import spark_warehouse

        made = spark_warehouse._SESSIONS.pop(url, None)
        if made is not None:
            made.stop()
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_the_whole_run_on_a_spark_cluster_is_the_same(
    master: tuple[str, int], tmp_path: Path
) -> None:
    url, ui = master
    folder = tmp_path / "synth"
    generate(
        folder, agencies=6, start=date(2021, 1, 1), end=date(2023, 12, 31), seed=7,
        plants={"dismissal": 1, "pretext": 1}, fmt="csv", bookings=5000,
    )  # fmt: skip
    agencies = read_agencies(folder / "agencies.csv")
    shared = tmp_path / "shared-warehouse"
    parquet = open_warehouse("", shared)
    con = wh.connect(tmp_path / "work")
    try:
        wh.load_known_agencies(con, [a.ori for a in agencies])
        present = wh.stage(con, folder / "bookings.csv", contract.BOOKING_COLUMNS)
        checked = wh.check(con, contract.BOOKING_COLUMNS, present, *wh.booking_rules(present))
        assert checked.problems == 0
        with parquet.lock():
            parquet.commit(con, wh.valid_rows_sql(checked, contract.BOOKING_COLUMNS), "synth")
    finally:
        con.close()
    spark = open_warehouse(url, shared)
    assert spark.check() == {"status": "ok"}
    for period in ((None, None), (date(2021, 7, 1), date(2023, 3, 31))):
        expected = json.dumps(run(parquet, agencies, *period), sort_keys=True)
        found = json.dumps(run(spark, agencies, *period), sort_keys=True)
        assert found == expected
    # the work went to the cluster's worker, not to a local Spark in this process
    apps = _status(ui).get("activeapps", [])
    assert [a["name"] for a in apps] == ["transferwatch-monitor"]
    document = json.loads(expected)
    assert sum(a["n_bookings"] for a in document["agencies"]) > 2000
    assert sum(i["p_value"] is not None for a in document["agencies"] for i in a["indicators"]) >= 5
