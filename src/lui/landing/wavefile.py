"""Reading the wave file fieldwork delivers (CSV, Parquet or SPSS `.sav`) into one Arrow table.

Reading never decides whether the data is good; that is the gate's job (`lui.landing.gate`). It
only refuses what cannot be read at all (missing, empty, truncated, wrong delimiter or
encoding) with a `LuiError`, and brings the columns to the types the wave format promises:

- respondent_id and the text columns as text; weight as a number; interview_date as a date
  (ISO `2024-02-10`, day-first UK `10/02/2024`, or an SPSS / Parquet date);
- imd_quintile and every other column (the questions) as whole numbers (also when stored
  as floats `1.0`, unsigned or small integers, or numeric text);
(the types of `lui.contract.RESPONDENT`).

Missing values are empty whatever the format writes: NaN, an empty cell, `.`. With a wave id,
the file is first mapped onto the wave format (`lui.landing.mapping`): the agency's
variable names, value labels, codes and SPSS user-missing values.

A column that cannot be brought to its type is left as it was read and its offending values
are kept in `WaveFile.type_problems`, so the gate can fail it with examples.

Every format is read in chunks of `CHUNK_ROWS` rows (`open_source`; SPSS through
pyreadstat's `read_file_in_chunks`, Parquet by record batches, CSV by blocks of bytes), so
what is counted (`lui inspect`, the mapping's codes) holds one chunk at a time; only the
wave's final table, in its compact types, is held whole, and only when it fits
`WAVE_MEMORY_BYTES`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lui import contract
from lui.errors import LuiError
from lui.landing.mapping import Mapping, SourceMeta, WaveMapper
from lui.landing.sniff import check_header, check_kind
from lui.paths import CODEBOOK_DIR

FORMATS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".sav": "sav",
    ".zsav": "sav",  # a compressed .sav: the same reader
    ".por": "por",  # an SPSS portable file
}

# The type each wave-file column must have: lui.contract (a question is "integer").
TEXT, NUMBER, INTEGER, DATE = contract.TEXT, contract.NUMBER, contract.INTEGER, contract.DATE
_ARROW = contract.ARROW_TYPES
EXAMPLES = 5

# How a wave is read (docs/landing.md, "What a wave file must meet"): in chunks of
# CHUNK_ROWS rows, so reading, counting and mapping hold one chunk at a time whatever the
# file's length. The gate, the weighting and the one-transaction write then need the wave
# whole, in its compact wave-format types (a question is a 4-byte integer); a wave whose
# compact table would exceed WAVE_MEMORY_BYTES is refused in one line, before that table is
# built. The 1,000,000-respondent benchmark wave (about 560 MiB so counted) lands with a
# peak of 1.55 GB resident, so a wave at the bound stays near 2 GB (bench/large_files.json).
CHUNK_ROWS = 200_000
CSV_CHUNK_BYTES = 8 << 20  # a CSV is read in blocks of bytes (whole lines)
MAX_COLUMNS = 1_000
WAVE_MEMORY_BYTES = 700 << 20
TEXT_BYTES = 24  # what a text value is taken to hold in memory (offset, characters, slack)

Progress = Callable[[float], None]
"""Called with the share (0..1) of the file read so far."""


def _no_progress(_share: float) -> None:
    return None


@dataclass
class TypeProblem:
    """Values of one column that are not of the column's type."""

    column: str
    expected: str
    found: str
    count: int
    examples: list[tuple[str, str]]  # (respondent_id, value)
    hint: str = ""  # what is wrong with the values, when the type alone does not say


@dataclass
class WaveFile:
    path: Path
    format: str
    sha256: str
    table: pa.Table
    type_problems: dict[str, TypeProblem] = field(default_factory=dict)
    mapping: Mapping | None = None

    @property
    def rows(self) -> int:
        return self.table.num_rows

    @property
    def columns(self) -> list[str]:
        return self.table.column_names


def expected_type(column: str) -> str:
    return contract.column_type(column)


