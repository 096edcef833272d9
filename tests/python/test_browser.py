"""Every page of the app in a real browser, at desktop (1440 px) and mobile (390 px) width.

`streamlit run` on a free port over the session's demo marts, driven by Playwright;
Chromium comes from Debian's packages (`.ci/run` installs it; the test fails, never skips,
when it is missing) and Playwright never downloads a browser. The test fails when a page:
- draws an empty or overprinted chart (a bar without height, a chart without marks, axis
  or value labels that overlap);
- shows a trend break as a significant change (an arrow beside ‡ in a table, a
  'significant change' mark on a point whose change crosses a trend break);
- loses missions or reading order at mobile width (all twelve Trends charts and Scorecard
  tiles, in mission order, inside the screen);
- has serious or critical accessibility violations (axe-core, bundled by
  axe-playwright-python).
Screenshots of every page and width go to the test's tmp dir; with LUI_UPDATE_SCREENSHOT=1
they also refresh docs/screens/ (and docs/trends.png, shown in the README).
"""

from __future__ import annotations

import json
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
from test_app import DEMO_WAVES

from lui.paths import PROJECT_ROOT
from lui.present.charts import MOVEMENT_COLOURS
from lui.present.pdf import CHROMIUM, CHROMIUM_ARGS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STREAMLIT = Path(sys.executable).with_name("streamlit")
SCREENSHOT = PROJECT_ROOT / "docs" / "trends.png"
SCREENS = PROJECT_ROOT / "docs" / "screens"
START_TIMEOUT_S = 90
UI_TIMEOUT_MS = 60_000
GROUPS = ["North East", "London", "South West"]
WIDTHS = {"desktop": 1440, "mobile": 390}
# url path -> the page's title (h1)
PAGES = {
    "": "Levelling Up Index: the 12 missions",
    "trends": "Levelling Up Index: trends",
    "missions?mission=4": "Mission 4: Internet",
    "scorecard": "Scorecard",
    "breakdown": "Index scores by group",
    "crosstab": "Cross-tabs",
    "priorities": "Priorities for improvement in the local area",
    "perceptions": "Perceptions of levelling up",
    "perceptions?question=support_mayor&breakdown=nation": "Perceptions of levelling up",
    "quality": "Data quality",
}
if (PROJECT_ROOT / "streamlit_app" / "views" / "local_areas.py").exists():
    PAGES["local_areas"] = ""
SERIOUS = {"serious", "critical"}


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


@pytest.fixture(scope="module")
def app_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`streamlit run streamlit_app/app.py` on a free port over the demo marts."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`.ci/run` does)")
    marts = request.getfixturevalue("demo_marts")
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`.ci/run` does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=list(CHROMIUM_ARGS),
        )
        try:
            yield chromium
        finally:
            chromium.close()


def live(page: Page, test_id: str) -> Locator:
    """Elements of a kind, leaving out those a rerun has not replaced yet (shown stale)."""
    return page.locator(f'[data-testid="{test_id}"]:not([data-stale="true"] *)')


def script_done(page: Page) -> None:
    """Wait until the script's run has finished and no element is shown stale: a click
    before that can land on a widget the rerun is about to replace, and be lost."""
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
               && !document.querySelector('[data-stale="true"]')""",
        timeout=UI_TIMEOUT_MS,
    )


def settle(page: Page) -> None:
    """Wait until the script has finished and every chart has drawn its SVG."""
    script_done(page)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
               .every(c => c.querySelector('svg .role-mark'))""",
        timeout=UI_TIMEOUT_MS,
    )
    page.mouse.move(0, 0)  # no hover toolbar or tooltip in the picture
    # no transition running (the sidebar folding away on a phone, a chart easing in)
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running')",
        timeout=UI_TIMEOUT_MS,
    )
    page.wait_for_timeout(300)


