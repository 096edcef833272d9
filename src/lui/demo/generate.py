"""Write a realistic synthetic wave file (csv, parquet or sav) in the docs/design.md wave format.

The generator samples small areas by population (so la_code, imd_quintile and urban_rural
agree), gives each local authority one synthetic ONS supergroup, draws a panel-like age and
gender profile, rakes weights to population margins and turns latent attitudes by group into
answer codes defined by the codebook's scales. The model and its calibration to the
published July 2022 report are in `lui.demo.model` and docs/demo_generator.md.

Output is deterministic for a given wave, size and seed. Large waves are produced in chunks
(vectorised numpy, one chunk of answers in memory at a time): a 1,000,000-respondent parquet
or csv file takes well under a minute.

    lui generate --wave 2022-02 --respondents 4162 --seed 1 --out waves/2022-02.parquet

The parts: `lui.demo.sample` (who is sampled, weights), `lui.demo.answers` (how they
answer), `lui.demo.write` (file formats) and `lui.demo.model` (the numbers).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from lui import codebook, contract
from lui.demo import model as demo_model
from lui.demo import truth, write
from lui.demo.answers import answer_chunk
from lui.demo.sample import Sample, draw_sample, geography
from lui.errors import LuiError

CHUNK_SIZE = 200_000
MAX_RESPONDENTS = 20_000_000


# ---------------------------------------------------------------------------------------------
# Assembling the wave
# ---------------------------------------------------------------------------------------------
def _check_arguments(wave_id: str, respondents: int) -> None:
    if not codebook.is_wave_id(wave_id):
        raise LuiError(f"wave id {wave_id!r} is not of the form YYYY-MM (e.g. 2022-02)")
    if not 1 <= respondents <= MAX_RESPONDENTS:
        raise LuiError(f"--respondents must be between 1 and {MAX_RESPONDENTS:,}")


def _rng(wave_id: str, seed: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([seed, int(wave_id.replace("-", ""))])


def wave_chunks(
    wave_id: str,
    respondents: int,
    seed: int,
    chunk_size: int = CHUNK_SIZE,
    *,
    design_weights_only: bool = False,
) -> Iterator[pa.Table]:
    """The wave as Arrow tables of at most `chunk_size` rows, in file column order.

    `design_weights_only`: the panel's design weight in a `design_weight` column instead of
    the final `weight` (the same respondents and answers), for landing to rake
    (docs/weighting.md)."""
    _check_arguments(wave_id, respondents)
    sample_seq, *chunk_seqs = _rng(wave_id, seed).spawn(1 + -(-respondents // chunk_size))
    sample = draw_sample(respondents, np.random.default_rng(sample_seq))
    geo = geography()
    start = demo_model.fieldwork_start(wave_id)
    dates = np.array(
        [start + timedelta(days=d) for d in range(demo_model.FIELDWORK_DAYS)], dtype="datetime64[D]"
    )
    prefix = f"{wave_id.replace('-', '')}-"
    questions = [q.code for q in codebook.questions_for_wave(wave_id)]
    for number, seq in enumerate(chunk_seqs):
        lo, hi = number * chunk_size, min(respondents, (number + 1) * chunk_size)
        part = Sample(**{k: None if v is None else v[lo:hi] for k, v in vars(sample).items()})
        answers = answer_chunk(part, wave_id, np.random.default_rng(seq), seed)
        ids = np.char.add(prefix, np.char.zfill(np.arange(lo + 1, hi + 1).astype(str), 7))
        columns = {
            "respondent_id": pa.array(ids, pa.string()),
            "weight": pa.array(np.round(part.weight, 6), pa.float64()),
            "design_weight": pa.array(np.round(part.design_weight, 6), pa.float64()),
            "interview_date": pa.array(dates[part.day], pa.date32()),
            "la_code": pa.array(geo.la_code[part.area], pa.string()),
            "imd_quintile": pa.array(geo.imd_quintile[part.area], pa.int8()),
            "urban_rural": pa.array(np.where(geo.rural[part.area], "Rural", "Urban"), pa.string()),
            "supergroup": pa.array(np.asarray(contract.SUPERGROUPS)[part.supergroup], pa.string()),
            "age_band": pa.array(np.asarray(contract.AGE_BANDS)[part.age], pa.string()),
            "gender": pa.array(np.asarray(contract.GENDERS)[part.gender], pa.string()),
        }
        del columns["weight" if design_weights_only else "design_weight"]
        for code in questions:
            values, missing = answers[code]
            columns[code] = pa.array(values, pa.int8(), mask=missing)
        yield pa.table(columns)


def generate_frame(
    wave_id: str, respondents: int, seed: int = demo_model.DEMO_SEED
) -> pd.DataFrame:
    """The whole wave as a DataFrame (answers as nullable Int8), for tests and calibration."""
    tables = list(wave_chunks(wave_id, respondents, seed))
    return pa.concat_tables(tables).to_pandas(types_mapper=_pandas_types)


def _pandas_types(arrow_type: pa.DataType) -> object:
    if pa.types.is_int8(arrow_type):
        return pd.Int8Dtype()
    return None


def write_wave(
    out: Path,
    wave_id: str,
    respondents: int,
    seed: int = demo_model.DEMO_SEED,
    *,
    design_weights_only: bool = False,
) -> Path:
    """Write the wave to `out` in the format given by its extension."""
    fmt = write.file_format(out)
    _check_arguments(wave_id, respondents)
    chunks = wave_chunks(wave_id, respondents, seed, design_weights_only=design_weights_only)
    return write.write_chunks(out, fmt, wave_id, chunks)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wave", required=True, help="wave id YYYY-MM, e.g. 2022-02")
    parser.add_argument(
        "--respondents",
        type=int,
        default=demo_model.BASELINE_RESPONDENTS,
        help="number of respondents (default 4162, the report's sample)",
    )
    parser.add_argument(
        "--seed", type=int, default=demo_model.DEMO_SEED, help="random seed (default 1)"
    )
    parser.add_argument(
        "--out", required=True, type=Path, help="output file: .csv, .parquet or .sav"
    )
    parser.add_argument(
        "--truth",
        type=Path,
        default=None,
        help="also write each local authority's true index per mission for this wave "
        "(CSV: la_code, mission_id, true_index), for testing the local estimates",
    )
    parser.add_argument(
        "--design-weights-only",
        action="store_true",
        help="deliver the panel's design_weight instead of the final weight: landing rakes "
        "it to seeds/weighting/targets.csv (docs/weighting.md)",
    )
    parser.add_argument(
        "--agency-format",
        action="store_true",
        help="write the wave as a fieldwork agency delivers it: OUT's name as .sav (agency "
        "variable names, labelled codes, user-missing values) and .parquet (codes, NaN), "
        "with the mapping seeds source_variables.csv and source_codes.csv beside them",
    )


def run(args: argparse.Namespace) -> int:
    if args.seed < 0:
        raise LuiError("--seed must be a non-negative integer")
    if args.agency_format:
        from lui.demo.agency import write_agency_wave

        frame = generate_frame(args.wave, args.respondents, args.seed)
        paths = write_agency_wave(frame, args.wave, args.out)
        print(
            f"wrote {args.respondents:,} respondents of wave {args.wave} in the agency's format "
            f"to {paths[0]} and {paths[1]}, its mapping to {paths[2]} and {paths[3]}"
        )
        return 0
    path = write_wave(
        args.out,
        args.wave,
        args.respondents,
        args.seed,
        design_weights_only=args.design_weights_only,
    )
    print(f"wrote {args.respondents:,} respondents of wave {args.wave} to {path}")
    if args.truth is not None:
        truth.write_truth(args.truth, args.wave, args.seed)
        print(f"wrote the local authorities' true index of wave {args.wave} to {args.truth}")
    return 0