def type_name(arrow_type: pa.DataType) -> str:
    """The wave-format name of an Arrow type: text, number, integer, date, ..."""
    if pa.types.is_dictionary(arrow_type):
        return type_name(arrow_type.value_type)
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return TEXT
    if pa.types.is_integer(arrow_type):
        return INTEGER
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return NUMBER
    if pa.types.is_date(arrow_type):
        return DATE
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_null(arrow_type):
        return "empty"
    return str(arrow_type)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Source:
    """A wave file opened for reading in chunks: its format, what it says about its
    variables, its columns and (when its metadata says) its rows."""

    path: Path
    format: str
    meta: SourceMeta
    schema: pa.Schema
    rows: int | None
    read: Callable[[Progress], Iterator[pa.Table]]

    @property
    def columns(self) -> list[str]:
        return self.schema.names

    def chunks(self, progress: Progress | None = None) -> Iterator[pa.Table]:
        """The file's rows, CHUNK_ROWS at a time (at least one chunk, empty for no rows), in
        the schema `schema`; a LuiError when the file cannot be read."""
        empty = True
        for chunk in self.read(progress or _no_progress):
            empty = False
            yield chunk
        if empty:
            yield self.schema.empty_table()


def open_source(path: Path) -> Source:
    """The file opened for reading in chunks; a LuiError when it cannot be read at all."""
    if not path.exists():
        raise LuiError(f"file not found: {path}")
    if not path.is_file():
        raise LuiError(f"not a file: {path}")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LuiError(
            f"cannot tell the format of {path.name}: expected a .csv, .parquet, .sav, .zsav "
            "or .por file"
        )
    if path.stat().st_size == 0:
        raise LuiError(f"file is empty: {path}")
    check_kind(path, fmt)
    opener = {"csv": _open_csv, "parquet": _open_parquet, "sav": _open_spss, "por": _open_spss}
    source = opener[fmt](path, fmt)
    check_columns(path, len(source.columns))
    return source


def read_source(path: Path, progress: Progress | None = None) -> tuple[pa.Table, SourceMeta, str]:
    """The file's table as delivered (its own names and codes), what it says about its
    variables, and its format, read whole; a LuiError when it cannot be read at all."""
    source = open_source(path)
    return pa.concat_tables(source.chunks(progress)), source.meta, source.format


def read_wave_file(
    path: Path | str,
    progress: Progress | None = None,
    *,
    wave_id: str | None = None,
    codebook_dir: Path = CODEBOOK_DIR,
) -> WaveFile:
    """Read a wave file and bring its columns to the wave format's types.

    With `wave_id`, the file is first mapped onto the wave format of that wave (its
    `mapping` says how, and what could not be mapped). The file is read in chunks twice:
    first to count the codes the mapping decides by (each chunk kept on disk in a scratch
    Parquet file, so an SPSS file is decoded once), then to map and type each chunk into
    the wave's compact table. Raises LuiError when the file cannot be read at all, and
    TooLarge (before the table is built) when that table would not fit WAVE_MEMORY_BYTES.
    """
    import pyarrow.parquet as pq

    from lui.landing.mrsets import expand_sets

    path = Path(path)
    progress = progress or _no_progress
    source = open_source(path)
    duplicates = sorted({c for c in source.columns if source.columns.count(c) > 1})
    if duplicates:
        raise LuiError(f"{path.name}: column names repeated: {', '.join(duplicates)}")
    mapper: WaveMapper | None = None
    set_problems: list[str] = []
    rows = 0
    with tempfile.TemporaryDirectory(prefix="lui-wave-") as scratch:
        spill = Path(scratch) / "chunks.parquet"
        writer: Any = None
        try:
            for chunk in source.chunks(lambda share: progress(share * 0.6)):
                if wave_id is not None:
                    chunk, built, problems = expand_sets(chunk, source.meta, wave_id, codebook_dir)
                    set_problems += [p for p in problems if p not in set_problems]
                    if mapper is None:
                        mapper = WaveMapper(
                            chunk.column_names, source.meta, wave_id, codebook_dir, built
                        )
                    mapper.count(chunk)
                if writer is None:
                    writer = pq.ParquetWriter(spill, chunk.schema, compression="lz4")
                writer.write_table(chunk.cast(writer.schema), row_group_size=CHUNK_ROWS)
                rows += chunk.num_rows
        finally:
            if writer is not None:
                writer.close()
        mapping = None
        if mapper is not None:
            mapper.mapping.problems[:0] = set_problems
            mapping = mapper.finish()
        spilled = pq.ParquetFile(spill)
        targets = mapper.targets() if mapper is not None else spilled.schema_arrow.names
        check_memory(path, rows, targets)
        table, problems = _typed_chunks(spilled, mapper, rows, progress)
    progress(1.0)
    return WaveFile(path, source.format, sha256_of(path), table, problems, mapping)


