"""The whole monitoring run on a real Spark standalone cluster gives the Parquet store's document.

Starts a standalone master and one worker on 127.0.0.1 from the pyspark package (``spark-class``
with ``org.apache.spark.deploy.master.Master`` and ``...worker.Worker``), imports synthetic
bookings into the Parquet store (the folder the "cluster" shares: the same machine), and
requires `monitor.run` on `spark_warehouse.SparkStore` to give the same JSON as on the embedded
store, byte for byte. Skips, saying why, without the ``spark`` extra or without Java.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
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

from transferwatch.analytics import contract, spark_warehouse
from transferwatch.analytics import warehouse as wh
from transferwatch.analytics.aggregate import AgencyInfo, read_agencies
from transferwatch.analytics.monitor import run
from transferwatch.analytics.spark_warehouse import SparkStore
from transferwatch.analytics.stores import WarehouseError, open_warehouse
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


class Cluster:
    """A standalone master and one worker (1 core, 2 GB) on 127.0.0.1, each in a process group
    of its own (the worker's executors with it), so that a test can kill either outright."""

    def __init__(self, home: Path, scratch: Path) -> None:
        self.spark_class = str(home / "bin" / "spark-class")
        self.scratch = scratch
        self.env = {
            **os.environ,
            "SPARK_HOME": str(home),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_WORKER_DIR": str(scratch / "work"),
            "SPARK_LOG_DIR": str(scratch / "logs"),
            "PYSPARK_PYTHON": sys.executable,
        }
        self.port, self.ui, self.worker_ui = _free_port(), _free_port(), _free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def _start(self, role: str, args: list[str]) -> None:
        with (self.scratch / f"{role}.log").open("ab") as log:
            self.processes[role] = subprocess.Popen(
                [self.spark_class, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def start_master(self) -> None:
        self._start(
            "master",
            ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
             str(self.port), "--webui-port", str(self.ui)],
        )  # fmt: skip
        _wait("master", lambda: _answers(self.port) and "aliveworkers" in _status(self.ui))

    def start_worker(self) -> None:
        self._start(
            "worker",
            ["org.apache.spark.deploy.worker.Worker", self.url, "--host", "127.0.0.1", "--cores",
             "1", "--memory", "2g", "--webui-port", str(self.worker_ui)],
        )  # fmt: skip
        _wait("worker", lambda: _alive_workers(self.ui) >= 1)

    def kill(self, role: str) -> None:
        """SIGKILL to the role's process group: as a machine that goes away (no goodbye)."""
        process = self.processes.pop(role)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        for role in ("worker", "master"):
            process = self.processes.pop(role, None)
            if process is None:
                continue
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
            with contextlib.suppress(ProcessLookupError):  # executors the worker left behind
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A running master and worker; both (and this process's session) stopped afterwards."""
    pyspark = pytest.importorskip("pyspark", reason="the spark extra (pyspark) is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java 17 (apt-get install openjdk-17-jre-headless)")
    logging.getLogger("py4j").setLevel(logging.WARNING)  # no "closing connection" at exit
    made = Cluster(Path(pyspark.__file__).parent, tmp_path_factory.mktemp("spark-cluster"))
    os.environ.update({k: made.env[k] for k in ("SPARK_HOME", "SPARK_LOCAL_IP", "PYSPARK_PYTHON")})
    try:
        made.start_master()
        made.start_worker()
        yield made
    finally:
        spark_warehouse.drop_session(made.url)
        made.stop()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[AgencyInfo]]:
    """Synthetic bookings in a Parquet store (the folder the cluster shares) and their agencies."""
    tmp_path = tmp_path_factory.mktemp("spark-data")
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
    return shared, agencies


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _same_as_parquet(store: Any, shared: Path, agencies: list[AgencyInfo]) -> str:
    expected = json.dumps(run(open_warehouse("", shared), agencies), sort_keys=True)
    assert json.dumps(run(store, agencies), sort_keys=True) == expected
    return expected


def test_the_whole_run_on_a_spark_cluster_is_the_same(
    cluster: Cluster, imported: tuple[Path, list[AgencyInfo]]
) -> None:
    shared, agencies = imported
    parquet = open_warehouse("", shared)
    spark = open_warehouse(cluster.url, shared)
    assert spark.check() == {"status": "ok"}
    for period in ((None, None), (date(2021, 7, 1), date(2023, 3, 31))):
        expected = json.dumps(run(parquet, agencies, *period), sort_keys=True)
        found = json.dumps(run(spark, agencies, *period), sort_keys=True)
        assert found == expected
    # the work went to the cluster's worker, not to a local Spark in this process
    apps = _status(cluster.ui).get("activeapps", [])
    assert [a["name"] for a in apps] == ["transferwatch-monitor"]
    document = json.loads(expected)
    assert sum(a["n_bookings"] for a in document["agencies"]) > 2000
    assert sum(i["p_value"] is not None for a in document["agencies"] for i in a["indicators"]) >= 5


def _killing(cluster: Cluster, role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kill `role` mid-run: after the run's first job on the cluster (the counts), before the
    next (the request rates)."""
    counts_from = getattr(spark_warehouse, "counts_from")  # noqa: B009  # its own import

    def kill_then_count(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(spark_warehouse, "counts_from", counts_from)
        cluster.kill(role)
        return counts_from(*args, **kwargs)

    monkeypatch.setattr(spark_warehouse, "counts_from", kill_then_count)


def _fails_in_bounded_time(store: SparkStore, agencies: list[AgencyInfo], bound: float) -> str:
    started = time.monotonic()
    with pytest.raises(WarehouseError) as failed:
        run(store, agencies)
    elapsed = time.monotonic() - started
    print(f"failed after {elapsed:.1f} s: {failed.value}")  # shown with pytest -rP
    assert elapsed < bound
    assert store.master not in spark_warehouse._SESSIONS  # the next run makes a new session
    message = str(failed.value)
    assert message.startswith(f"the Spark warehouse ({store.master}) failed: "), message
    assert message.endswith("nothing was stored: run it again when the cluster is back"), message
    return message


def test_a_worker_lost_mid_run_fails_the_run_in_bounded_time_and_a_new_run_works(
    cluster: Cluster, imported: tuple[Path, list[AgencyInfo]], monkeypatch: pytest.MonkeyPatch
) -> None:
    shared, agencies = imported
    store = SparkStore(cluster.url, shared, no_worker_grace=5, master_grace=5, poll=0.5)
    if cluster.url not in spark_warehouse._SESSIONS:  # as in a worker process that ran before
        run(store, agencies)
    _killing(cluster, "worker", monkeypatch)
    message = _fails_in_bounded_time(store, agencies, bound=45)
    assert "no Spark worker was left to run the work" in message
    cluster.start_worker()
    # a new session waits for its first executor longer than this test's 5 s: the default
    _same_as_parquet(SparkStore(cluster.url, shared), shared, agencies)


def test_a_master_lost_mid_run_fails_the_run_in_bounded_time_and_a_new_run_works(
    cluster: Cluster, imported: tuple[Path, list[AgencyInfo]], monkeypatch: pytest.MonkeyPatch
) -> None:
    shared, agencies = imported
    store = SparkStore(cluster.url, shared, no_worker_grace=5, master_grace=5, poll=0.5)
    if cluster.url not in spark_warehouse._SESSIONS:
        run(store, agencies)
    _killing(cluster, "master", monkeypatch)
    message = _fails_in_bounded_time(store, agencies, bound=60)
    assert "the Spark master stopped answering" in message
    assert store.check() == {"status": "failing", "error": "the Spark master cannot be reached"}
    # while the master is away, a run fails at once, saying so
    message = _fails_in_bounded_time(store, agencies, bound=10)
    assert "the Spark master cannot be reached" in message
    cluster.kill("worker")  # the cluster comes back whole
    cluster.start_master()
    cluster.start_worker()
    # a new session waits for its first executor longer than this test's 5 s: the default
    _same_as_parquet(SparkStore(cluster.url, shared), shared, agencies)