# The chart checks run in the page: they measure the SVG Vega drew.
CHART_PROBLEMS = """
() => {
  const SIGNIFICANT_FILLS = __FILLS__;
  const problems = [];
  const overlap = (a, b) => a.width > 0 && b.width > 0 && a.height > 0 && b.height > 0
      && a.left < b.right - 1 && b.left < a.right - 1
      && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  // Vega hides the labels it thins out (labelOverlap) with opacity 0: not drawn, not counted
  const drawn = n => parseFloat(n.getAttribute('opacity') ?? '1') > 0
      && getComputedStyle(n).opacity !== '0';
  const overlapping = (nodes, what, name) => {
    const boxes = nodes.filter(drawn).map(n => [n.textContent, n.getBoundingClientRect()])
                       .filter(([t, r]) => t.trim() && r.width > 0);
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++)
        if (overlap(boxes[i][1], boxes[j][1]))
          problems.push(`${name}: ${what} '${boxes[i][0]}' overlaps '${boxes[j][0]}'`);
  };
  document.querySelectorAll('[data-testid="stVegaLiteChart"]').forEach((chart, k) => {
    const svg = chart.querySelector('svg');
    const name = `chart ${k + 1} (${(svg && svg.getAttribute('aria-label') || '').slice(0, 60)})`;
    if (!svg) { problems.push(`${name}: no svg`); return; }
    const box = svg.getBoundingClientRect();
    if (box.height < 60 || box.width < 60) problems.push(`${name}: ${box.width}x${box.height} px`);
    const marks = svg.querySelectorAll('.role-mark path, .role-mark line, .role-mark text');
    if (marks.length === 0) problems.push(`${name}: no marks`);
    svg.querySelectorAll('.mark-rect path').forEach(bar => {
      const r = bar.getBoundingClientRect();
      if (r.height < 4) problems.push(`${name}: a bar ${r.height.toFixed(1)} px high`);
    });
    // no label, legend entry or title runs past the right of the chart's element or of the
    // viewport (the page clips it: a legend wider than a phone lost its last words)
    const frame = chart.getBoundingClientRect();
    const right = Math.min(frame.right, window.innerWidth);
    svg.querySelectorAll('text').forEach(t => {
      const r = t.getBoundingClientRect();
      if (drawn(t) && t.textContent.trim() && r.width > 0 && r.right > right + 1)
        problems.push(`${name}: text '${t.textContent}' runs outside the chart`);
    });
    svg.querySelectorAll('.role-axis').forEach(axis =>
      overlapping([...axis.querySelectorAll('.role-axis-label text')], 'axis label', name));
    svg.querySelectorAll('.mark-text').forEach(layer =>
      overlapping([...layer.querySelectorAll('text')], 'label', name));
    // a point whose change crosses a trend break: never diamond-marked or coloured as a rise/fall
    svg.querySelectorAll('[role="graphics-symbol"][aria-label*="trend break (not comparable)"]')
      .forEach(mark => {
        const label = mark.getAttribute('aria-label');
        const fill = (mark.getAttribute('fill') || '').toLowerCase();
        if (label.includes('Marked: significant change') || SIGNIFICANT_FILLS.includes(fill))
          problems.push(`${name}: a trend break shown as a significant change: ${label}`);
      });
  });
  document.querySelectorAll('[data-testid="stTable"] td').forEach(cell => {
    const text = cell.textContent;
    if (text.includes('‡') && (text.includes('▲') || text.includes('▼')))
      problems.push(`table cell '${text}': a trend break with an arrow`);
  });
  return problems;
}
""".replace("__FILLS__", json.dumps([c.lower() for c in MOVEMENT_COLOURS[0:3:2]]))


def assert_no_error_shown(page: Page) -> None:
    """No traceback, error or warning banner on the page: the demo marts are complete, so
    any of them is a fault (a page that renders around an error banner still fails)."""
    for test_id in ("stException", "stAlertContentError", "stAlertContentWarning"):
        shown = live(page, test_id)
        assert not shown.count(), f"{test_id}: {shown.first.inner_text()}"


def axe_violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} - "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def reading_order(page: Page, selector: str) -> list[str]:
    """Texts of the elements in the order a reader meets them (top to bottom, then left to
    right), each one checked to lie inside the viewport's width."""
    return page.evaluate(
        """([selector]) => [...document.querySelectorAll(selector)]
            .map(e => [e.textContent.trim(), e.getBoundingClientRect()])
            .filter(([t, r]) => r.width > 0)
            .map(([t, r]) => ({t, top: Math.round(r.top + window.scrollY), left: r.left,
                               right: r.right}))
            .sort((a, b) => a.top - b.top || a.left - b.left)
            .map(e => e.right <= window.innerWidth + 1 && e.left >= -1 ? e.t : 'OUTSIDE ' + e.t)""",
        [selector],
    )