def wave_bytes(rows: int, columns: list[str]) -> int:
    """What the wave's compact table of `rows` rows and these wave-format columns holds."""
    widths = {TEXT: TEXT_BYTES, NUMBER: 8, INTEGER: 4, DATE: 4}
    return rows * sum(widths.get(expected_type(c), 8) + 1 for c in columns)


def check_memory(path: Path, rows: int, columns: list[str]) -> None:
    """Refuse, before it is built, a wave whose compact table would exceed WAVE_MEMORY_BYTES."""
    needed = wave_bytes(rows, columns)
    if needed > WAVE_MEMORY_BYTES:
        raise TooLarge(
            f"{path.name} holds {rows:,} rows of {len(columns):,} "
            f"column{'' if len(columns) == 1 else 's'}: checked and landed "
            f"whole in one transaction they need about {_size(needed)} of memory, "
            f"more than the {_size(WAVE_MEMORY_BYTES)} a wave may take "
            "(is it one wave? deliver one wave per file)"
        )


def _size(count: int) -> str:
    return f"{count / (1 << 30):,.1f} GiB" if count >= 1 << 30 else f"{count / (1 << 20):,.1f} MiB"


def _typed_chunks(
    spilled: Any, mapper: WaveMapper | None, rows: int, progress: Progress
) -> tuple[pa.Table, dict[str, TypeProblem]]:
    """The spilled chunks mapped and typed one at a time, then joined into one table."""
    tables: list[pa.Table] = []
    problems: dict[str, TypeProblem] = {}
    done = 0
    for group in range(spilled.num_row_groups):
        chunk = spilled.read_row_group(group)
        if mapper is not None:
            chunk = mapper.apply(chunk)
        chunk, found = normalise(chunk, first_row=done)
        merge_problems(problems, found)
        tables.append(chunk)
        done += chunk.num_rows
        progress(0.6 + 0.35 * done / max(rows, 1))
    if not tables:  # no rows: the mapped, typed empty table
        empty = spilled.schema_arrow.empty_table()
        tables.append(normalise(mapper.apply(empty) if mapper else empty)[0])
    return join_chunks(tables, problems), problems


def merge_problems(problems: dict[str, TypeProblem], found: dict[str, TypeProblem]) -> None:
    """Add one chunk's type problems to those of the chunks before it."""
    for name, problem in found.items():
        if name not in problems:
            problems[name] = problem
            continue
        known = problems[name]
        known.count += problem.count
        known.examples = (known.examples + problem.examples)[:EXAMPLES]


def join_chunks(tables: list[pa.Table], problems: dict[str, TypeProblem]) -> pa.Table:
    """The typed chunks as one table: a column left as read in some chunk (a type problem)
    takes a type every chunk's values fit, else text."""
    if len(tables) == 1:
        return tables[0]
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = [
            t.cast(
                pa.schema([f.with_type(pa.string()) if f.name in problems else f for f in t.schema])
            )
            for t in tables
        ]
        return pa.concat_tables(text, promote_options="permissive")


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------
class _NulByte(Exception):
    """A NUL byte in CSV text (raised inside Arrow's read, turned into a LuiError after it)."""


