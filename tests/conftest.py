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