def missions_in(marts: Path) -> list[str]:
    with duckdb.connect(str(marts), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "select mission_name from marts.dim_mission order by mission_id"
            ).fetchall()
        ]


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_reads_right(
    app_url: str, browser: Browser, path: str, width: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": WIDTHS[width], "height": 1000})
    try:
        page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
        title = PAGES[path]
        heading = (
            page.get_by_role("heading", level=1)
            if not title
            else page.get_by_role("heading", name=title)
        )
        from playwright.sync_api import expect

        expect(heading.first).to_be_visible(timeout=UI_TIMEOUT_MS)
        settle(page)
        # the whole page in one viewport: every chart laid out, a full-page screenshot
        height = page.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
        )
        page.set_viewport_size({"width": WIDTHS[width], "height": min(max(height, 1000), 9000)})
        settle(page)
        assert_no_error_shown(page)
        problems = page.evaluate(CHART_PROBLEMS)
        assert not problems, "\n".join(problems)
        violations = axe_violations(page)
        assert not violations, "\n".join(violations)
        query = "-" + path.split("=")[-1] if "?" in path else ""
        name = (path.split("?")[0] or "overview") + query
        shot = tmp_path / f"{name}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
        if os.environ.get("LUI_UPDATE_SCREENSHOT") == "1":
            SCREENS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, SCREENS / shot.name)
    finally:
        page.close()