class _CountingReader(io.RawIOBase):
    """A binary file that reports how far it has been read, and where a NUL byte is.

    CSV text never holds a NUL (zero) byte; Arrow would read one into a value. The first
    one stops the read: `nul_at` is its byte offset and `nul_line` its line.
    """

    def __init__(self, path: Path, progress: Progress) -> None:
        self._handle = path.open("rb")
        self._size = max(path.stat().st_size, 1)
        self._progress = progress
        self._lines = 1
        self.nul_at: int | None = None
        self.nul_line: int | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        start = self._handle.tell()
        count = self._handle.readinto(buffer)
        block = bytes(memoryview(buffer)[:count]) if count else b""
        nul = block.find(b"\x00")
        if nul >= 0:
            self.nul_at = start + nul
            self.nul_line = self._lines + block.count(b"\n", 0, nul)
            raise _NulByte
        self._lines += block.count(b"\n")
        self._progress(min(self._handle.tell() / self._size, 1.0) * 0.95)
        return count

    def close(self) -> None:
        self._handle.close()
        super().close()


def _csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            header = next(csv.reader(handle), [])
        except UnicodeDecodeError as error:
            raise _not_utf8(path) from error
        except csv.Error as error:
            raise LuiError(f"{path.name}: cannot read the CSV header: {error}") from error
    if not header or all(not name.strip() for name in header):
        raise LuiError(f"{path.name}: the first line is empty; expected the column names")
    check_header(path, header)
    if len(header) == 1:
        for delimiter, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if delimiter in header[0]:
                raise LuiError(
                    f"{path.name} is delimited by {name}, not commas: save it as comma-separated"
                )
    return header


def _not_utf8(path: Path) -> LuiError:
    return LuiError(f"{path.name} is not UTF-8 text (wrong encoding?): save it as UTF-8 CSV")


class TooLarge(LuiError):
    """A wave file beyond a limit: too many columns, or a wave too large to hold."""


def check_columns(path: Path, columns: int) -> None:
    if columns > MAX_COLUMNS:
        raise TooLarge(
            f"{path.name} has {columns:,} columns: a wave file may have at most "
            f"{MAX_COLUMNS:,} (the respondent columns and one per question)"
        )


def _open_csv(path: Path, fmt: str) -> Source:
    header = _csv_header(path)
    schema = pa.schema([(name, pa.string()) for name in header])
    return Source(
        path, fmt, SourceMeta(), schema, None, lambda progress: _csv_chunks(path, schema, progress)
    )


