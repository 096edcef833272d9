"""Running dbt on a warehouse file from Python (the CLI, tests and benchmarks).

dbt runs in a subprocess so that nothing in the calling process holds the warehouse
open afterwards. The subprocess never outlives its caller: it runs in a process group of
its own, which is terminated when the caller stops waiting for it for any reason
(an error, Ctrl-C, a SIGTERM that the CLI turns into an exception), and the kernel sends
it SIGTERM if the caller dies without a word (SIGKILL: Linux `PR_SET_PDEATHSIG`). Each
warehouse gets its own dbt target and log folders beside it, so builds of different
warehouses (tests, benchmarks) never share compiled state.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from lui import codebook
from lui.errors import LuiError
from lui.landing import raw
from lui.paths import PROJECT_ROOT, spark_dir, warehouse_path

DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")


# How `lui build --wave` scopes dbt to one wave (macros/wave_scope.sql, docs/design.md):
# the wave goes in the environment variable LUI_BUILD_WAVE, and every dbt command run from
# here passes the var `wave_from_environment: true`, without which dbt ignores that
# variable. A new value of a dbt var makes dbt re-parse the whole project (about 2 s); the
# marker is the same for every wave, so building wave after wave never re-parses.
WAVE_VARIABLE = "LUI_BUILD_WAVE"
SCOPE_MARKER = "{wave_from_environment: true}"
# dbt commands that take --vars (the others, e.g. `dbt clean`, ignore the wave)
TAKES_VARS = frozenset({"build", "run", "test", "compile", "seed", "docs", "ls", "list", "show"})

# dbt targets of profiles/profiles.yml: the DuckDB warehouse (default) and Apache Spark
DUCKDB = "duckdb"
SPARK = "spark"
TARGETS = (DUCKDB, SPARK)


def dbt_target_path(warehouse: Path, target: str = DUCKDB) -> Path:
    """Where dbt writes its compiled state (manifest.json, ...) for `warehouse` and target:
    one folder per target, so the two never share partial-parse state."""
    if "DBT_TARGET_PATH" in os.environ:
        return Path(os.environ["DBT_TARGET_PATH"])
    name = "target" if target == DUCKDB else f"target-{target}"
    return warehouse.parent / "dbt" / name


def dbt_environment(
    warehouse: Path, wave: str | None = None, target: str = DUCKDB
) -> dict[str, str]:
    """Environment for a dbt run against `warehouse` (for one wave, or every wave)."""
    env = dict(os.environ)
    env.pop(WAVE_VARIABLE, None)
    if wave is not None:
        env[WAVE_VARIABLE] = codebook.parse_wave_id(wave)
    env["LUI_WAREHOUSE"] = str(warehouse)
    env["LUI_SPARK_DIR"] = str(spark_dir(warehouse))
    env["DBT_PROFILES_DIR"] = str(PROJECT_ROOT / "profiles")
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DBT_TARGET_PATH"] = str(dbt_target_path(warehouse, target))
    env.setdefault("DBT_LOG_PATH", str(warehouse.parent / "dbt" / "logs"))
    return env


PR_SET_PDEATHSIG = 1
# How long dbt may take to stop after SIGTERM before its group is killed outright.
STOP_SECONDS = 10.0


def _parent_death_signal() -> object:
    """A preexec_fn: the child gets SIGTERM when its parent dies (Linux; elsewhere none)."""
    libc_name = ctypes.util.find_library("c")
    if not sys.platform.startswith("linux") or libc_name is None:
        return None
    prctl = ctypes.CDLL(libc_name, use_errno=True).prctl
    parent = os.getpid()

    def in_child() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return in_child


def stop_process_group(process: subprocess.Popen[str]) -> None:
    """Terminate `process` and everything it started (its process group), then reap it."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, STOP_SECONDS), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


def run_dbt(
    arguments: Sequence[str],
    *,
    warehouse: Path | None = None,
    project_dir: Path = PROJECT_ROOT,
    capture: bool = True,
    wave: str | None = None,
    target: str = DUCKDB,
) -> subprocess.CompletedProcess[str]:
    """Run `dbt <arguments>` on `target` for `warehouse` (default: the configured one),
    scoped to `wave` if given. The output is always returned in `stdout`; with
    capture=False it is also echoed line by line as dbt writes it."""
    path = warehouse or warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(DBT_EXECUTABLE),
        *arguments,
        "--project-dir",
        str(project_dir),
        "--target",
        target,
    ]
    if arguments and arguments[0] in TAKES_VARS and "--vars" not in arguments:
        command += ["--vars", SCOPE_MARKER]
    with subprocess.Popen(
        command,
        env=dbt_environment(path, wave, target),
        cwd=project_dir,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_parent_death_signal(),
    ) as process:
        assert process.stdout is not None
        lines = []
        try:
            for line in process.stdout:
                lines.append(line)
                if not capture:
                    sys.stdout.write(line)
                    sys.stdout.flush()
            returncode = process.wait()
        except BaseException:
            stop_process_group(process)
            raise
    return subprocess.CompletedProcess(command, returncode, stdout="".join(lines), stderr="")


# What dbt says when an incremental table's columns no longer match its model
SCHEMA_CHANGED = "out of sync"
SCHEMA_CHANGED_HINT = (
    "A table's columns changed since this warehouse was built (a project upgrade): run "
    "`lui build --full-refresh` once to rebuild every table from the raw tables."
)


