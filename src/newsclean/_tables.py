"""Tables in and out: Parquet (with the ``parquet`` extra, pyarrow) and CSV, for
``newsclean dedup in.parquet -o kept.parquet``.

The format comes from the file name (``.parquet``/``.pq``; ``.csv``, compressed or not). A
table is read in batches of rows and written in the same order: the rows kept (or, with
``--mark``, every row, with ``duplicate_of``, ``similarity`` and ``group`` columns added),
every other column as it was. Parquet keeps each column's type and the schema's metadata;
CSV keeps each field's text (written back with minimal quoting and ``\\n`` line ends). A
row whose text is missing (null, or a CSV row of another width) is a bad row, reported
with its number. pyarrow is imported here only, when a Parquet file is opened.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from typing import IO, Any

from ._errors import InputError, OptionsError
from ._fieldpath import field_path, show_path
from ._similarity.hashing import text_digest

MARK_COLUMNS = ("duplicate_of", "similarity", "group")
PARQUET_EXTRA = "pip install 'newsclean[parquet]'"


class ExtraMissing(ImportError):
    """An optional dependency a format needs is not installed (the message says how)."""


#: The compressions newsclean reads and writes, by the name ending of their files (an input
#: is recognised by its first bytes, but an output's compression, a CSV table's, comes from
#: its name), each with its name: that of its command-line tool.
COMPRESSIONS = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd"}


def compressed_ending(name: str) -> str | None:
    """The compression ending of a file name (lower case), ``None`` for none.

    >>> compressed_ending("kept.csv.GZ"), compressed_ending("kept.csv")
    ('.gz', None)
    """
    lower = name.lower()
    return next((e for e in COMPRESSIONS if lower.endswith(e)), None)


def uncompressed_lines(name: str) -> str | None:
    """What is wrong with writing lines (JSON lines, text) to ``name``: they are written
    uncompressed, which a compressed file's name would belie; ``None`` if nothing.

    >>> uncompressed_lines("kept.jsonl.gz")
    '-o kept.jsonl.gz: lines are written uncompressed; name the file without .gz, or pipe stdout through gzip'
    """
    ending = compressed_ending(name)
    if ending is None:
        return None
    return (
        f"-o {name}: lines are written uncompressed; name the file without {ending}, "
        f"or pipe stdout through {COMPRESSIONS[ending]}"
    )


def table_format(name: str) -> str | None:
    """``"parquet"`` or ``"csv"`` by the file name's ending, ``None`` for anything else
    (JSON lines).

    >>> table_format("crawl.parquet"), table_format("x.PQ"), table_format("a.csv.gz"), table_format("a.jsonl")
    ('parquet', 'parquet', 'csv', None)
    """
    lower = name.lower()
    ending = compressed_ending(lower)
    if ending is not None and lower[: -len(ending)].endswith(".csv"):
        return "csv"
    if lower.endswith((".parquet", ".pq")):
        return "parquet"
    if lower.endswith(".csv"):
        return "csv"
    return None


def pyarrow() -> Any:
    """The ``pyarrow`` module (with ``pyarrow.parquet`` loaded), or ``ExtraMissing``."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError as err:
        raise ExtraMissing(f"Parquet needs pyarrow ({err}): {PARQUET_EXTRA}") from None
    return pyarrow


def doc_id(value: Any, text: str) -> str:
    """A row's id: its id field as text, or, when it has none, a name made of its text
    (as ``newsclean dedup`` names an id-less JSON line).

    A float NaN is a missing value (as pandas and a Parquet column of floats write one):
    a row with it is named by its text too, never ``"NaN"`` shared by all of them.

    >>> doc_id("a1", "x"), doc_id(7, "x"), doc_id(None, "x")[:5], doc_id(float("nan"), "x") == doc_id(None, "x")
    ('a1', '7', 'text:', True)
    """
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return "text:" + text_digest(text)
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


@dataclasses.dataclass
class TableBatch:
    """Rows read together: ``start`` is the 0-based number of the first; ``texts[i]`` is
    row ``start + i``'s text (``None`` when the row is bad, ``bad[i]`` saying why) and
    ``ids[i]`` its id; ``data`` the rows as read (a ``pyarrow.RecordBatch``, or CSV rows)."""

    start: int
    data: Any
    texts: list[str | None]
    ids: list[str]
    bad: list[str | None]