def _csv_chunks(path: Path, schema: pa.Schema, progress: Progress) -> Iterator[pa.Table]:
    import pyarrow.csv as pcsv

    header = schema.names
    read_options = pcsv.ReadOptions(column_names=header, skip_rows=1, block_size=CSV_CHUNK_BYTES)
    convert_options = pcsv.ConvertOptions(
        column_types={name: pa.string() for name in header},
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    source = _CountingReader(path, progress)
    try:
        reader = pcsv.open_csv(
            source,
            read_options=read_options,
            parse_options=pcsv.ParseOptions(delimiter=","),
            convert_options=convert_options,
        )
        for batch in reader:
            yield pa.Table.from_batches([batch], schema=schema)
    except Exception as error:  # a NUL byte stops the read with whatever Arrow makes of it
        if source.nul_at is not None:
            raise LuiError(
                f"{path.name} is not text throughout: it holds a NUL (zero) byte at byte "
                f"{source.nul_at:,} (line {source.nul_line:,}): a damaged file or binary "
                "data; export the wave again as comma-separated UTF-8 text"
            ) from error
        if not isinstance(error, pa.ArrowInvalid):
            raise
        message = str(error)
        if "UTF8" in message or "UTF-8" in message:
            raise _not_utf8(path) from error
        detail = message.splitlines()[0].removeprefix("CSV parse error: ")
        detail = detail if len(detail) <= 100 else detail[:97] + "..."
        raise LuiError(f"{path.name} is not a well-formed CSV file: {detail}") from error
    finally:
        source.close()


# --------------------------------------------------------------------------------------------
# Parquet and SPSS
# --------------------------------------------------------------------------------------------
def _parquet_error(path: Path, error: Exception) -> LuiError:
    detail = str(error).splitlines()[0]
    return LuiError(f"{path.name} is not a readable Parquet file (truncated or corrupt?): {detail}")


def _open_parquet(path: Path, fmt: str) -> Source:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        schema, rows = parquet.schema_arrow, parquet.metadata.num_rows
    except (pa.ArrowException, OSError) as error:
        raise _parquet_error(path, error) from error
    return Source(
        path, fmt, SourceMeta(), schema, rows, lambda progress: _parquet_chunks(path, progress)
    )


def _parquet_chunks(path: Path, progress: Progress) -> Iterator[pa.Table]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        total, done = max(parquet.metadata.num_rows, 1), 0
        for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
            done += batch.num_rows
            progress(min(done / total, 1.0) * 0.95)
            yield pa.Table.from_batches([batch])
    except (pa.ArrowException, OSError) as error:
        raise _parquet_error(path, error) from error


# SPSS stores a date as seconds since 14 October 1582; the formats that say a number is one.
SPSS_EPOCH_TO_UNIX = 12_219_379_200
SPSS_DATE_FORMATS = ("DATETIME", "YMDHMS", "ADATE", "EDATE", "SDATE", "JDATE", "DATE")
_SECONDS_LIMIT = 9e15  # beyond any real date (year ~285 million), within int64


def _spss_reader(fmt: str) -> Callable[..., Any]:
    import pyreadstat

    return pyreadstat.read_por if fmt == "por" else pyreadstat.read_sav


def _spss_options(fmt: str) -> dict[str, Any]:
    """Codes as delivered: no labels applied, dates as numbers (converted per column, so a
    date beyond Python's range in one column cannot stop the file), user-missing values kept
    as their codes (the mapping decides what they mean; a portable file has none)."""
    options: dict[str, Any] = {"apply_value_formats": False, "disable_datetime_conversion": True}
    if fmt == "sav":
        options["user_missing"] = True
    return options


def is_spss_date(spss_format: str | None) -> bool:
    """Whether a variable's SPSS print format (`DATE11`, `ADATE10`, `DATETIME20`) is a date."""
    name = re.sub(r"[0-9.]+$", "", (spss_format or "").upper())
    return name in SPSS_DATE_FORMATS


def spss_dates(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """SPSS date numbers (seconds since 1582-10-14) as timestamps, whatever their year: one
    out of range stays a value the type check names (column and respondent), not a crash."""
    seconds = column.cast(pa.float64())
    seconds = pc.if_else(pc.is_nan(seconds), pa.scalar(None, pa.float64()), seconds)
    seconds = pc.min_element_wise(pc.max_element_wise(seconds, -_SECONDS_LIMIT), _SECONDS_LIMIT)
    unix = pc.subtract(pc.floor(seconds), float(SPSS_EPOCH_TO_UNIX))
    return pc.cast(unix, pa.int64()).cast(pa.timestamp("s"))


def _spss_meta(meta: Any) -> SourceMeta:
    """What an SPSS file says about its variables beyond their values."""
    ranges: dict[str, list[tuple[float, float]]] = {}
    text_missing: dict[str, set[str]] = {}
    for name, declared in (meta.missing_ranges or {}).items():
        for entry in declared:
            lo, hi = (entry["lo"], entry["hi"]) if isinstance(entry, dict) else (entry, entry)
            if isinstance(lo, str) or isinstance(hi, str):
                text_missing.setdefault(name, set()).update({str(lo).strip(), str(hi).strip()})
            else:
                ranges.setdefault(name, []).append((float(lo), float(hi)))
    return SourceMeta(
        value_labels=dict(meta.variable_value_labels or {}),
        missing_ranges=ranges,
        missing_text=text_missing,
        variable_labels={k: v for k, v in (meta.column_names_to_labels or {}).items() if v},
        formats=dict(meta.original_variable_types or {}),
        measures=dict(getattr(meta, "variable_measure", None) or {}),
        mr_sets=dict(getattr(meta, "mr_sets", None) or {}),
    )


def _spss_error(path: Path, fmt: str, error: Exception) -> LuiError:
    what = "SPSS portable .por file" if fmt == "por" else "SPSS .sav file"
    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    return LuiError(f"{path.name} is not a readable {what} (truncated or corrupt?): {detail}")


def _open_spss(path: Path, fmt: str) -> Source:
    """An SPSS file's metadata (read alone, without its rows) and its chunks: numbers as
    float64, text as text, dates (by print format) as timestamps."""
    try:
        _, meta = _spss_reader(fmt)(str(path), metadataonly=True, **_spss_options(fmt))
    except Exception as error:  # pyreadstat raises its own and plain exceptions
        raise _spss_error(path, fmt, error) from error
    source = _spss_meta(meta)
    kinds = meta.readstat_variable_types or {}
    fields = []
    for name in meta.column_names:
        if is_spss_date(source.formats.get(name)):
            fields.append(pa.field(name, pa.timestamp("s")))
        else:
            fields.append(
                pa.field(name, pa.string() if kinds.get(name) == "string" else pa.float64())
            )
    schema = pa.schema(fields)
    rows = meta.number_rows if meta.number_rows and meta.number_rows > 0 else None
    return Source(
        path,
        fmt,
        source,
        schema,
        rows,
        lambda progress: _spss_chunks(path, fmt, schema, rows, progress),
    )


def _spss_chunks(
    path: Path, fmt: str, schema: pa.Schema, rows: int | None, progress: Progress
) -> Iterator[pa.Table]:
    import pyreadstat

    total, done = max(rows or 0, 1), 0
    try:
        for frame, _meta in pyreadstat.read_file_in_chunks(
            _spss_reader(fmt), str(path), chunksize=CHUNK_ROWS, **_spss_options(fmt)
        ):
            done += len(frame)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            del frame
            progress(min(done / total, 1.0) * 0.95)
            yield _spss_typed(table, schema)
    except LuiError:
        raise
    except Exception as error:  # pyreadstat raises its own and plain exceptions
        raise _spss_error(path, fmt, error) from error


def _spss_typed(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """One chunk as read by pyreadstat in the file's schema: dates converted, a column with
    no value in the chunk (read as nulls) of its type."""
    for index, field_ in enumerate(schema):
        column = table.column(index)
        if pa.types.is_timestamp(field_.type):
            column = spss_dates(column) if len(column) else column.cast(field_.type)
        elif column.type != field_.type:
            column = column.cast(field_.type)
        table = table.set_column(index, field_, column)
    return table


# --------------------------------------------------------------------------------------------
# Bringing columns to their types
# --------------------------------------------------------------------------------------------
class _NotConvertible(Exception):
    pass


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_floating(column.type):
        # ids stored as numbers (SPSS): 1001.0 -> "1001"
        whole = pc.equal(pc.floor(column), column)
        if pc.all(pc.or_kleene(whole, pc.is_null(column))).as_py():
            column = column.cast(pa.int64())
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        if type_name(column.type) not in (INTEGER, "empty"):
            raise _NotConvertible
        column = column.cast(_ARROW[TEXT])
    # an empty string is no value (SPSS writes "" for a missing text, some exports ".")
    blank = pc.or_(pc.equal(column, ""), pc.equal(pc.utf8_trim_whitespace(column), "."))
    return pc.if_else(blank, pa.scalar(None, column.type), column)


def _as_number(column: pa.ChunkedArray, whole: bool) -> pa.ChunkedArray:
    kind = type_name(column.type)
    if kind == TEXT:
        column = _as_text(column)
        try:
            column = pc.cast(pc.utf8_trim_whitespace(column), _ARROW[NUMBER])
        except pa.ArrowInvalid as error:
            raise _NotConvertible from error
        kind = NUMBER
    if kind == "empty":
        return column.cast(_ARROW[INTEGER] if whole else _ARROW[NUMBER])
    if kind == INTEGER:
        try:  # unsigned and small integers alike; a code beyond int32 is no code
            return column.cast(_ARROW[INTEGER] if whole else _ARROW[NUMBER])
        except pa.ArrowInvalid as error:
            raise _NotConvertible from error
    if kind != NUMBER:
        raise _NotConvertible
    if not whole:
        return column.cast(_ARROW[NUMBER])
    is_whole = pc.or_kleene(pc.equal(pc.floor(column), column), pc.is_null(column))
    if not pc.all(is_whole).as_py():
        raise _NotConvertible
    try:
        return column.cast(_ARROW[INTEGER])
    except pa.ArrowInvalid as error:  # out of range
        raise _NotConvertible from error


# The dates a wave file may hold as text: ISO (2024-02-10, also with a time) and day-first UK
# (10/02/2024, 10-02-2024, 10.02.2024). A two-digit year is ambiguous, so it is refused.
ISO_DATE = r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})(?:[T ][0-9:.]+Z?)?$"
UK_DATE = r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})$"
SHORT_YEAR = r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2}$"
YEARS = (1900, 2100)  # a fieldwork date outside these years is impossible


