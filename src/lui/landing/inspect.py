"""Show how a wave file maps onto the codebook of a wave, without landing anything.

For every variable of the file: its target (a question, a respondent column, ignored or
unknown), how it was found (same name or `seeds/codebook/source_variables.csv`), and how
its codes become the scale's (value labels matched, `source_codes.csv`, user-missing
values), then anything that would be refused and why. Edit the mapping seeds until
nothing is refused, then `lui land` the file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lui import codebook, contract
from lui.errors import LuiError
from lui.landing.wavefile import read_wave_file


def inspect_lines(path: Path, wave_id: str) -> tuple[list[str], int]:
    """The report's lines and the number of problems found."""
    wave_id = codebook.parse_wave_id(wave_id)
    wave = read_wave_file(path, wave_id=wave_id)
    assert wave.mapping is not None
    lines = [
        f"{wave.path.name}: {wave.format}, {wave.rows:,} rows, {len(wave.columns)} columns "
        f"after mapping; wave {wave_id}; mapping sha256 {wave.mapping.sha256[:12]}",
        *wave.mapping.lines(),
    ]
    unknown = [c.source for c in wave.mapping.columns if c.how == "not in the codebook"]
    if unknown:
        lines.append(
            f"not in the codebook ({len(unknown)}), refused as unknown columns: "
            + ", ".join(unknown)
            + " (map each in seeds/codebook/source_variables.csv, to a target or to ignore)"
        )
    mapped = {c.target for c in wave.mapping.columns}
    questions = [q.code for q in codebook.questions_for_wave(wave_id)]
    wanted = [*contract.RESPONDENT_COLUMNS, *questions]
    absent = [target for target in wanted if target not in mapped]
    if absent:
        lines.append(f"missing from the file ({len(absent)}): " + ", ".join(absent))
    type_problems = [p for p in wave.type_problems.values() if p.column not in unknown]
    problems = len(wave.mapping.problems) + len(unknown) + len(absent) + len(type_problems)
    if type_problems:
        lines.append(f"not of their type ({len(type_problems)}):")
        for problem in type_problems:
            shown = ", ".join(f"{rid}={value!r}" for rid, value in problem.examples[:2])
            hint = f"; {problem.hint}" if problem.hint else ""
            lines.append(
                f"- {problem.column} is {problem.found}, expected {problem.expected} "
                f"({problem.count:,} rows, e.g. {shown}{hint})"
            )
    lines.append("nothing was landed")
    return lines, problems


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", type=Path, metavar="FILE", help="the wave file (.csv, .parquet or .sav)"
    )
    parser.add_argument("--wave", required=True, help="wave id YYYY-MM the file would land as")


def run(args: argparse.Namespace) -> int:
    lines, problems = inspect_lines(args.file, args.wave)
    print("\n".join(lines))
    if problems:
        noun = "problem" if problems == 1 else "problems"
        raise LuiError(f"{args.file.name} would be refused: {problems} {noun} (listed above)")
    return 0