class TableReader:
    """A Parquet or CSV file, read in batches of rows (``batches``)."""

    def __init__(
        self,
        name: str,
        fmt: str,
        field: str,
        id_field: str,
        mark: bool,
        batch_rows: int = 4096,
        max_text_bytes: int | None = None,
    ) -> None:
        """``id_field``: the id column; a file without it names its rows by their text,
        unless it is named otherwise than the default ``"id"`` (a typo: refused).
        ``max_text_bytes``: a row whose text is longer in UTF-8 is bad (``--max-line-bytes``)."""
        self.name, self.format, self.batch_rows = name, fmt, batch_rows
        self.field, self.id_field, self.max_text_bytes = field, id_field, max_text_bytes
        self._stack = ExitStack()
        self.columns: list[str] = []
        self.schema: Any = None
        if fmt == "parquet":
            self._open_parquet(field_path(field), field_path(id_field))
        else:
            self._open_csv()
        if mark:
            taken = [c for c in MARK_COLUMNS if c in self.columns]
            if taken:
                raise InputError(f"{name}: already has a column {taken[0]!r}, which --mark would overwrite")

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- Parquet --------------------------------------------------------------------------

    def _open_parquet(self, path: tuple[str, ...], id_path: tuple[str, ...]) -> None:
        pa = pyarrow()
        try:
            self._file = pa.parquet.ParquetFile(self._stack.enter_context(open(self.name, "rb")))
        except (pa.ArrowInvalid, pa.ArrowException) as err:
            raise InputError(f"{self.name}: not a readable Parquet file ({err})") from None
        self.schema = self._file.schema_arrow
        self.columns = list(self.schema.names)
        self._refuse_twice_named(path[0] if path else "", id_path[0] if id_path else "")
        kind = _path_type(self.schema, path)
        if kind is None:
            raise OptionsError(f"{self.name}: no column {show_path(path)!r} (--field)")
        text = kind.value_type if pa.types.is_dictionary(kind) else kind  # (a dictionary-encoded column: its values)
        if not (pa.types.is_string(text) or pa.types.is_large_string(text) or str(text) == "string_view"):
            raise InputError(f"{self.name}: the column {show_path(path)!r} holds {kind}, not text (--field)")
        self._path = path
        self._id_path = id_path if _path_type(self.schema, id_path) is not None else None
        if self._id_path is None and self.id_field != "id":
            raise OptionsError(f"{self.name}: no column {show_path(id_path)!r} (--id-field)")

    def _refuse_twice_named(self, field: str, id_field: str) -> None:
        """A text or id column (its top-level name) that two columns have is refused: which
        one is meant is not known (a JSON line with a key twice is a bad line, likewise)."""
        for name, flag in ((field, "--field"), (id_field, "--id-field")):
            if self.columns.count(name) > 1:
                raise InputError(f"{self.name}: two columns are named {name!r} ({flag})")

    def _parquet_batches(self) -> Iterator[TableBatch]:
        pa = pyarrow()
        start = 0
        try:
            for batch in self._file.iter_batches(batch_size=self.batch_rows):
                texts = _column(batch, self._path).to_pylist()
                ids_in = _column(batch, self._id_path).to_pylist() if self._id_path else [None] * len(texts)
                yield self._batch(start, batch, texts, ids_in)
                start += batch.num_rows
        except (pa.ArrowInvalid, pa.ArrowException, OSError) as err:
            if isinstance(err, OSError) and not isinstance(err, pa.ArrowException):
                raise
            raise InputError(f"{self.name}: not a readable Parquet file after row {start} ({err})") from None

    # -- CSV ------------------------------------------------------------------------------

    def _open_csv(self) -> None:
        from ._cli.common import open_input

        raw = self._stack.enter_context(open_input(self.name))
        if self.max_text_bytes is not None:
            # A field is held whole: no longer than --max-line-bytes allows a text (csv's own
            # limit, 131,072 characters, stopped a file at its first long article). The limit
            # is the csv module's, for the process: set while this file is read.
            self._stack.callback(csv.field_size_limit, csv.field_size_limit(self.max_text_bytes))
        self._rows = csv.reader(_decoded_lines(raw, self.name))
        try:
            self.columns = next(self._rows)
        except StopIteration:
            raise InputError(f"{self.name}: an empty CSV file (no header row)") from None
        except csv.Error as err:
            raise InputError(f"{self.name}: line 1: not a CSV header ({err})") from None
        if self.field not in self.columns:
            raise OptionsError(f"{self.name}: no column {self.field!r} (--field; a CSV column is named whole)")
        self._refuse_twice_named(self.field, self.id_field)
        self._at = self.columns.index(self.field)
        self._id_at = self.columns.index(self.id_field) if self.id_field in self.columns else None
        if self._id_at is None and self.id_field != "id":
            raise OptionsError(f"{self.name}: no column {self.id_field!r} (--id-field)")

    def _csv_batches(self) -> Iterator[TableBatch]:
        start = 0
        rows: list[list[str]] = []
        lines: list[int] = []
        while True:
            try:
                row = next(self._rows, None)
            except csv.Error as err:
                where = f"{self.name}: row {start + len(rows) + 1} (line {self._rows.line_num})"
                if self.max_text_bytes is not None and "field larger than field limit" in str(err):
                    why = f"a field longer than {self.max_text_bytes} characters (--max-line-bytes)"
                else:
                    why = f"not CSV ({err})"
                error = InputError(f"{where}: {why}")
                if rows:  # (the good rows before it are still decided and written)
                    yield self._csv_batch(start, rows, lines)
                raise error from None
            if row is not None:
                rows.append(row)
                lines.append(self._rows.line_num)
            if rows and (row is None or len(rows) >= self.batch_rows):
                yield self._csv_batch(start, rows, lines)
                start += len(rows)
                rows, lines = [], []
            if row is None:
                return

    def _csv_batch(self, start: int, rows: list[list[str]], lines: list[int]) -> TableBatch:
        width = len(self.columns)
        texts: list[str | None] = [r[self._at] if len(r) == width else None for r in rows]
        ids_in = [r[self._id_at] if self._id_at is not None and len(r) == width else None for r in rows]
        batch = self._batch(start, rows, texts, ids_in)
        for k, r in enumerate(rows):
            if len(r) != width:
                batch.bad[k] = f"line {lines[k]}: {len(r)} fields where the header has {width}"
        return batch

    # -- both -----------------------------------------------------------------------------

    def batches(self) -> Iterator[TableBatch]:
        """The table's rows, in batches, in order."""
        return self._parquet_batches() if self.format == "parquet" else self._csv_batches()

    def _batch(self, start: int, data: Any, texts: list[Any], ids_in: Sequence[Any]) -> TableBatch:
        bad: list[str | None] = [None if isinstance(t, str) else "no text (null)" for t in texts]
        limit = self.max_text_bytes
        if limit is not None:
            for k, t in enumerate(texts):
                # (a character is 1 to 4 bytes: only a text that may be over is encoded)
                if isinstance(t, str) and len(t) > limit // 4 and len(t.encode("utf-8", "surrogatepass")) > limit:
                    bad[k], texts[k] = f"its text is longer than {limit} bytes (--max-line-bytes)", None
        good: list[str | None] = [t if isinstance(t, str) else None for t in texts]
        ids = [doc_id(i, t) if t is not None else "" for i, t in zip(ids_in, good)]
        return TableBatch(start, data, good, ids, bad)

    def where(self, batch: TableBatch, k: int) -> str:
        """Where row ``k`` of ``batch`` is, for a message: ``NAME: row N``."""
        return f"{self.name}: row {batch.start + k + 1}"


