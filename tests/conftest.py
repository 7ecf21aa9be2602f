from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Under CI, property tests draw the same examples on every run: a green CI stays green,
# and a failure reproduces. Locally they explore new examples each run.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SEED = EXAMPLES / "vna-asean-somtc.txt"
SEED_CLEAN = EXAMPLES / "vna-asean-somtc.clean.txt"


def entry_point() -> str:
    """The installed ``newsclean`` script next to this interpreter (what users run)."""
    beside = Path(sys.executable).parent / "newsclean"
    found = str(beside) if beside.exists() else shutil.which("newsclean")
    assert found, "the newsclean entry point is not installed (pip install -e .)"
    return found


@pytest.fixture
def run():
    def run(
        *args: str, input: bytes | str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        data = input.encode() if isinstance(input, str) else input
        return subprocess.run(
            [entry_point(), *args],
            input=data,
            capture_output=True,
            timeout=120,
            env={**os.environ, **(env or {})},
            cwd=ROOT,
        )

    return run


@pytest.fixture
def seed() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def seed_clean() -> str:
    return SEED_CLEAN.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def redis_server():
    from .redis_server import running_redis

    with running_redis() as server:
        yield server


@pytest.fixture
def redis_url(redis_server, request) -> str:
    """A fresh namespace per test is enough; the server is shared by the session."""
    return redis_server.url


# The engines' sessions, one per test run (tests/test_spark.py, test_dask.py, test_lake.py).
@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable  # (the workers import newsclean from this venv)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("newsclean-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0")
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()
