"""The `lui` command line: help for every command, plain refusals and non-zero exits on misuse.

None of these run dbt: misuse is refused before anything touches the warehouse.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest
from handmade import land, make_wave

from lui import app, cli

LUI = Path(sys.executable).with_name("lui")
COMMANDS = ["generate", "land", "build", "publish", "export", "app", "demo"]


@pytest.fixture
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An empty warehouse folder: LUI_WAREHOUSE and LUI_MARTS point into tmp_path."""
    warehouse, marts = tmp_path / "levelling_up.duckdb", tmp_path / "published.duckdb"
    monkeypatch.setenv("LUI_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("LUI_MARTS", str(marts))
    return warehouse, marts


def lui(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `lui argv...` in-process; returns (exit code, stdout, stderr)."""
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:  # argparse: --help and usage errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_console_script_lists_every_command() -> None:
    done = subprocess.run([str(LUI), "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    for command in COMMANDS:
        assert command in done.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    code, out, _ = lui(capsys, command, "--help")
    assert code == 0
    assert f"usage: lui {command}" in out


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = lui(capsys)
    assert code == 2
    assert "usage: lui" in err


def test_build_refuses_a_malformed_wave(capsys: pytest.CaptureFixture[str], paths) -> None:
    code, out, err = lui(capsys, "build", "--wave", "2024-13")
    assert (code, out) == (2, "")
    assert "lui build: error: wave id '2024-13' is not of the form YYYY-MM" in err
    assert not paths[0].exists()


def test_build_refuses_an_empty_warehouse(capsys: pytest.CaptureFixture[str], paths) -> None:
    code, _, err = lui(capsys, "build")
    assert code == 2
    assert "no wave is landed" in err and "lui land FILE --wave YYYY-MM" in err
    assert not paths[0].exists()


def test_build_refuses_a_wave_that_is_not_landed(capsys: pytest.CaptureFixture[str], paths) -> None:
    warehouse, marts = paths
    land(warehouse, "2022-02", make_wave("2022-02", 60, 1))
    land(warehouse, "2022-08", make_wave("2022-08", 60, 2))
    before = warehouse.read_bytes()
    code, out, err = lui(capsys, "build", "--wave", "2024-02")
    assert (code, out) == (2, "")
    assert "wave 2024-02 is not landed; landed waves: 2022-02, 2022-08" in err
    assert warehouse.read_bytes() == before
    assert not marts.exists()


def test_publish_refuses_without_a_warehouse(capsys: pytest.CaptureFixture[str], paths) -> None:
    code, _, err = lui(capsys, "publish")
    assert code == 2
    assert "lui publish: error: no warehouse at" in err
    assert not paths[1].exists()


def test_publish_refuses_a_warehouse_never_built(capsys: pytest.CaptureFixture[str], paths) -> None:
    warehouse, marts = paths
    land(warehouse, "2022-02", make_wave("2022-02", 60, 1))
    code, _, err = lui(capsys, "publish")
    assert code == 2
    assert "has no marts yet: run `lui build` first" in err
    assert not marts.exists()


def test_app_refuses_without_published_marts(capsys: pytest.CaptureFixture[str], paths) -> None:
    code, _, err = lui(capsys, "app", "--port", str(free_port()))
    assert code == 2
    assert "no published marts" in err and "run `lui build` or `make demo` first" in err


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_app_refuses_a_bad_port(capsys: pytest.CaptureFixture[str], paths, port: str) -> None:
    code, _, err = lui(capsys, "app", "--port", port)
    assert code == 2
    assert "argument --port" in err


def test_app_refuses_a_port_in_use(capsys: pytest.CaptureFixture[str], paths) -> None:
    duckdb.connect(str(paths[1])).close()
    with socket.socket() as busy:
        busy.bind(("", 0))
        busy.listen()
        code, _, err = lui(capsys, "app", "--port", str(busy.getsockname()[1]))
    assert code == 2
    assert "is already in use" in err


def test_app_command_serves_streamlit_headless_on_the_port() -> None:
    command = app.streamlit_command(8600)
    assert command[0].endswith("streamlit") and command[1:3] == ["run", str(app.APP_FILE)]
    assert command[command.index("--server.port") + 1] == "8600"
    assert command[command.index("--server.headless") + 1] == "true"


@pytest.mark.slow  # the app on the session's built warehouse (a dbt build)
@pytest.mark.skipif(not app.APP_FILE.exists(), reason="streamlit_app/app.py not written yet")
def test_app_serves_the_published_marts(built_warehouse: Path, tmp_path: Path) -> None:
    from lui.warehouse.publish import publish

    marts = publish(built_warehouse, tmp_path / "published.duckdb").path
    port = free_port()
    env = dict(os.environ, LUI_MARTS=str(marts))
    server = subprocess.Popen(
        [str(LUI), "app", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=2
                ) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "streamlit did not come up"
            time.sleep(0.5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # lui and the streamlit server it started
        server.wait(timeout=30)


def test_build_refuses_while_another_process_holds_the_warehouse(
    capsys: pytest.CaptureFixture[str], paths
) -> None:
    warehouse, marts = paths
    land(warehouse, "2022-02", make_wave("2022-02", 60, 1))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]);"
            " print('held', flush=True); time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, _, err = lui(capsys, "build")
    finally:
        holder.kill()
        holder.wait()
    assert code == 2
    assert f"is in use by another process (PID {holder.pid}): try again when it has finished" in err
    assert not marts.exists()