def _decoded_lines(stream: IO[bytes], name: str) -> Iterator[str]:
    """The lines of a byte stream as text, each line decoded alone so that invalid UTF-8
    is a ``DecodeError`` naming its byte; a leading BOM is skipped."""
    from ._cli.common import decode

    offset = 0
    for n, line in enumerate(stream):
        if n == 0 and line.startswith(b"\xef\xbb\xbf"):
            line, offset = line[3:], 3
        yield decode(line, name, base=offset)
        offset += len(line)


def _path_type(schema: Any, path: tuple[str, ...] | None) -> Any:
    """The type of the (nested) column at ``path``, or ``None`` if there is none."""
    if not path:
        return None
    pa = pyarrow()
    index = schema.get_field_index(path[0])
    if index < 0:
        return None
    kind = schema.field(index).type
    for key in path[1:]:
        if not pa.types.is_struct(kind) or kind.get_field_index(key) < 0:
            return None
        kind = kind.field(kind.get_field_index(key)).type
    return kind


def _column(batch: Any, path: tuple[str, ...]) -> Any:
    import pyarrow.compute as pc

    column = batch.column(batch.schema.get_field_index(path[0]))
    for key in path[1:]:
        column = pc.struct_field(column, key)
    return column


# Arrow types whose rows cannot be selected (no "take" kernel in pyarrow up to 26 at
# least), and what they are selected as, then cast back.
_SELECTED_AS = {"string_view": "large_string", "binary_view": "large_binary"}


