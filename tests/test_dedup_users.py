"""What users of ``newsclean dedup`` asked for, through the installed command: --max-age
(retention) on a file and on Redis, an index file left as it was when little changed,
Parquet and CSV tables, nested --field paths (both commands)."""

from __future__ import annotations

import csv
import io
import json
import os
import time
import uuid
from pathlib import Path

import pytest

from newsclean import DedupIndex
from newsclean.index._journal import Journal

from .test_dedup_runs import editions, ids_of

DAY = 86_400.0
STORY = "The port handled a record number of containers in March, the operator said on Monday."
OTHER = "Farmers in the delta planted a third more rice this season as prices for the grain climbed abroad."


def line(doc_id: str, text: str) -> str:
    return json.dumps({"id": doc_id, "text": text}) + "\n"


# -- --max-age ------------------------------------------------------------------------------


def test_max_age_forgets_what_was_first_seen_before(run, tmp_path: Path) -> None:
    index = tmp_path / "seen.nci"
    made = DedupIndex()
    now = time.time()
    made.add(STORY, id="old", now=now - 10 * DAY)
    made.add(OTHER, id="recent", now=now - 1 * DAY)
    made.save(index)
    copies = line("a", "HANOI (VNA) — " + STORY) + line("b", "BEIJING (Xinhua) -- " + OTHER)
    # Without --max-age both copies are dropped ...
    kept = run("dedup", "--index", str(index), "-o", str(tmp_path / "x.jsonl"), input=copies)
    assert kept.returncode == 0 and (tmp_path / "x.jsonl").read_text() == ""
    # ... with it, the copy of the story first seen 10 days ago is kept again, as new.
    done = run("dedup", "--index", str(index), "--max-age", "7", input=copies)
    assert done.returncode == 0, done.stderr
    assert ids_of(done.stdout) == ["a"]
    assert f"{index}: forgot 1 document first seen more than 7 days ago" in done.stderr.decode()
    back = DedupIndex.load(index)
    assert "old" not in back and {"recent", "a"} <= {i for i in ("old", "recent", "a") if i in back}
    assert back.first_seen("recent") == pytest.approx(now - DAY, abs=1e-3)
    assert now <= back.first_seen("a") <= time.time()
    # Fractions of a day: 12 hours forgets "recent" too (first seen a day ago).
    again = run("dedup", "--index", str(index), "--max-age", "0.5", input="")
    assert "forgot 1 document " in again.stderr.decode() and "recent" not in DedupIndex.load(index)


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--max-age", "7"], "--max-age needs an index that is kept"),
        (["--max-age", "0", "--index", "x.nci"], "--max-age must be a number of days above 0"),
        (["--max-age", "-1", "--index", "x.nci"], "--max-age must be a number of days above 0"),
        (["--max-age", "nan", "--index", "x.nci"], "--max-age must be a number of days above 0"),
        (["--namespace", "news", "--index", "x.nci"], "--namespace applies with --redis only"),
        (["--namespace", "", "--redis", "redis://localhost/0"], "--namespace must not be empty"),
        (["--lock-timeout", "5", "--redis", "redis://localhost/0"], "--lock-timeout applies with --index only"),
    ],
)
def test_max_age_usage(run, flags: list[str], message: str, tmp_path: Path) -> None:
    done = run("dedup", *flags, input="")
    assert done.returncode == 2 and message in done.stderr.decode()


@pytest.mark.redis
def test_max_age_on_redis(run, redis_url: str) -> None:
    pytest.importorskip("redis")
    from newsclean.index import RedisIndex

    namespace = f"test-{uuid.uuid4().hex[:12]}"
    shared = RedisIndex(redis_url, namespace=namespace)
    try:
        now = time.time()
        shared.add(STORY, id="old", now=now - 10 * DAY)
        shared.add(OTHER, id="recent", now=now - DAY)
        copies = line("a", "HANOI (VNA) — " + STORY) + line("b", "BEIJING (Xinhua) -- " + OTHER)
        done = run("dedup", "--redis", redis_url, "--namespace", namespace, "--max-age", "2", input=copies)
        assert done.returncode == 0, done.stderr
        assert ids_of(done.stdout) == ["a"]
        assert f"Redis index {namespace!r}: forgot 1 document " in done.stderr.decode()
        assert "old" not in shared and "recent" in shared and "a" in shared
    finally:
        shared.clear()
        shared.close()


