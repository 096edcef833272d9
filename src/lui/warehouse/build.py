"""Run `dbt build` for one landed wave (or every wave), then publish the marts.

With `--wave YYYY-MM` only that wave (and the wave after it, whose change depends on it) is
rebuilt; without it every landed wave is. dbt's output streams as it runs. A build that
fails raises an error and publishes nothing: readers keep the last good marts.

`--target spark` builds the same models on a local Apache Spark session instead (install
with `pip install -e '.[spark]'`; needs Java 17): the raw tables are first exported to
Parquet (`lui export-raw`), and the marts Spark builds are published to the same
published file, so readers see no difference.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

from lui import codebook
from lui.errors import LuiError
from lui.landing import raw
from lui.landing.export import export_raw
from lui.paths import PROJECT_ROOT, marts_path, spark_dir, warehouse_path
from lui.warehouse import publish
from lui.warehouse.dbt import DUCKDB, SPARK, TARGETS, dbt_build
from lui.warehouse.spark import SPARK_BUILD_SELECTION


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    """Whether the warehouse holds the table or view `schema.name`."""
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def landed_waves(warehouse: Path) -> list[str]:
    """Waves in `raw.respondents`, oldest first (none for a missing or empty warehouse)."""
    if not warehouse.exists():
        return []
    with raw.connect_warehouse(warehouse, read_only=True) as con:
        if not _exists(con, "raw", "respondents"):
            return []
        rows = con.execute(
            "select distinct wave_id from raw.respondents order by wave_id"
        ).fetchall()
    return [wave for (wave,) in rows]


def check_wave(wave: str | None, warehouse: Path) -> list[str]:
    """Refuse a malformed or unlanded wave, or a warehouse with no wave; returns landed waves."""
    if wave is not None:
        wave = codebook.parse_wave_id(wave)
    waves = landed_waves(warehouse)
    for landed in waves:
        codebook.parse_wave_id(landed, f"{warehouse} holds a wave in raw.respondents whose id")
    if not waves:
        raise LuiError(
            f"no wave is landed in {warehouse}: land one first with "
            "`lui land FILE --wave YYYY-MM` (or run `make demo`)"
        )
    if wave is not None and wave not in waves:
        raise LuiError(f"wave {wave} is not landed; landed waves: {', '.join(waves)}")
    return waves


def left_out(warehouse: Path, wave: str | None = None) -> list[str]:
    """One line per wave and question whose landed answers the build did not score, because
    the codebook's questionnaire of that wave does not carry the question."""
    with raw.connect_warehouse(warehouse, read_only=True) as con:
        if not _exists(con, "intermediate", "int_responses__left_out"):
            return []
        rows = con.execute(
            "select wave_id, question_code, first_wave, last_wave, answers_left_out "
            "from intermediate.int_responses__left_out where ? is null or wave_id = ? "
            "order by wave_id, question_code",
            [wave, wave],
        ).fetchall()
    lines = []
    for wave_id, question, first, last, answers in rows:
        window = f"asked {first or 'from the start'} to {last or 'now'}"
        lines.append(
            f"wave {wave_id}: {answers:,} answers to {question} left out ({window} in "
            "seeds/codebook/questions.csv)"
        )
    return lines


def build(
    wave: str | None = None,
    *,
    warehouse: Path | None = None,
    marts: Path | None = None,
    project_dir: Path = PROJECT_ROOT,
    publish_marts: bool = True,
    stream: bool = True,
    full_refresh: bool = False,
    engine: str = DUCKDB,
    announce: Callable[[list[str]], None] | None = None,
) -> publish.PublishResult | None:
    """Build one wave (or all) on `engine` and, when the build passes, publish the marts.

    The wave is checked here, once (`check_wave`), before dbt starts; `announce` is called
    with the landed waves when it passes. `full_refresh` rebuilds every table of every
    wave from the raw tables (after an upgrade that changed a model's columns). A failed
    build raises LuiError before anything is published. On Spark the raw tables are
    exported to Parquet first.
    """
    if full_refresh and wave is not None:
        raise LuiError("--full-refresh rebuilds every wave from the raw tables; drop --wave")
    if engine not in TARGETS:
        raise LuiError(f"unknown target {engine!r}; choose one of {', '.join(TARGETS)}")
    target = (warehouse or warehouse_path()).resolve()
    waves = check_wave(wave, target)
    if announce is not None:
        announce(waves)
    extra = ["--full-refresh"] if full_refresh else []
    if engine == SPARK:
        check_spark_installed()
        export_raw(wave, warehouse=target)
        extra += SPARK_BUILD_SELECTION
    dbt_build(
        wave,
        warehouse=target,
        project_dir=project_dir,
        stream=stream,
        extra=extra,
        target=engine,
    )
    if not publish_marts:
        return None
    return publish.publish(target, marts or marts_path(), engine=engine)


def check_spark_installed() -> None:
    """Refuse plainly when the Spark extra or Java is missing."""
    if importlib.util.find_spec("dbt.adapters.spark") is None:
        raise LuiError(
            "the Spark target needs the spark extra: pip install -e '.[spark]' "
            "(pyspark and dbt-spark)"
        )
    if shutil.which("java") is None and "JAVA_HOME" not in os.environ:
        raise LuiError(
            "the Spark target needs Java 17 (Debian: apt-get install openjdk-17-jre-headless)"
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wave",
        metavar="YYYY-MM",
        help="rebuild only this landed wave (default: every landed wave)",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every table of every wave from the raw tables (needed once after an "
        "upgrade that changed a table's columns; nothing landed is lost)",
    )
    parser.add_argument(
        "--target",
        choices=TARGETS,
        default=DUCKDB,
        help="the engine to build on: the DuckDB warehouse (default) or a local Apache "
        "Spark session (needs `pip install -e '.[spark]'` and Java 17)",
    )
    parser.add_argument(
        "--no-publish",
        action="store_true",
        help="build the warehouse but leave the published marts as they are",
    )
    parser.epilog = (
        "Paths: the warehouse from LUI_WAREHOUSE (default warehouse/levelling_up.duckdb), "
        "the published file from LUI_MARTS (default warehouse/published.duckdb)."
    )


def run(args: argparse.Namespace) -> int:
    warehouse = warehouse_path()

    def announce(waves: list[str]) -> None:
        scope = f"wave {args.wave}" if args.wave else f"every landed wave ({', '.join(waves)})"
        how = "dbt build --full-refresh" if args.full_refresh else "dbt build"
        engine = f" (on Spark, in {spark_dir(warehouse)})" if args.target == SPARK else ""
        print(f"lui build: {how} for {scope} on {warehouse}{engine}", flush=True)

    result = build(
        args.wave,
        warehouse=warehouse,
        publish_marts=not args.no_publish,
        full_refresh=args.full_refresh,
        engine=args.target,
        announce=announce,
    )
    for line in left_out(warehouse, args.wave):
        print(f"lui build: {line}")
    if result is None:
        print("lui build: build passed; not published (--no-publish)")
    else:
        print(f"lui build: build passed; {publish.report(result)}")
    return 0