def _filtered(batch: Any, mask: Any) -> Any:
    """``batch.filter(mask)``, for every column type the reader accepts (a ``string_view``
    column, as polars writes, is selected as a ``large_string`` one)."""
    pa = pyarrow()
    try:
        return batch.filter(mask)
    except pa.ArrowNotImplementedError:
        pass
    columns = []
    for column in batch.columns:
        wide = _SELECTED_AS.get(str(column.type))
        columns.append(column.cast(wide).filter(mask).cast(column.type) if wide else column.filter(mask))
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


class TableWriter:
    """The output table, written under a temporary name beside ``name`` and renamed over
    it by ``commit`` (``discard`` leaves ``name`` as it was: ``_atomic.Replacement``)."""

    def __init__(self, name: str, reader: TableReader, mark: bool) -> None:
        from ._atomic import Replacement

        self.name, self.format, self.mark = name, reader.format, mark
        self._target = Replacement(name)
        self._file: IO[Any] = self._target.file
        self._writer: Any = None
        self._csv: Any = None
        self._packed: Any = None  # (a CSV named .gz and the like: its compressor, a binary file)
        try:
            if self.format == "parquet":
                pa = pyarrow()
                schema = reader.schema
                if mark:
                    schema = (
                        schema.append(pa.field("duplicate_of", pa.string()))
                        .append(pa.field("similarity", pa.float64()))
                        .append(pa.field("group", pa.string()))
                    )
                self._writer = pa.parquet.ParquetWriter(self._file, schema)
            else:
                self._packed = _compressor(compressed_ending(name), self._file)
                self._text = io.TextIOWrapper(self._packed or self._file, encoding="utf-8", newline="")
                self._csv = csv.writer(self._text, lineterminator="\n")
                self._csv.writerow(reader.columns + (list(MARK_COLUMNS) if mark else []))
        except BaseException:
            self.discard()
            raise

    def write(
        self, batch: TableBatch, take: Sequence[bool], marks: Sequence[tuple[str | None, float | None, str | None]]
    ) -> None:
        """Write the rows of ``batch`` where ``take`` is true, in order; with ``--mark``,
        ``marks`` gives each row's ``(duplicate_of, similarity, group)``."""
        if self.format == "parquet":
            pa = pyarrow()
            rows = _filtered(batch.data, pa.array(list(take), type=pa.bool_()))
            if self.mark:
                kept = [m for m, t in zip(marks, take) if t]
                rows = pa.RecordBatch.from_arrays(
                    [
                        *rows.columns,
                        pa.array([m[0] for m in kept], type=pa.string()),
                        pa.array([m[1] for m in kept], type=pa.float64()),
                        pa.array([m[2] for m in kept], type=pa.string()),
                    ],
                    schema=self._writer.schema,
                )
            if rows.num_rows:
                self._writer.write_batch(rows)
            return
        for k, row in enumerate(batch.data):
            if take[k]:
                if self.mark:
                    dup, sim, group = marks[k]
                    row = [*row, dup or "", "" if sim is None else repr(round(sim, 6)), group or ""]
                self._csv.writerow(row)

    def commit(self) -> None:
        """Finish the file, ``fsync`` it, and rename it over ``name``."""
        if self._writer is not None:
            self._writer.close()
        if self._csv is not None:
            self._text.flush()
        if self._packed is not None:
            self._packed.close()  # (its end: the file itself stays open)
        self._target.commit()

    def discard(self) -> None:
        """Remove what was written; ``name`` stays as it was."""
        try:
            if self._writer is not None:
                self._writer.close()
            if self._packed is not None:
                self._packed.close()
        except Exception:  # noqa: BLE001  (closing a half-written file: the file goes anyway)
            pass
        self._target.discard()


def _compressor(ending: str | None, file: IO[bytes]) -> Any:
    """A writer that compresses into ``file`` as a file name ending in ``ending`` says
    (``None`` for no ending); closing it ends the compressed stream, not ``file``."""
    if ending is None:
        return None
    if ending == ".gz":
        import gzip

        return gzip.GzipFile(fileobj=file, mode="wb", mtime=0)  # (mtime 0: the same bytes every run)
    if ending == ".bz2":
        import bz2

        return bz2.BZ2File(file, "wb")
    if ending == ".xz":
        import lzma

        return lzma.LZMAFile(file, "wb")
    try:
        import zstandard
    except ImportError:
        raise ExtraMissing("a .zst output needs the zstandard module: pip install zstandard") from None
    return zstandard.ZstdCompressor().stream_writer(file, closefd=False)
