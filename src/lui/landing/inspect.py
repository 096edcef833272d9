"""See a wave file before mapping it, and how it maps onto the codebook, landing nothing.

`lui inspect FILE` is the variable view (`lui.landing.variables`): per variable its label,
type and format, value labels, user-missing codes, multiple-response sets, counts of valid,
user-missing and system-missing values, and the target it maps to or a suggested one
(marked `?`). `--draft-mapping OUT.csv` writes the targets and suggestions as a
`source_variables.csv` draft. `lui inspect --codebook` prints the codebook as a data
dictionary.

With `--wave`, the mapping of the file onto that wave follows. For every variable of the
file: its target (a question, a respondent column, ignored or
unknown), how it was found (same name or `seeds/codebook/source_variables.csv`), and how
its codes become the scale's (value labels matched, `source_codes.csv`, user-missing
values), then anything that would be refused and why. Edit the mapping seeds until
nothing is refused, then `lui land` the file.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from lui import codebook, contract
from lui.errors import LuiError
from lui.landing.mapping import cut_list
from lui.landing.variables import codebook_lines, draft_mapping, inspect_variables
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
            + cut_list(sorted(unknown))
            + " (map each in seeds/codebook/source_variables.csv, to a target or to ignore)"
        )
    mapped = {c.target for c in wave.mapping.columns}
    questions = [q.code for q in codebook.questions_for_wave(wave_id)]
    wanted = [*contract.RESPONDENT_COLUMNS, *questions]
    absent = [target for target in wanted if target not in mapped]
    if absent:
        lines.append(f"missing from the file ({len(absent)}): " + cut_list(sorted(absent)))
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
        "file",
        type=Path,
        metavar="FILE",
        nargs="?",
        help="the wave file (.csv, .parquet, .sav, .zsav or .por)",
    )
    parser.add_argument(
        "--wave",
        help="wave id YYYY-MM the file would land as: also check its mapping onto that wave "
        "(default: the variable view against this month's questionnaire)",
    )
    parser.add_argument(
        "--draft-mapping",
        type=Path,
        metavar="OUT.csv",
        help="write the targets and suggestions as a source_variables.csv draft to correct",
    )
    parser.add_argument(
        "--codebook", action="store_true", help="print the codebook as a data dictionary"
    )


def run(args: argparse.Namespace) -> int:
    if args.codebook:
        wave_id = codebook.parse_wave_id(args.wave) if args.wave else None
        print("\n".join(codebook_lines(wave_id)))
        return 0
    if args.file is None:
        raise LuiError("name a wave file to inspect (lui inspect FILE), or pass --codebook")
    wave_id = codebook.parse_wave_id(args.wave) if args.wave else date.today().strftime("%Y-%m")
    lines, variables = inspect_variables(args.file, wave_id)
    print("\n".join(lines))
    if args.draft_mapping:
        suggested = draft_mapping(variables, args.draft_mapping)
        print(
            f"draft mapping written to {args.draft_mapping}: {suggested} suggested targets "
            "to check, variables without one mapped to ignore; copy it to "
            "seeds/codebook/source_variables.csv once corrected"
        )
    if not args.wave:
        return 0
    print(f"mapping onto wave {wave_id}:")
    lines, problems = inspect_lines(args.file, args.wave)
    print("\n".join(lines))
    if problems:
        noun = "problem" if problems == 1 else "problems"
        raise LuiError(f"{args.file.name} would be refused: {problems} {noun} (listed above)")
    return 0
