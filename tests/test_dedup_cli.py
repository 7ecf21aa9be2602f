"""``newsclean dedup`` as users run it."""

from __future__ import annotations

import json
from pathlib import Path

from .republish import corpus

DOCS = corpus(30, seed=3)


def jsonl(docs) -> str:
    return "".join(json.dumps({"id": d.id, "text": d.text, "kind": d.kind}) + "\n" for d in docs)


def rows(out: bytes) -> list[dict]:
    return [json.loads(line) for line in out.decode().splitlines()]


def test_drops_duplicates_keeps_order_and_fields(run) -> None:
    done = run("dedup", input=jsonl(DOCS))
    assert done.returncode == 0
    kept = rows(done.stdout)
    ids = [d.id for d in DOCS]
    assert [r["id"] for r in kept] == sorted((r["id"] for r in kept), key=ids.index)  # input order
    assert all(set(r) == {"id", "text", "kind"} for r in kept)
    by_id = {d.id: d for d in DOCS}
    assert all(r["text"] == by_id[r["id"]].text for r in kept)  # untouched
    assert len(kept) == len({d.story for d in DOCS})
    assert done.stderr.decode().startswith(
        f"newsclean dedup: {len(DOCS)} in, {len(kept)} kept, {len(DOCS) - len(kept)} dropped, "
    )


def test_mark(run) -> None:
    marked = rows(run("dedup", "--mark", input=jsonl(DOCS)).stdout)
    assert len(marked) == len(DOCS)
    first = {}
    for r, d in zip(marked, DOCS):
        first.setdefault(d.story, d.id)
        assert r["duplicate_of"] == (None if first[d.story] == d.id else first[d.story])


def test_index_file_across_runs(run, tmp_path: Path) -> None:
    path = tmp_path / "seen.nci"
    day1 = run("dedup", "--index", str(path), input=jsonl(DOCS[:60]))
    day2 = run("dedup", "--index", str(path), input=jsonl(DOCS[60:]))
    once = run("dedup", input=jsonl(DOCS))
    assert day1.returncode == day2.returncode == 0 and path.exists()
    assert rows(day1.stdout) + rows(day2.stdout) == rows(once.stdout)
    refused = run("dedup", "--index", str(path), "--threshold", "0.9", input=jsonl(DOCS[:1]))
    assert refused.returncode == 1
    assert "threshold: 0.8 != 0.9" in refused.stderr.decode()


def test_ids_default_to_file_and_line(run) -> None:
    text = DOCS[0].text
    lines = json.dumps({"text": text}) + "\n" + json.dumps({"text": text}) + "\n"
    marked = rows(run("dedup", "--mark", input=lines).stdout)
    assert marked[1]["duplicate_of"] == "<stdin>:1"


def test_bad_lines(run) -> None:
    good = jsonl(DOCS[:2])
    done = run("dedup", input=good + "{oops\n")
    assert done.returncode == 1
    assert "newsclean dedup: <stdin>: line 3: not valid JSON" in done.stderr.decode()
    assert len(rows(done.stdout)) == 2
    skipped = run("dedup", "--skip-bad-lines", input=good + "{oops\n" + good)
    assert skipped.returncode == 0
    assert "skipped 1 bad line" in skipped.stderr.decode()


def test_redis(run, redis_url: str) -> None:
    import uuid

    ns = f"cli-{uuid.uuid4().hex[:8]}"
    first = run("dedup", "--redis", redis_url, "--namespace", ns, input=jsonl(DOCS[:60]))
    second = run("dedup", "--redis", redis_url, "--namespace", ns, input=jsonl(DOCS[60:]))
    assert rows(first.stdout) + rows(second.stdout) == rows(run("dedup", input=jsonl(DOCS)).stdout)
    from newsclean.index import RedisIndex

    RedisIndex(redis_url, namespace=ns).clear()


def test_redis_unreachable(run) -> None:
    from .redis_server import free_port

    done = run("dedup", "--redis", f"redis://127.0.0.1:{free_port()}/0", input=jsonl(DOCS[:3]))
    assert (done.returncode, done.stdout) == (1, b"")
    assert "is unreachable" in done.stderr.decode()


def test_workers_decide_as_one_process(run) -> None:
    docs = DOCS * 3  # enough documents for the worker processes to share
    one = run("dedup", "--mark", input=jsonl(docs))
    two = run("dedup", "--mark", "--workers", "2", input=jsonl(docs))
    assert two.returncode == 0 and two.stdout == one.stdout
    bad = run("dedup", "--workers", "0", input=jsonl(DOCS))
    assert bad.returncode == 2 and b"--workers must be 1 to 256, got 0" in bad.stderr