def test_mobile_keeps_all_missions_in_order(
    app_url: str, browser: Browser, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import expect

    missions = missions_in(request.getfixturevalue("demo_marts"))
    page = browser.new_page(viewport={"width": WIDTHS["mobile"], "height": 900})
    try:
        # the landing page: all twelve missions at a glance, in order, each saying its change
        # in words beside the colour
        page.goto(app_url, wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name=PAGES[""])).to_be_visible(timeout=UI_TIMEOUT_MS)
        settle(page)
        tiles = reading_order(page, ".lui-tile h3")
        assert tiles == [f"{number}. {name}" for number, name in enumerate(missions, start=1)]
        key_top, tile_top = page.evaluate(
            """() => [
              [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
                .find(e => e.textContent.startsWith('Key:')).getBoundingClientRect().top,
              document.querySelector('.lui-tile').getBoundingClientRect().top]"""
        )
        assert key_top < tile_top, "the key comes before the tiles"
        words = page.locator(".lui-tile").all_inner_texts()
        assert all("significant" in w or "trend break" in w or "since" not in w for w in words), (
            words
        )
        page.goto(f"{app_url}/trends", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name=PAGES["trends"])).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        # a phone's page is long: wait until every mission's chart is drawn, not only the
        # ones drawn so far (settle waits for those)
        page.wait_for_function(
            """([n]) => document.querySelectorAll(
                '[data-testid="stVegaLiteChart"] svg .role-title-text').length >= n""",
            arg=[len(missions)],
            timeout=UI_TIMEOUT_MS,
        )
        settle(page)
        titles = reading_order(page, '[data-testid="stVegaLiteChart"] svg .role-title-text')
        assert titles == missions
        # one legend for the grid (none in the charts), and the key before the charts
        assert page.locator('[data-testid="stVegaLiteChart"] svg .role-legend').count() == 0
        key_top, chart_top = page.evaluate(
            """() => [
              [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
                .find(e => e.textContent.startsWith('Key:')).getBoundingClientRect().top,
              document.querySelector('[data-testid="stVegaLiteChart"]')
                .getBoundingClientRect().top]"""
        )
        assert key_top < chart_top, "the key comes before the charts"
        page.goto(f"{app_url}/scorecard", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Scorecard")).to_be_visible(timeout=UI_TIMEOUT_MS)
        settle(page)
        tiles = reading_order(page, '[data-testid="stMetricLabel"]')
        assert tiles == missions
    finally:
        page.close()


def test_printing_gives_whole_tables_without_the_sidebar(
    app_url: str, browser: Browser, tmp_path: Path
) -> None:
    """The breakdown table printed to A4: no sidebar or buttons, every mission's column."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(f"{app_url}/breakdown?breakdown=region", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name=PAGES["breakdown"])).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        settle(page)
        page.emulate_media(media="print")
        printed = page.evaluate(
            """() => {
              const shown = s => [...document.querySelectorAll(s)]
                  .some(e => getComputedStyle(e).display !== 'none' && e.offsetWidth > 0);
              const table = document.querySelector('[data-testid="stTable"] table');
              const box = table.getBoundingClientRect();
              const cut = [...table.querySelectorAll('th, td')]
                  .filter(c => c.getBoundingClientRect().right > box.right + 1).length;
              return {sidebar: shown('[data-testid="stSidebar"]'),
                      buttons: shown('[data-testid="stDownloadButton"]'),
                      columns: table.querySelectorAll('thead th').length, cut,
                      overflow: table.parentElement.scrollWidth
                                > table.parentElement.clientWidth + 1};
            }"""
        )
        assert printed == {
            "sidebar": False,
            "buttons": False,
            "columns": 15,  # the group, its letter, its base and the 12 missions
            "cut": 0,
            "overflow": False,
        }
        page.pdf(path=str(tmp_path / "breakdown.pdf"), format="A4", landscape=True)
        assert (tmp_path / "breakdown.pdf").stat().st_size > 10_000
    finally:
        page.close()


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
    app_url: str, browser: Browser, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    marts = request.getfixturevalue("demo_marts")
    page = browser.new_page(viewport={"width": 1400, "height": 2150})
    try:
        page.goto(f"{app_url}/trends", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Levelling Up Index: trends")).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        breakdown = live(page, "stSelectbox").filter(has_text="Breakdown")
        groups = live(page, "stMultiSelect").filter(has_text="Groups to compare")
        table = live(page, "stTable")

        # a different breakdown first: the groups on offer follow it
        script_done(page)
        breakdown.click()
        page.get_by_role("option", name="Nation", exact=True).click()
        expect(table).to_contain_text("England", timeout=UI_TIMEOUT_MS)

        # then regions, the default pair (North East, London) and one more group
        script_done(page)
        breakdown.click()
        page.get_by_role("option", name="Region", exact=True).click()
        expect(groups).to_contain_text("North East", timeout=UI_TIMEOUT_MS)
        expect(groups).to_contain_text("London")
        script_done(page)
        groups.locator("input").click()
        page.get_by_role("option", name=GROUPS[2], exact=True).click()
        page.keyboard.press("Escape")
        expect(table.locator("th", has_text=GROUPS[2])).to_be_visible(timeout=UI_TIMEOUT_MS)

        # the charts are drawn, one per mission
        chart = live(page, "stVegaLiteChart")
        expect(chart.first).to_be_visible(timeout=UI_TIMEOUT_MS)
        expect(chart.first.locator("svg").first).to_be_visible()
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

        settle(page)
        shot = tmp_path / "trends.png"
        page.screenshot(path=str(shot))
    finally:
        page.close()
    assert shot.stat().st_size > 50_000
    if os.environ.get("LUI_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


def test_local_areas_page_in_chromium(app_url: str, browser: Browser, tmp_path: Path) -> None:
    """Search an authority by typing, as a council officer would; its estimates show."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    try:
        page.goto(f"{app_url}/local_areas", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Local areas")).to_be_visible(timeout=UI_TIMEOUT_MS)
        # the page's first run over (a click before it can land on a picker about to be
        # replaced, and the typing go nowhere: CI under load), the list open, then type
        script_done(page)
        picker = live(page, "stSelectbox").filter(has_text="Local authority")
        picker.click()
        expect(page.get_by_role("option").first).to_be_visible(timeout=UI_TIMEOUT_MS)
        page.keyboard.type("Birmingham")
        page.get_by_role("option", name="Birmingham (E08000025)").click(timeout=UI_TIMEOUT_MS)
        expect(
            page.get_by_role("heading", name=f"Birmingham, wave {DEMO_WAVES[-1]}")
        ).to_be_visible(timeout=UI_TIMEOUT_MS)
        expect(page.get_by_text("Region: West Midlands").first).to_be_visible(timeout=UI_TIMEOUT_MS)
        expect(live(page, "stDataFrame").first).to_be_visible(timeout=UI_TIMEOUT_MS)
        # the map of every authority (its text alternative counts them) and the trend
        expect(page.get_by_text("Every authority:").first).to_be_visible(timeout=UI_TIMEOUT_MS)
        expect(live(page, "stVegaLiteChart").first).to_be_visible(timeout=UI_TIMEOUT_MS)
        assert live(page, "stVegaLiteChart").count() == 2
        expect(page.get_by_text("What a model-based estimate is, and is not")).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        assert_no_error_shown(page)
        page.mouse.move(0, 0)
        page.wait_for_timeout(1000)
        shot = tmp_path / "local_areas.png"
        page.screenshot(path=str(shot))
    finally:
        page.close()
    assert shot.stat().st_size > 30_000