# -- the index file is left as it was when little changed --------------------------------


def test_a_small_run_leaves_the_file_and_appends_to_the_journal(run, tmp_path: Path) -> None:
    index = tmp_path / "seen.nci"
    first = run("dedup", "--index", str(index), str(editions(tmp_path / "day1.jsonl", 200)))
    assert first.returncode == 0 and index.exists() and not Path(f"{index}.journal").exists()
    before = (index.read_bytes(), index.stat().st_mtime_ns)
    second = run("dedup", "--index", str(index), str(editions(tmp_path / "day2.jsonl", 5, 1000)))
    assert second.returncode == 0 and len(ids_of(second.stdout)) == 5
    assert (index.read_bytes(), index.stat().st_mtime_ns) == before  # (not rewritten)
    assert Path(f"{index}.journal").exists()
    assert "did not finish" not in second.stderr.decode()
    # The next run (and DedupIndex.load) sees them: the same day-2 lines are repeats.
    third = run("dedup", "--index", str(index), str(tmp_path / "day2.jsonl"))
    assert third.returncode == 0 and third.stdout == b"" and "did not finish" not in third.stderr.decode()
    assert {"1000", "1004", "0", "199"} <= {i for i in ("1000", "1004", "0", "199") if i in DedupIndex.load(index)}
    assert "1000" not in DedupIndex.load(index, journal=False)
    # A run that writes a quarter of the file's size or more folds the journal in.
    fourth = run("dedup", "--index", str(index), str(editions(tmp_path / "day3.jsonl", 100, 2000)))
    assert fourth.returncode == 0 and not Path(f"{index}.journal").exists()
    assert "1000" in DedupIndex.load(index, journal=False) and "2099" in DedupIndex.load(index, journal=False)


def test_a_document_removed_in_python_and_saved_stays_removed(run, tmp_path: Path) -> None:
    """save() writes the whole index: the journal a run left beside the file (which the
    loaded index folded in) goes, else the next load folds its documents in again."""
    index = tmp_path / "seen.nci"
    assert run("dedup", "--index", str(index), str(editions(tmp_path / "day1.jsonl", 200))).returncode == 0
    assert run("dedup", "--index", str(index), str(editions(tmp_path / "day2.jsonl", 5, 1000))).returncode == 0
    assert Path(f"{index}.journal").exists()
    loaded = DedupIndex.load(index)
    loaded.remove("1000")
    loaded.expire(DAY, now=loaded.first_seen("1001") + 2 * DAY)  # (forgets every document)
    loaded.add(STORY, id="kept")
    loaded.save(index)
    assert not Path(f"{index}.journal").exists()
    again = DedupIndex.load(index)
    assert "1000" not in again and "1001" not in again and len(again) == 1 and "kept" in again
    # And the command agrees: the removed document's line is new again.
    third = run("dedup", "--index", str(index), str(tmp_path / "day2.jsonl"))
    assert third.returncode == 0 and len(ids_of(third.stdout)) == 5


def test_the_journal_of_a_finished_run_is_not_reported_as_recovered(tmp_path: Path) -> None:
    index = DedupIndex()
    path = tmp_path / "seen.nci"
    index.save(path)
    journal = Journal(path, index.params)
    journal.append(index.fingerprint([STORY]), ["a"], seen=1.0)
    journal.end()
    journal.append(index.fingerprint([OTHER]), ["b"], seen=2.0)
    journal.close()
    replayed = Journal(path, index.params)
    assert replayed.replay(DedupIndex.load(path, journal=False)) == 2 and replayed.unfinished == 1
    quiet = Journal(tmp_path / "none.nci", index.params)
    quiet.end()  # (no journal: nothing to end)
    assert not quiet.path.exists()


# -- Parquet and CSV --------------------------------------------------------------------------


def _stories() -> list[dict[str, str]]:
    root = Path(__file__).resolve().parent.parent
    return [json.loads(x) for x in (root / "examples" / "stories.jsonl").read_text(encoding="utf-8").splitlines()]