def _in_years(column: pa.ChunkedArray) -> pa.ChunkedArray:
    years = pc.year(column)
    return pc.and_kleene(pc.greater_equal(years, YEARS[0]), pc.less_equal(years, YEARS[1]))


def _parse_dates(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Text dates as dates; null where a value is no date (impossible, ambiguous, other)."""
    parts = [pc.extract_regex(text, pattern) for pattern in (ISO_DATE, UK_DATE)]

    def part(name: str) -> pa.ChunkedArray:
        values = pc.coalesce(*(pc.struct_field(p, name) for p in parts))
        return pc.cast(values, pa.int32())

    year, month, day = part("y"), part("m"), part("d")
    iso = pc.binary_join_element_wise(
        pc.cast(year, pa.string()),
        pc.utf8_lpad(pc.cast(month, pa.string()), 2, "0"),
        pc.utf8_lpad(pc.cast(day, pa.string()), 2, "0"),
        "-",
    )
    dates = pc.strptime(iso, format="%Y-%m-%d", unit="s", error_is_null=True).cast(pa.date32())
    # Arrow rolls 2024-02-30 over to 2024-03-01: a real date keeps its day and month
    real = pc.and_kleene(pc.equal(pc.day(dates), day), pc.equal(pc.month(dates), month))
    real = pc.and_kleene(real, _in_years(dates))
    return pc.if_else(real, dates, pa.scalar(None, pa.date32()))


def _date_hint(value: str) -> str:

    if re.match(SHORT_YEAR, value):
        return f"{value!r} has a two-digit year, which is ambiguous: write DD/MM/YYYY or YYYY-MM-DD"
    if re.match(ISO_DATE, value) or re.match(UK_DATE, value):
        return f"{value!r} is no date (no such day, or outside the years {YEARS[0]}-{YEARS[1]})"
    return "dates are read as YYYY-MM-DD or day-first DD/MM/YYYY"


def _as_date(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = type_name(column.type)
    if kind in (DATE, "timestamp"):
        if not pc.all(pc.or_kleene(_in_years(column), pc.is_null(column))).as_py():
            raise _NotConvertible
        if kind == "timestamp":
            column = column.cast(pa.timestamp("s"))
        return column.cast(_ARROW[DATE])
    if kind == "empty":
        return column.cast(_ARROW[DATE])
    if kind != TEXT:
        raise _NotConvertible
    column = pc.utf8_trim_whitespace(_as_text(column))
    dates = _parse_dates(column)
    if dates.null_count != column.null_count:
        raise _NotConvertible
    return dates


def _convert(column: pa.ChunkedArray, expected: str) -> pa.ChunkedArray:
    if expected == TEXT:
        return _as_text(column)
    if expected == DATE:
        return _as_date(column)
    return _as_number(column, whole=expected == INTEGER)


def _bad_values(
    table: pa.Table, name: str, expected: str, first_row: int = 0
) -> tuple[int, list[tuple[str, str]]]:
    """Count and examples of the values of `name` that are not of type `expected`
    (`first_row`: the rows of the file before this table, for the row numbers)."""
    import pandas as pd

    column = table.column(name)
    kind = type_name(column.type)
    if kind in (DATE, "timestamp"):  # years beyond pandas' range: checked in Arrow
        bad_dates = pc.invert(pc.or_kleene(_in_years(column), pc.is_null(column)))
        column = column.cast(pa.string())
        values = column.to_pandas()
        present = values.notna()
        bad = pd.Series(bad_dates.to_numpy(zero_copy_only=False), index=values.index)
    else:
        values = column.to_pandas()
        present = values.notna()
        bad = pd.Series(True, index=values.index)
    if kind in (DATE, "timestamp"):
        pass
    elif kind == TEXT:
        text = values.astype("string").str.strip()
        present &= ~text.fillna("").isin(["", "."])
        if expected == DATE:
            parsed = _parse_dates(pa.chunked_array([pa.array(text, pa.string())]))
            bad = pd.Series(parsed.is_null().to_numpy(zero_copy_only=False), index=values.index)
        elif expected in (NUMBER, INTEGER):
            number = pd.to_numeric(text, errors="coerce")
            bad = number.isna() | ((number % 1 != 0) if expected == INTEGER else False)
        else:
            bad = pd.Series(False, index=values.index)
    elif kind == NUMBER and expected == INTEGER:
        number = values.astype("float64")
        present &= ~np.isnan(number)
        bad = (number % 1 != 0) | (number.abs() > 2**31 - 1)
    elif kind == INTEGER and expected == INTEGER:
        bad = (values > 2**31 - 1) | (values < -(2**31))
    rows = np.flatnonzero((present & bad).to_numpy(dtype=bool))
    ids = (
        table.column("respondent_id").to_pandas()
        if "respondent_id" in table.column_names and name != "respondent_id"
        else None
    )
    examples = [
        (
            str(ids.iloc[i]) if ids is not None else f"row {first_row + i + 1}",
            str(values.iloc[i]),
        )
        for i in rows[:EXAMPLES]
    ]
    return len(rows), examples


def normalise(table: pa.Table, first_row: int = 0) -> tuple[pa.Table, dict[str, TypeProblem]]:
    """Bring every column to its wave-format type; report the columns that will not go
    (`first_row`: the rows of the file before this table, when it is one chunk of it)."""
    problems: dict[str, TypeProblem] = {}
    # respondent_id first, so the examples of the other columns can name respondents
    order = sorted(range(table.num_columns), key=lambda i: table.column_names[i] != "respondent_id")
    for index in order:
        name = table.column_names[index]
        expected = expected_type(name)
        column = table.column(index)
        try:
            if pa.types.is_floating(column.type):  # NaN is a missing value, not a number
                column = pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
                table = table.set_column(index, pa.field(name, column.type), column)
            if column.null_count == len(column):  # nothing in it (or no rows): any type will do
                column = pa.chunked_array([pa.nulls(len(column))])
            converted = _convert(column, expected)
        except _NotConvertible:
            count, examples = _bad_values(table, name, expected, first_row)
            found = type_name(table.column(index).type)
            hint = ""
            if found == expected == INTEGER:
                found = "integer out of range"
            elif expected == DATE and found in (DATE, "timestamp"):
                found = "impossible date"
            if expected == DATE and examples:
                hint = _date_hint(examples[0][1])
            problems[name] = TypeProblem(name, expected, found, count, examples, hint)
            continue
        table = table.set_column(index, pa.field(name, converted.type), converted)
    return table, problems
