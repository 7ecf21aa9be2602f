"""Tables in and out (src/newsclean/_tables.py): Parquet keeps every column and its types,
CSV every field's text; rows stay in order; bad rows are named by number."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from newsclean import InputError, OptionsError
from newsclean._fieldpath import field_path, get_path, show_path
from newsclean._tables import TableReader, TableWriter, doc_id, table_format

pa = pytest.importorskip("pyarrow", reason="pip install 'newsclean[parquet]'")
import pyarrow.parquet as pq  # noqa: E402


def _table() -> pa.Table:
    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("text", pa.string()),
            ("when", pa.timestamp("ms", tz="UTC")),
            ("tags", pa.list_(pa.string())),
            ("article", pa.struct([("title", pa.string()), ("body", pa.large_string())])),
            ("score", pa.float32()),
        ],
        metadata={b"origin": b"test"},
    )
    return pa.table(
        {
            "id": [1, 2, 3, 4],
            "text": ["One.", None, "Three.", "Four."],
            "when": [0, 1000, 2000, 3000],
            "tags": [["a"], [], None, ["b", "c"]],
            "article": [
                {"title": "t1", "body": "Body one."},
                {"title": "t2", "body": "Body two."},
                {"title": "t3", "body": None},
                None,
            ],
            "score": [0.5, 1.5, None, 2.5],
        },
        schema=schema,
    )


def _write(path: Path, table: pa.Table) -> Path:
    pq.write_table(table, path, row_group_size=2)
    return path


def test_format_from_the_name() -> None:
    assert [table_format(n) for n in ("a.parquet", "b.pq", "c.csv", "d.csv.zst", "e.jsonl", "f.jsonl.gz", "csv")] == [
        "parquet",
        "parquet",
        "csv",
        "csv",
        None,
        None,
        None,
    ]


def test_parquet_rows_in_order_with_bad_rows_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "in.parquet", _table())
    with TableReader(str(path), "parquet", "text", "id", mark=False, batch_rows=3) as reader:
        batches = list(reader.batches())
        assert [b.start for b in batches] == [0, 3]
        assert [t for b in batches for t in b.texts] == ["One.", None, "Three.", "Four."]
        assert [i for b in batches for i in b.ids] == ["1", "", "3", "4"]
        assert batches[0].bad == [None, "no text (null)", None]
        assert reader.where(batches[0], 1) == f"{path}: row 2"


def test_parquet_out_keeps_every_column_and_type(tmp_path: Path) -> None:
    source = _table()
    path = _write(tmp_path / "in.parquet", source)
    out = tmp_path / "out.parquet"
    with TableReader(str(path), "parquet", "text", "id", mark=False, batch_rows=3) as reader:
        writer = TableWriter(str(out), reader, mark=False)
        for batch in reader.batches():
            writer.write(batch, [(batch.start + k) % 2 == 0 for k in range(len(batch.texts))], [])
        writer.commit()
    back = pq.read_table(out)
    assert back.schema == source.schema and back.schema.metadata == source.schema.metadata
    assert back.to_pylist() == [source.slice(0, 1).to_pylist()[0], source.slice(2, 1).to_pylist()[0]]
    assert not list(tmp_path.glob(".out.parquet.*"))  # (no temporary file left)


def test_parquet_mark_adds_typed_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "in.parquet", _table())
    out = tmp_path / "out.parquet"
    with TableReader(str(path), "parquet", "text", "id", mark=True) as reader:
        writer = TableWriter(str(out), reader, mark=True)
        for batch in reader.batches():
            marks = [(None, None, "1"), (None, None, None), ("1", 0.75, "1"), (None, None, "4")]
            writer.write(batch, [True] * 4, marks)
        writer.commit()
    back = pq.read_table(out)
    assert back.schema.names[-3:] == ["duplicate_of", "similarity", "group"]
    assert [str(back.schema.field(n).type) for n in ("duplicate_of", "similarity", "group")] == [
        "string",
        "double",
        "string",
    ]
    assert back.column("similarity").to_pylist() == [None, None, 0.75, None]
    assert back.column("id").to_pylist() == [1, 2, 3, 4] and back.schema.field("id").type == pa.int64()


def test_mark_refuses_a_table_with_its_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "in.parquet", _table().append_column("group", pa.array(["g"] * 4)))
    with pytest.raises(InputError, match="already has a column 'group'"):
        TableReader(str(path), "parquet", "text", "id", mark=True)


def test_a_nested_field(tmp_path: Path) -> None:
    path = _write(tmp_path / "in.parquet", _table())
    with TableReader(str(path), "parquet", "article.body", "id", mark=False) as reader:
        (batch,) = reader.batches()
    assert batch.texts == ["Body one.", "Body two.", None, None]


def test_a_dictionary_encoded_text_column(tmp_path: Path) -> None:
    table = pa.table({"id": [1, 2], "text": pa.array(["One.", "One."]).dictionary_encode()})
    path = _write(tmp_path / "in.parquet", table)
    out = tmp_path / "out.parquet"
    with TableReader(str(path), "parquet", "text", "id", mark=False) as reader:
        writer = TableWriter(str(out), reader, mark=False)
        (batch,) = reader.batches()
        assert batch.texts == ["One.", "One."]
        writer.write(batch, [True, False], [])
        writer.commit()
    back = pq.read_table(out)
    assert back.column("text").to_pylist() == ["One."] and pa.types.is_dictionary(back.schema.field("text").type)


def test_a_field_that_is_missing_or_not_text(tmp_path: Path) -> None:
    path = _write(tmp_path / "in.parquet", _table())
    with pytest.raises(OptionsError, match="no column 'article.lead'"):
        TableReader(str(path), "parquet", "article.lead", "id", mark=False)
    with pytest.raises(InputError, match="'score' holds float, not text"):
        TableReader(str(path), "parquet", "score", "id", mark=False)


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    path.write_bytes(b'{"id": 1, "text": "not parquet"}\n')
    with pytest.raises(InputError, match="x.parquet: not a readable Parquet file"):
        TableReader(str(path), "parquet", "text", "id", mark=False)


def test_an_id_less_table_is_named_by_text(tmp_path: Path) -> None:
    path = _write(tmp_path / "in.parquet", _table().drop_columns(["id"]))
    with TableReader(str(path), "parquet", "text", "id", mark=False) as reader:
        (batch,) = reader.batches()
    assert batch.ids[0] == doc_id(None, "One.") and batch.ids[0].startswith("text:")


# -- CSV ----------------------------------------------------------------------------------

CSV = 'id,text,n\r\n1,"One, with a comma.",1e3\r\n2,"Two\nlines.",007\r\n3,Three.\r\n4,"Four ""quoted"".",-0.0\r\n'


@pytest.mark.parametrize("compressed", [False, True])
def test_csv_keeps_each_fields_text(tmp_path: Path, compressed: bool) -> None:
    path = tmp_path / ("in.csv.gz" if compressed else "in.csv")
    data = ("\ufeff" + CSV).encode()
    path.write_bytes(gzip.compress(data) if compressed else data)
    out = tmp_path / "out.csv"
    with TableReader(str(path), table_format(path.name) or "", "text", "id", mark=True, batch_rows=2) as reader:
        writer = TableWriter(str(out), reader, mark=True)
        got = []
        for batch in reader.batches():
            got.append(batch)
            marks = [(None, None, i) if i else (None, None, None) for i in batch.ids]
            writer.write(batch, [t is not None for t in batch.texts], marks)
        writer.commit()
    texts = [t for b in got for t in b.texts]
    assert texts == ["One, with a comma.", "Two\nlines.", None, 'Four "quoted".']
    assert got[1].bad == ["line 5: 2 fields where the header has 3", None]
    assert out.read_text(encoding="utf-8") == (
        "id,text,n,duplicate_of,similarity,group\n"
        '1,"One, with a comma.",1e3,,,1\n'
        '2,"Two\nlines.",007,,,2\n'
        '4,"Four ""quoted"".",-0.0,,,4\n'
    )


def test_csv_rows_before_a_row_csv_refuses_are_given(tmp_path: Path) -> None:
    """csv's own refusal (here its field limit, as without --max-line-bytes in a program
    that lowered it) stops the file after the rows before it are given, not instead."""
    import csv

    path = tmp_path / "in.csv"
    path.write_text('id,text\n1,"One."\n2,"' + "x" * 2000 + '"\n3,"Three."\n', encoding="utf-8")
    before = csv.field_size_limit(1000)
    try:
        with TableReader(str(path), "csv", "text", "id", mark=False) as reader:
            got = []
            with pytest.raises(InputError, match=r"row 2 \(line 3\): not CSV \(field larger than field limit"):
                for batch in reader.batches():
                    got.append(batch)
    finally:
        csv.field_size_limit(before)
    assert [t for b in got for t in b.texts] == ["One."]


def test_csv_without_the_column(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,body\n1,x\n", encoding="utf-8")
    with pytest.raises(OptionsError, match="no column 'text'"):
        TableReader(str(path), "csv", "text", "id", mark=False)


def test_csv_invalid_utf8_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"id,text\n1,ok\n2,caf\xe9\n")
    with TableReader(str(path), "csv", "text", "id", mark=False) as reader:
        with pytest.raises(InputError, match=r"in\.csv: invalid UTF-8 at byte 18"):
            list(reader.batches())


def test_a_discarded_output_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = _write(tmp_path / "in.parquet", _table())
    out = tmp_path / "out.parquet"
    out.write_bytes(b"before")
    with TableReader(str(path), "parquet", "text", "id", mark=False) as reader:
        writer = TableWriter(str(out), reader, mark=False)
        (batch,) = reader.batches()
        writer.write(batch, [True] * 4, [])
        writer.discard()
    assert out.read_bytes() == b"before" and not list(tmp_path.glob(".out.parquet.*"))


def test_without_pyarrow_the_message_gives_the_pip_command(tmp_path: Path) -> None:
    path = _write(tmp_path / "in.parquet", _table())
    code = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "from newsclean._tables import TableReader, ExtraMissing\n"
        "try:\n"
        f"    TableReader({str(path)!r}, 'parquet', 'text', 'id', mark=False)\n"
        "except ExtraMissing as err:\n"
        "    print(err)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'newsclean[parquet]'" in done.stdout


def test_field_paths() -> None:
    assert field_path("a.b.c") == ("a", "b", "c")
    assert field_path(r"a\.b.c") == ("a.b", "c")
    for path in [("a.b", "c\\d"), ("x",), ("é", "ü.v")]:
        assert field_path(show_path(path)) == path
    for bad in ["", "a.", ".a", "a..b", r"a\b"]:
        with pytest.raises(OptionsError):
            field_path(bad)
    assert get_path({"a": {"b.c": 1}}, field_path(r"a.b\.c")) == 1
    assert get_path({"a": [1]}, ("a", "0")) is None