def test_parquet_in_and_out(run, tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    stories = _stories()
    table = pa.table(
        {
            "n": pa.array(range(len(stories)), type=pa.int32()),
            "id": [s["id"] for s in stories],
            "article": [{"body": s["text"], "url": s["url"]} for s in stories],
            "text": [s["text"] for s in stories],
        }
    )
    pq.write_table(table, tmp_path / "in.parquet", row_group_size=7)
    expected = run("dedup", "--workers", "1", str(Path(__file__).resolve().parent.parent / "examples/stories.jsonl"))
    kept_ids = ids_of(expected.stdout)
    for field in ("text", "article.body"):
        out = tmp_path / f"kept-{field}.parquet"
        done = run("dedup", str(tmp_path / "in.parquet"), "-o", str(out), "--field", field, "--workers", "2")
        assert done.returncode == 0, done.stderr
        back = pq.read_table(out)
        assert back.schema == table.schema
        assert back.column("id").to_pylist() == kept_ids  # (the same decisions as the JSONL stream, in order)
        assert back.to_pylist() == [r for r in table.to_pylist() if r["id"] in set(kept_ids)]
    marked = tmp_path / "marked.parquet"
    done = run("dedup", str(tmp_path / "in.parquet"), "-o", str(marked), "--mark")
    assert done.returncode == 0, done.stderr
    back = pq.read_table(marked)
    assert back.num_rows == len(stories) and back.schema.names[-3:] == ["duplicate_of", "similarity", "group"]
    rows = back.to_pylist()
    assert [r["id"] for r in rows if r["duplicate_of"] is None] == kept_ids
    assert all(r["group"] == (r["id"] if r["duplicate_of"] is None else r["duplicate_of"]) for r in rows)
    assert all((r["similarity"] is None) == (r["duplicate_of"] is None) for r in rows)


def test_a_bad_row_is_named_and_nothing_before_it_is_lost(run, tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": ["a", "b", "c"], "text": [STORY, None, OTHER]}), tmp_path / "in.parquet")
    out = tmp_path / "out.parquet"
    done = run("dedup", str(tmp_path / "in.parquet"), "-o", str(out))
    assert done.returncode == 1 and f"{tmp_path / 'in.parquet'}: row 2: no text (null)" in done.stderr.decode()
    assert pq.read_table(out).column("id").to_pylist() == ["a"]
    skipped = run("dedup", str(tmp_path / "in.parquet"), "-o", str(out), "--skip-bad-lines")
    assert skipped.returncode == 0 and "row 2: no text (null); skipped" in skipped.stderr.decode()
    assert "2 in, 2 kept, 0 dropped, 1 bad row skipped" in skipped.stderr.decode()
    assert pq.read_table(out).column("id").to_pylist() == ["a", "c"]


def test_parquet_with_view_columns_as_polars_writes_them(run, tmp_path: Path) -> None:
    """string_view columns (polars' newest Arrow): the rows are selected and the schema
    kept; pyarrow has no kernel to select such rows (it was a traceback)."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    ids, texts = ["a", "b", "c"], [STORY, "HANOI (VNA) — " + STORY, OTHER]
    table = pa.table({"id": pa.array(ids, pa.string_view()), "text": pa.array(texts, pa.string_view())})
    pq.write_table(table, tmp_path / "in.parquet")
    for flags, kept in ([], ["a", "c"]), (["--mark"], ids):
        out = tmp_path / "out.parquet"
        done = run("dedup", str(tmp_path / "in.parquet"), "-o", str(out), *flags)
        assert done.returncode == 0, done.stderr
        back = pq.read_table(out)
        assert back.schema.field("text").type == pa.string_view()
        assert back.column("id").to_pylist() == kept


def test_a_missing_id_column_is_refused_where_it_is_named(run, tmp_path: Path) -> None:
    """A table's columns are known: an --id-field that names none is a typo, refused (the
    rows were all named by their text). Without the flag a table without ids is fine."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"url": ["u1"], "text": [STORY]}), tmp_path / "in.parquet")
    (tmp_path / "in.csv").write_text(f'url,text\nu1,"{STORY}"\n', encoding="utf-8")
    for name in ("in.parquet", "in.csv"):
        out = tmp_path / ("out." + name.split(".")[1])
        done = run("dedup", str(tmp_path / name), "-o", str(out), "--id-field", "uri")
        assert (done.returncode, done.stderr.decode()) == (
            1,
            f"newsclean dedup: {tmp_path / name}: no column 'uri' (--id-field)\n",
        )
        assert not out.exists()
        assert run("dedup", str(tmp_path / name), "-o", str(out)).returncode == 0


def test_a_text_column_named_twice_is_refused(run, tmp_path: Path) -> None:
    """Two columns named text: which is meant is not known (Parquet said there was no
    such column; CSV took the first)."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.Table.from_arrays([pa.array(["a"]), pa.array([STORY]), pa.array([OTHER])], names=["id", "text", "text"])
    pq.write_table(table, tmp_path / "in.parquet")
    (tmp_path / "in.csv").write_text(f'id,text,text\na,"{STORY}","{OTHER}"\n', encoding="utf-8")
    for name in ("in.parquet", "in.csv"):
        out = tmp_path / ("out." + name.split(".")[1])
        done = run("dedup", str(tmp_path / name), "-o", str(out))
        expected = f"newsclean dedup: {tmp_path / name}: two columns are named 'text' (--field)\n"
        assert (done.returncode, done.stderr.decode()) == (1, expected)
        assert not out.exists()


def test_a_long_text_in_a_table(run, tmp_path: Path) -> None:
    """A CSV field of 400,000 characters is read (csv's own limit is 131,072: the file
    stopped there, and the rows before it were lost); a text over --max-line-bytes is a
    bad row, in CSV and Parquet, and the rows before it are written."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    long = " ".join(f"word{n}" for n in range(60_000))  # (some 400,000 characters)
    rows = [("a", STORY), ("big", long), ("c", OTHER)]
    source = tmp_path / "in.csv"
    source.write_text("id,text\n" + "".join(f'{i},"{t}"\n' for i, t in rows), encoding="utf-8")
    pq.write_table(pa.table({"id": [i for i, _ in rows], "text": [t for _, t in rows]}), tmp_path / "in.parquet")
    done = run("dedup", str(source), "-o", str(tmp_path / "out.csv"))
    assert done.returncode == 0, done.stderr
    assert [line.split(",")[0] for line in (tmp_path / "out.csv").read_text().splitlines()] == ["id", "a", "big", "c"]
    for name, why in [
        ("in.csv", "row 2 (line 3): a field longer than 100000 characters (--max-line-bytes)"),
        ("in.parquet", "row 2: its text is longer than 100000 bytes (--max-line-bytes)"),
    ]:
        out = tmp_path / ("small." + name.split(".")[1])
        done = run("dedup", str(tmp_path / name), "-o", str(out), "--max-line-bytes", "100000")
        err = done.stderr.decode()
        assert done.returncode == 1 and f"{name}: {why}" in err, err
        kept = (
            [line.split(",")[0] for line in out.read_text().splitlines()][1:]
            if name.endswith("csv")
            else (pq.read_table(out).column("id").to_pylist())
        )
        assert kept == ["a"]


def test_parquet_nan_ids_are_missing_ids(run, tmp_path: Path) -> None:
    """A float id column's NaN is pandas' missing value: each such row is named by its
    text, not all of them \"NaN\" (the second story was an update of the first)."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    nan = float("nan")
    table = pa.table({"id": [nan, nan, 3.0], "text": [STORY, OTHER, "HANOI (VNA) — " + STORY]})
    pq.write_table(table, tmp_path / "in.parquet")
    done = run("dedup", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out.parquet"), "--mark")
    assert done.returncode == 0 and "3 in, 2 kept, 1 marked duplicate" in done.stderr.decode()
    back = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [r["duplicate_of"] for r in back][:2] == [None, None] and back[2]["duplicate_of"].startswith("text:")


def test_csv_in_and_out(run, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        f'id,text,n\na,"{STORY}",1e3\nb,"HANOI (VNA) — {STORY}",007\nc,"{OTHER}",-0.0\n',
        encoding="utf-8",
    )
    done = run("dedup", str(source), "-o", str(tmp_path / "out.csv"), "--mark")
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,text,n,duplicate_of,similarity,group"
    assert lines[1].endswith(",1e3,,,a") and lines[2].endswith(",007,a,1.0,a") and lines[3].endswith(",-0.0,,,c")


@pytest.mark.parametrize("ending", [".gz", ".bz2", ".xz", ".zst"])
def test_a_csv_output_named_compressed_is_compressed(run, tmp_path: Path, ending: str) -> None:
    import bz2
    import gzip
    import lzma

    import zstandard

    source = tmp_path / "in.csv.gz"
    source.write_bytes(gzip.compress(f'id,text\na,"{STORY}"\nb,"HANOI (VNA) — {STORY}"\nc,"{OTHER}"\n'.encode()))
    out = tmp_path / f"kept.csv{ending}"
    done = run("dedup", str(source), "-o", str(out))
    assert done.returncode == 0, done.stderr
    unpack = {
        ".gz": gzip.decompress,
        ".bz2": bz2.decompress,
        ".xz": lzma.decompress,
        ".zst": lambda b: zstandard.ZstdDecompressor().stream_reader(b).read(),
    }[ending]
    rows = list(csv.reader(io.StringIO(unpack(out.read_bytes()).decode())))
    assert rows == [["id", "text"], ["a", STORY], ["c", OTHER]]
    # And it reads back as the input it is.
    again = run("dedup", str(out), "-o", str(tmp_path / "again.csv"))
    assert again.returncode == 0 and (tmp_path / "again.csv").read_text().count("\n") == 3


def test_lines_are_not_written_to_a_name_that_says_compressed(run, tmp_path: Path) -> None:
    for command in (["dedup"], []):
        done = run(*command, "-o", str(tmp_path / "kept.jsonl.gz"), input=line("a", STORY))
        assert done.returncode == 2 and not (tmp_path / "kept.jsonl.gz").exists()
        assert "lines are written uncompressed; name the file without .gz, or pipe stdout through gzip" in (
            done.stderr.decode()
        )


def test_formats_that_do_not_go_together(run, tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,text\n1,x\n", encoding="utf-8")
    for args, message in [
        (["a.csv"], "a CSV input is written with -o FILE.csv"),
        (["a.csv", "-o", "b.parquet"], "a CSV input is written with -o FILE.csv"),
        (["a.csv", "a.csv", "-o", "b.csv"], "read alone"),
        (["-", "-o", "b.parquet"], "JSON lines in, JSON lines out"),
    ]:
        done = run("dedup", *[str(tmp_path / a) if a.endswith(".csv") and a != "-" else a for a in args], input="")
        assert done.returncode == 2 and message in done.stderr.decode(), (args, done.stderr)


def test_parquet_without_pyarrow_says_how_to_install_it(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "blocker").mkdir()
    (tmp_path / "blocker" / "pyarrow.py").write_text("raise ImportError('No module named pyarrow')\n")
    (tmp_path / "in.parquet").write_bytes(b"PAR1")
    done = subprocess.run(
        [sys.executable, "-m", "newsclean", "dedup", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "o.parquet")],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "blocker")},
        timeout=60,
    )
    assert done.returncode == 2
    assert "pip install 'newsclean[parquet]'" in done.stderr.decode() and "Traceback" not in done.stderr.decode()


# -- nested --field -------------------------------------------------------------------------


def test_nested_fields_in_both_commands(run, tmp_path: Path) -> None:
    text = "HANOI (VNA) — Exports rose by a tenth in May, the ministry said.\\nExports rose by a tenth in May, the ministry said."
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"n": 1e3, "meta": {"id": "x1", "v": 1.50}, "article": {"x": 1.50, "body": "' + text + '"}}\n'
        '{"meta": {"id": 7}, "article": {"body": "Exports rose by a tenth in May, the ministry said. -VNA"}}\n'
        '{"meta.v2": {"text": "A key with a dot."}, "article": {"body": "Unrelated words about a harbour and its cranes."}}\n',
        encoding="utf-8",
    )
    cleaned = run("--jsonl", "--field", "article.body", str(source))
    assert cleaned.returncode == 0, cleaned.stderr
    first = cleaned.stdout.decode().splitlines()[0]
    assert first.startswith('{"n": 1e3, "meta": {"id": "x1", "v": 1.50}, "article": {"x": 1.50, "body": "Exports rose')
    assert json.loads(first)["article"]["body"].strip() == "Exports rose by a tenth in May, the ministry said."
    dedup = run("dedup", "--field", "article.body", "--id-field", "meta.id", "--mark", str(source))
    assert dedup.returncode == 0, dedup.stderr
    marks = [(r["duplicate_of"], r["group"]) for r in map(json.loads, dedup.stdout.decode().splitlines())]
    assert marks[:2] == [(None, "x1"), ("x1", "x1")]
    escaped = run("--jsonl", "--field", "meta\\.v2.text", "--skip-bad-lines", str(source))
    assert escaped.returncode == 0 and json.loads(escaped.stdout)["meta.v2"]["text"] == "A key with a dot."
    bad = run("dedup", "--field", "article..body", str(source))
    assert bad.returncode == 2 and "empty key" in bad.stderr.decode()
