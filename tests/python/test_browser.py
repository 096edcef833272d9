"""The trends page in a real browser: `streamlit run` on a free port, driven by Playwright.

Chromium comes from Debian's packages (`.ci/run` installs it); Playwright only drives it
(`executable_path`), it never downloads a browser. The test picks a breakdown and groups
the way a stakeholder would, checks that the chart and the marts' numbers appear and that
the address bar carries the choice, and saves a screenshot in the test's tmp dir; with
LUI_UPDATE_SCREENSHOT=1 it also refreshes docs/trends.png (shown in the README), so an
ordinary test run leaves the working tree as it was.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest
from test_app import DEMO_WAVES, demo_marts  # noqa: F401 - the session's demo marts (one build)

from lui.paths import PROJECT_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
STREAMLIT = Path(sys.executable).with_name("streamlit")
SCREENSHOT = PROJECT_ROOT / "docs" / "trends.png"
START_TIMEOUT_S = 60
UI_TIMEOUT_MS = 30_000
GROUPS = ["North East", "London", "South West"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"streamlit did not answer within {START_TIMEOUT_S} s:\n{log.read_text()}")


@pytest.fixture
def app_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """`streamlit run streamlit_app/app.py` on a free port over the demo marts."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (`.ci/run` does)")
    marts = request.getfixturevalue("demo_marts")
    port = free_port()
    log = tmp_path / "streamlit.log"
    command = [
        str(STREAMLIT),
        "run",
        str(PROJECT_ROOT / "streamlit_app" / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    env = dict(os.environ, LUI_MARTS=str(marts))
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def live(page: Page, test_id: str) -> Locator:
    """Elements of a kind, leaving out those a rerun has not replaced yet (shown stale)."""
    return page.locator(f'[data-testid="{test_id}"]:not([data-stale="true"] *)')


def expected_cells(marts: Path, mission: str) -> dict[str, str]:
    """The latest wave's index per group for one mission, as the page prints it."""
    with duckdb.connect(str(marts), read_only=True) as con:
        rows = con.execute(
            """
            select group_label, index_score from marts.fct_mission_index
            where wave_id = ? and mission_name = ?
              and (breakdown = 'region' and list_contains(?, group_label) or breakdown = 'all')
            """,
            [DEMO_WAVES[-1], mission, GROUPS],
        ).fetchall()
    return {group: f"{round(score):+d}" if round(score) else "0" for group, score in rows}


def test_trends_page_in_chromium(
    app_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    marts = request.getfixturevalue("demo_marts")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2150})
            page.goto(app_url, wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Levelling Up Index: trends")).to_be_visible(
                timeout=UI_TIMEOUT_MS
            )
            breakdown = live(page, "stSelectbox").filter(has_text="Breakdown")
            groups = live(page, "stMultiSelect").filter(has_text="Groups to compare")
            table = live(page, "stTable")

            # a different breakdown first: the groups on offer follow it
            breakdown.click()
            page.get_by_role("option", name="Nation", exact=True).click()
            expect(table).to_contain_text("England", timeout=UI_TIMEOUT_MS)

            # then regions, the default pair (North East, London) and one more group
            breakdown.click()
            page.get_by_role("option", name="Region", exact=True).click()
            expect(groups).to_contain_text("North East", timeout=UI_TIMEOUT_MS)
            expect(groups).to_contain_text("London")
            groups.locator("input").click()
            page.get_by_role("option", name=GROUPS[2], exact=True).click()
            page.keyboard.press("Escape")
            expect(table.locator("th", has_text=GROUPS[2])).to_be_visible(timeout=UI_TIMEOUT_MS)

            # the chart is drawn (vega-embed renders a canvas or an svg)
            chart = live(page, "stVegaLiteChart")
            expect(chart).to_be_visible(timeout=UI_TIMEOUT_MS)
            expect(chart.locator("canvas, svg").first).to_be_visible()
            expect(page.get_by_text("Fieldwork: 2022-02:").first).to_be_visible()

            # the marts' numbers appear in the latest-wave table
            for mission in ("Public transport", "Pay, employment & productivity"):
                row = table.locator("tr", has_text=mission)
                cells = [c.strip() for c in row.locator("td").all_inner_texts()]
                expected = expected_cells(marts, mission)
                headers = [h.strip() for h in table.locator("thead th").all_inner_texts()][1:]
                assert headers == ["UK", *GROUPS]
                shown = dict(zip(headers, cells[-len(headers) :], strict=True))
                for group, value in expected.items():
                    assert shown[group].split()[0] == value, (mission, group, shown)

            # the address bar carries the choice, so the view can be shared
            query = parse_qs(urlparse(page.url).query)
            assert query["breakdown"] == ["region"]
            assert query["groups"] == GROUPS

            page.mouse.move(0, 0)  # no hover toolbar or tooltip in the picture
            page.wait_for_timeout(1000)  # let the chart finish its transition
            shot = tmp_path / "trends.png"
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert shot.stat().st_size > 50_000
    if os.environ.get("LUI_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


def test_local_areas_page_in_chromium(app_url: str, tmp_path: Path) -> None:
    """Search an authority by typing, as a council officer would; its estimates show."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.goto(f"{app_url}/local_areas", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Local areas")).to_be_visible(
                timeout=UI_TIMEOUT_MS
            )
            picker = live(page, "stSelectbox").filter(has_text="Local authority")
            picker.click()
            page.keyboard.type("Birmingham")
            page.get_by_role("option", name="Birmingham (E08000025)").click()
            expect(
                page.get_by_role("heading", name=f"Birmingham, wave {DEMO_WAVES[-1]}")
            ).to_be_visible(timeout=UI_TIMEOUT_MS)
            expect(page.get_by_text("Region: West Midlands").first).to_be_visible()
            expect(live(page, "stDataFrame").first).to_be_visible()
            expect(page.get_by_text("What a model-based estimate is, and is not")).to_be_visible()
            page.mouse.move(0, 0)
            page.wait_for_timeout(1000)
            shot = tmp_path / "local_areas.png"
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert shot.stat().st_size > 30_000