def failure_summary(output: str, limit: int = 12) -> str:
    """The lines of dbt's output that say what failed."""
    markers = ("Failure in", "Error in", "ERROR", "FAIL ", "Compilation Error", "Database Error")
    lines = [line.strip() for line in output.splitlines() if any(m in line for m in markers)]
    return "\n".join(lines[:limit]) or "\n".join(output.strip().splitlines()[-limit:])


# A wave's build leaves out the dbt unit tests: they test the models' SQL on fixed inputs,
# not the wave's data, so they give the same answer on every build (dbt's documentation
# recommends running them in development and CI only). `make check` and `make test` run
# them (`make dbt-unit`: dbt_build(unit_tests=True)), as does any build that asks.
WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


# The codebook, reference and weighting seeds and their tests (75 of the build's data
# tests) give the same answer until the project's files change, so a build whose seeds are
# already loaded leaves them out: it reuses the seed tables and runs every other node. What
# the seeds' load and tests depend on is fingerprinted (SEED_INPUTS); the fingerprint of
# the last build that loaded and tested them is kept in the warehouse itself (SEEDS_STATE),
# so a warehouse file copied or replaced in place is never judged by another's state. Any
# change of those files, a full refresh, a selection of the caller's, the unit tests or a
# warehouse with no record loads and tests them all again. The tests that read a seed
# beside a model (relationships to the authorities, the answers' codes against the
# scales) are defined with the models and still run on every build: `--indirect-selection
# empty` keeps them when the seeds' folder is excluded.
SEED_INPUTS = ("seeds", "macros", "tests/generic", "dbt_project.yml", "profiles")
SEEDS_STATE = "main.lui_seeds_loaded"
WITHOUT_LOADED_SEEDS = ("--exclude", "path:seeds", "--indirect-selection", "empty")
SELECTION_FLAGS = frozenset({"--select", "-s", "--exclude", "--selector"})


def seeds_fingerprint(project_dir: Path = PROJECT_ROOT) -> str:
    """sha256 of every file the seeds' load and tests depend on (SEED_INPUTS), with dbt's
    version: any edit of a seed, its YAML, a macro or the project file changes it."""
    digest = hashlib.sha256(dbt_version().encode())
    for name in SEED_INPUTS:
        root = project_dir / name
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if path.exists():
                digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def dbt_version() -> str:
    """The installed dbt-core's version."""
    from importlib.metadata import version

    return version("dbt-core")


def loaded_seeds(warehouse: Path) -> str | None:
    """The fingerprint of the seeds the warehouse's last full build loaded and tested."""
    with raw.connect_warehouse(warehouse, read_only=True) as con:
        schema, table = SEEDS_STATE.split(".")
        found = con.execute(
            "select count(*) from information_schema.tables "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()
        if not found or not found[0]:
            return None
        row = con.execute(f"select fingerprint from {SEEDS_STATE}").fetchone()
    return None if row is None else str(row[0])


def record_loaded_seeds(warehouse: Path, fingerprint: str) -> None:
    """Keep `fingerprint` in the warehouse as the seeds its last build loaded and tested."""
    with raw.connect_warehouse(warehouse) as con:
        con.execute(f"create or replace table {SEEDS_STATE} (fingerprint varchar not null)")
        con.execute(f"insert into {SEEDS_STATE} values (?)", [fingerprint])


def dbt_build(
    wave: str | None = None,
    *,
    warehouse: Path | None = None,
    project_dir: Path = PROJECT_ROOT,
    extra: Sequence[str] = (),
    stream: bool = False,
    target: str = DUCKDB,
    unit_tests: bool = False,
) -> subprocess.CompletedProcess[str]:
    """`dbt build` for one wave or all on `target`; raises LuiError naming what failed.

    The raw schema is created first when missing, so a fresh warehouse builds (empty).
    On Spark the raw tables are read from their Parquet export (lui.landing.export).
    The dbt unit tests run only with `unit_tests=True` (see WITHOUT_UNIT_TESTS).
    """
    path = warehouse or warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # whole builds on DuckDB leave out seeds loaded and tested already (SEED_INPUTS)
    whole = target == DUCKDB and not SELECTION_FLAGS & set(extra)
    fingerprint = seeds_fingerprint(project_dir) if whole else None
    if target == DUCKDB:
        with raw.connect_warehouse(path) as con:
            raw.ensure_schema(con)
    skip_seeds = (
        whole
        and not unit_tests
        and "--full-refresh" not in extra
        and loaded_seeds(path) == fingerprint
    )
    result = run_dbt(
        [
            "build",
            *extra,
            *(() if unit_tests else WITHOUT_UNIT_TESTS),
            *(WITHOUT_LOADED_SEEDS if skip_seeds else ()),
        ],
        warehouse=path,
        project_dir=project_dir,
        capture=not stream,
        wave=wave,
        target=target,
    )
    if result.returncode != 0:
        detail = failure_summary(result.stdout)
        if SCHEMA_CHANGED in result.stdout:
            detail += f"\n{SCHEMA_CHANGED_HINT}"
        scope = f" for wave {wave}" if wave else ""
        engine = f" on {target}" if target != DUCKDB else ""
        raise LuiError(f"dbt build failed{scope}{engine}:\n{detail}")
    if fingerprint is not None and not skip_seeds:
        record_loaded_seeds(path, fingerprint)
    return result
