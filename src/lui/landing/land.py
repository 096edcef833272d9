"""Validate a wave file (CSV, Parquet or SPSS .sav) and land it in the warehouse's raw schema.

The file is read and checked by the Great Expectations suites in expectations/ before the
warehouse is opened. A file that fails lands nothing: the command prints which expectations
failed, with counts and example respondents, and keeps the full results (JSON and Data Docs
HTML) under warehouse/validation/<wave>/. A file that passes replaces the wave in raw.respondents
and raw.responses in one transaction, with a raw.landing_log row. Landing the file the wave was
last landed from again changes nothing.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from lui import codebook
from lui.errors import LuiError
from lui.landing import raw, weighting
from lui.landing.gate import question_columns, validate_wave
from lui.landing.wavefile import WaveFile, read_wave_file
from lui.paths import CODEBOOK_DIR, require_writable, warehouse_path
from lui.progress import Steps

LOAD_CHUNK_ROWS = 250_000


@dataclass
class LandingResult:
    """What one `land_file` call did."""

    wave_id: str
    file_name: str
    file_sha256: str
    file_format: str
    status: str  # "landed", "replaced" or "unchanged"
    respondents: int
    answers: int
    questions: int
    report_path: Path | None
    seconds: float

    @property
    def changed(self) -> bool:
        return self.status != "unchanged"

    def __str__(self) -> str:
        if self.status == "unchanged":
            return (
                f"wave {self.wave_id} unchanged: it was last landed from this very file "
                f"({self.file_name}, sha256 {self.file_sha256[:12]})"
            )
        verb = "replaced" if self.status == "replaced" else "landed"
        return (
            f"wave {self.wave_id} {verb} from {self.file_name}: {self.respondents:,} respondents, "
            f"{self.answers:,} answers to {self.questions} questions ({self.seconds:.1f} s)"
        )


def _chunks(table: pa.Table, rows: int) -> list[pa.Table]:
    if table.num_rows <= rows:
        return [table]
    return [table.slice(start, rows) for start in range(0, table.num_rows, rows)]


def _write(
    wave: WaveFile,
    wave_id: str,
    questions: list[str],
    warehouse: Path,
    report: str | None,
    steps: Steps,
    weights: weighting.Weighting | None = None,
) -> tuple[str, int, int]:
    """Land a validated wave; returns (status, respondents, answers)."""
    con = raw.connect_warehouse(warehouse)
    try:
        if raw.latest_sha256(con, wave_id) == wave.sha256:
            respondents, answers = con.execute(
                "select respondents, answers from raw.landing_log where wave_id = ? "
                "order by landed_at desc limit 1",
                [wave_id],
            ).fetchone()
            return "unchanged", respondents, answers
        replacing = (
            con.execute(
                "select count(*) from raw.respondents where wave_id = ?", [wave_id]
            ).fetchone()[0]
            > 0
        )
        # ~100 million short answer rows: dictionary compression stores them well and fast
        # (FSST analysis would double the load time), and the order rows are stored in does
        # not matter, so the insert may run on every core
        con.execute("set disabled_compression_methods = 'fsst'")
        con.execute("set preserve_insertion_order = false")
        names = []
        for index, chunk in enumerate(_chunks(wave.table, LOAD_CHUNK_ROWS)):
            name = f"wave_chunk_{index}"
            con.register(name, chunk)
            names.append(name)
        record = raw.LandingRecord(
            wave_id=wave_id,
            file_name=wave.path.name,
            file_sha256=wave.sha256,
            file_format=wave.format,
            validation_outcome="passed",
            validation_report=report,
            mapping_sha256=wave.mapping.sha256 if wave.mapping else None,
        )
        try:
            respondents, answers = raw.replace_wave(
                con,
                names,
                questions,
                record,
                progress=steps.step("loading"),
                before_commit=weights.write if weights else None,
            )
        except duckdb.Error as error:
            detail = str(error).splitlines()[0]
            raise LuiError(
                f"could not write wave {wave_id} to the warehouse ({detail}); "
                "the warehouse is left as it was"
            ) from error
        return ("replaced" if replacing else "landed"), respondents, answers
    finally:
        con.close()


def land_file(
    path: Path | str,
    wave_id: str,
    warehouse: Path | None = None,
    *,
    progress: bool | None = False,
    report_root: Path | None = None,
    codebook_dir: Path = CODEBOOK_DIR,
) -> LandingResult:
    """Validate the wave file at `path` and land it as wave `wave_id`.

    `warehouse` defaults to lui.paths.warehouse_path(); the validation results go to
    `report_root` (default: validation/ beside the warehouse). `progress`: True draws the
    progress bar on stderr, None draws it when stderr is a terminal, False never.
    The file is mapped onto the wave format with the mapping seeds of `codebook_dir`
    (source_variables.csv, source_codes.csv; see lui.landing.mapping).
    Raises LuiError (and changes nothing) when the file cannot be read, does not map onto
    the codebook or fails the gate, or when the warehouse is held by another process.
    """
    started = time.monotonic()
    wave_id = codebook.parse_wave_id(wave_id)
    warehouse = Path(warehouse or warehouse_path()).resolve()
    report_root = report_root or warehouse.parent / "validation"
    # a warehouse that cannot be written is refused before the file is read and checked
    require_writable(warehouse.parent, "the warehouse directory")
    require_writable(report_root, "the validation reports directory")
    if warehouse.exists():
        raw.connect_warehouse(warehouse, read_only=True).close()
    steps = Steps(3, enabled=progress)

    wave = read_wave_file(
        path, progress=steps.step("reading"), wave_id=wave_id, codebook_dir=codebook_dir
    )
    design = weighting.take_design(wave, wave_id)
    outcome = validate_wave(wave, wave_id, report_root, progress=steps.step("validating"))
    if not outcome.success:
        steps.finish()
        raise LuiError(outcome.summary())
    weights = weighting.weigh(wave, wave_id, design)  # refuses what cannot be weighted
    asked = {q.code for q in codebook.questions_for_wave(wave_id)}
    questions = [c for c in question_columns(wave) if c in asked]
    report = str(outcome.report_path) if outcome.report_path else None
    status, respondents, answers = _write(
        wave, wave_id, questions, warehouse, report, steps, weights
    )
    steps.finish()
    return LandingResult(
        wave_id=wave_id,
        file_name=wave.path.name,
        file_sha256=wave.sha256,
        file_format=wave.format,
        status=status,
        respondents=respondents,
        answers=answers,
        questions=len(questions),
        report_path=outcome.report_path,
        seconds=time.monotonic() - started,
    )


def add_warehouse_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="warehouse file (default: $LUI_WAREHOUSE or warehouse/levelling_up.duckdb)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", type=Path, metavar="FILE", help="the wave file (.csv, .parquet or .sav)"
    )
    parser.add_argument("--wave", required=True, help="wave id YYYY-MM, the month fieldwork began")
    add_warehouse_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    result = land_file(args.file, args.wave, args.warehouse, progress=False if args.quiet else None)
    print(result)
    return 0
