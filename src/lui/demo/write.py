"""Write a demo wave's Arrow chunks to a file: csv, parquet (streamed) or SPSS .sav.

A file is written beside its destination as `<name>.partial` and renamed into place when
complete, so a failed or interrupted write never leaves a half file under the real name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from lui import codebook
from lui.errors import LuiError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".sav": "sav"}


def file_format(out: Path) -> str:
    """The format named by the file's extension."""
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise LuiError(f"cannot tell the format of {out.name}: use .csv, .parquet or .sav")
    return fmt


def write_chunks(out: Path, fmt: str, wave_id: str, chunks: Iterator[pa.Table]) -> Path:
    """Write the chunks to `out` through a `.partial` file renamed into place at the end."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    try:
        _write(tmp, fmt, wave_id, chunks)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    return out


def value_labels(wave_id: str) -> dict[str, dict[int, str]]:
    """SPSS value labels for the question columns, from the codebook's scale points."""
    return {
        q.code: {p.code: p.label for p in codebook.scale_points()[q.scale_id]}
        for q in codebook.questions_for_wave(wave_id)
    }


def _write(tmp: Path, fmt: str, wave_id: str, chunks: Iterator[pa.Table]) -> None:
    """Stream the chunks to `tmp` (parquet row groups, csv appends; .sav in one go)."""
    if fmt == "sav":
        _write_sav(tmp, wave_id, pa.concat_tables(list(chunks)))
        return
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    first = next(chunks)
    writer = (
        pq.ParquetWriter(tmp, first.schema, compression="zstd")
        if fmt == "parquet"
        else pcsv.CSVWriter(
            tmp, first.schema, write_options=pcsv.WriteOptions(quoting_style="needed")
        )
    )
    with writer:
        writer.write_table(first)
        for table in chunks:
            writer.write_table(table)


def _write_sav(tmp: Path, wave_id: str, table: pa.Table) -> None:
    """SPSS file with question texts as variable labels and scale labels as value labels."""
    import pyreadstat

    frame = table.to_pandas()
    frame["interview_date"] = pd.to_datetime(frame["interview_date"])
    labelled = value_labels(wave_id)
    for code in labelled:  # SPSS numerics are doubles; empty answers are system-missing
        frame[code] = frame[code].astype("float64")
    labels = {q.code: q.text[:255] for q in codebook.questions_for_wave(wave_id)}
    pyreadstat.write_sav(
        frame,
        str(tmp),
        column_labels={c: labels.get(c, c) for c in frame.columns},
        variable_value_labels={
            code: {float(k): label for k, label in mapping.items()}
            for code, mapping in labelled.items()
        },
    )
