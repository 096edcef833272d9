"""Write a landed wave's weights to a file: respondent_id, design_weight, weight, replicate_group.

For analysts who want the weights beside their own extract, and to hand back to the agency:
the final weight (raked at landing, or as delivered), the design weight it was raked from
(empty when none was delivered or the weights were delivered final) and the jackknife
replicate group (docs/weighting.md). `.csv` or `.parquet`, by the file's extension.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lui import codebook
from lui.errors import LuiError
from lui.landing import raw
from lui.landing.land import add_warehouse_argument
from lui.paths import warehouse_path

WEIGHTS_QUERY = """
select
    r.respondent_id,
    d.design_weight,
    r.weight,
    d.replicate_group
from raw.respondents as r
left join raw.respondent_design as d
    on d.wave_id = r.wave_id and d.respondent_id = r.respondent_id
where r.wave_id = ?
order by r.respondent_id
"""
SUFFIXES = (".csv", ".parquet")


def write_weights(wave_id: str, out: Path, warehouse: Path | None = None) -> int:
    """Write wave `wave_id`'s weights to `out`; returns the respondents written."""
    wave_id = codebook.parse_wave_id(wave_id)
    if out.suffix.lower() not in SUFFIXES:
        raise LuiError(f"{out.name}: the weights file must end in .csv or .parquet")
    path = (warehouse or warehouse_path()).resolve()
    if not path.exists():
        raise LuiError(f"no warehouse at {path}: land a wave first (`lui land FILE --wave W`)")
    with raw.connect_warehouse(path, read_only=True) as con:
        table = con.execute(WEIGHTS_QUERY, [wave_id]).arrow().read_all()
    if table.num_rows == 0:
        raise LuiError(f"wave {wave_id} is not landed in {path}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        pacsv.write_csv(table, out)
    else:
        pq.write_table(table, out)
    return table.num_rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wave", required=True, help="wave id YYYY-MM")
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="FILE",
        help="the file to write (.csv or .parquet)",
    )
    add_warehouse_argument(parser)


def run(args: argparse.Namespace) -> int:
    rows = write_weights(args.wave, args.out, args.warehouse)
    print(f"lui weights: {rows:,} respondents of wave {args.wave} written to {args.out}")
    return 0
