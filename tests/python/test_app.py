"""The Streamlit app (streamlit_app/) against marts built from demo waves, with AppTest.

The session's demo (`lui demo`, conftest.py) is the published copy the app reads. Every
page must run without an exception, its widgets must change what it shows, and the numbers
it shows must equal the marts'. The empty states (nothing published, one wave only),
picking up a newly published copy without a restart, and hostile values in the link or
the query functions are tested too.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from lui.demo import model as demo_model
from lui.paths import PROJECT_ROOT
from lui.present import formatting

pytestmark = pytest.mark.slow

APP_DIR = PROJECT_ROOT / "streamlit_app"
APP_FILE = APP_DIR / "app.py"
PAGES = {
    "trends": "views/trends.py",
    "overview": "views/overview.py",
    "missions": "views/missions.py",
    "scorecard": "views/scorecard.py",
    "breakdown": "views/breakdown.py",
    "priorities": "views/priorities.py",
    "local_areas": "views/local_areas.py",
    "crosstab": "views/crosstab.py",
    "perceptions": "views/perceptions.py",
    "quality": "views/quality.py",
}
DEMO_WAVES = demo_model.DEMO_WAVES
TIMEOUT = 60
HOSTILE = [
    "region'; drop table marts.fct_mission_index; --",
    "London' or '1'='1",
    'x"); select * from marts.dim_wave; --',
    "<script>alert(1)</script>",
]


# --------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def one_wave_marts(demo_marts: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A published copy holding only the first wave (the other waves' rows deleted)."""
    path = tmp_path_factory.mktemp("app_one_wave") / "published.duckdb"
    shutil.copyfile(demo_marts, path)
    with duckdb.connect(str(path)) as con:
        tables = [
            name
            for (name,) in con.execute(
                """
                select table_name from duckdb_tables()
                where schema_name = 'marts'
                  and (table_name like 'fct%' or table_name = 'dim_wave')
                """
            ).fetchall()
        ]
        for table in tables:
            con.execute(f"delete from marts.{table} where wave_id <> ?", [DEMO_WAVES[0]])
    return path


@pytest.fixture
def marts_env(demo_marts: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LUI_MARTS", str(demo_marts))
    return demo_marts


def run_page(page: str, query: dict[str, str | list[str]] | None = None) -> AppTest:
    """Open `page` with `query` as its link's query parameters."""
    at = AppTest.from_file(str(APP_FILE), default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.run()
    if page != "overview":
        # the landing page rewrote the link: give the page its own link, as a browser would
        at.query_params.clear()
        at.query_params.update(query or {})
        at.switch_page(PAGES[page]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def marts_frame(path: Path, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).df()


def signed(value: float, digits: int = 0) -> str:
    """The report's style: +16, -33, 0."""
    rounded = round(float(value), digits)
    return f"{0:.{digits}f}" if rounded == 0 else f"{rounded:+.{digits}f}"


def charts(at: AppTest) -> list:
    return list(at.get("vega_lite_chart"))


def widget(at: AppTest, kind: str, label: str):
    found = [w for w in getattr(at, kind) if w.label == label]
    assert found, f"no {kind} labelled {label!r}"
    return found[0]


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def cell_colours(at: AppTest, table_index: int = 0) -> dict[tuple[str, str], str]:
    """Background colour of each shaded cell of a styled st.table, by (row, column) label."""
    element = at.table[table_index]
    table = element.value
    colours: dict[tuple[str, str], str] = {}
    for selectors, body in re.findall(
        r"([^{}]+)\{([^}]*)\}", element.proto.arrow_data.styler.styles
    ):
        colour = re.search(r"background-color:\s*([^;\s]+)", body)
        if not colour:
            continue
        for row, column in re.findall(r"_row(\d+)_col(\d+)", selectors):
            colours[(table.index[int(row)], table.columns[int(column)])] = colour.group(1)
    return colours


# --------------------------------------------------------------------------------------
# Every page, empty states
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_runs_with_downloads_and_methodology(marts_env: Path, page: str) -> None:
    at = run_page(page)
    assert at.title, "each page has a title"
    assert at.get("download_button"), "every table is downloadable"
    assert any(e.label == "Methodology notes" for e in at.expander)
    assert "Fieldwork" in captions(at) or page == "quality"


def test_the_prose_says_the_thresholds_the_copy_was_built_with(
    demo_marts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The thresholds come from marts.publication; a copy without them reads dbt_project.yml."""
    path = tmp_path / "published.duckdb"
    shutil.copyfile(demo_marts, path)
    monkeypatch.setenv("LUI_MARTS", str(path))
    with duckdb.connect(str(path)) as con:
        con.execute(
            "update marts.publication set low_base_threshold = 80, "
            "suppression_threshold = 40, z_critical = 2.576"
        )
    text = captions(run_page("trends"))
    assert "99% interval" in text
    assert "under 80 respondents" in text and "under 40 respondents" in text
    methodology = run_page("breakdown")
    assert "under 80 respondents" in captions(methodology)
    notes = [e for e in methodology.expander if e.label == "Methodology notes"]
    assert "± 2.576 SE" in notes[0].markdown[0].value
    assert "fewer than 80 respondents" in notes[0].markdown[0].value

    # an older copy, published before the thresholds were recorded
    older = tmp_path / "older.duckdb"
    shutil.copyfile(demo_marts, older)
    monkeypatch.setenv("LUI_MARTS", str(older))
    with duckdb.connect(str(older)) as con:
        for column in ("low_base_threshold", "suppression_threshold", "z_critical"):
            con.execute(f"alter table marts.publication drop column {column}")
    text = captions(run_page("trends"))
    assert "95% interval" in text and "under 100 respondents" in text


@pytest.mark.parametrize("page", list(PAGES))
def test_no_marts_published_yet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str) -> None:
    monkeypatch.setenv("LUI_MARTS", str(tmp_path / "missing" / "published.duckdb"))
    at = run_page(page)
    assert any("No marts published yet" in i.value for i in at.info)
    assert not charts(at) and not at.table and not at.dataframe


def test_a_file_without_marts_is_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "published.duckdb"
    duckdb.connect(str(empty)).close()
    monkeypatch.setenv("LUI_MARTS", str(empty))
    at = run_page("trends")
    assert any("could not be read as marts" in w.value for w in at.warning)


def test_one_wave_only(one_wave_marts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUI_MARTS", str(one_wave_marts))
    at = run_page("trends")
    assert any("Only one wave is published" in i.value for i in at.info)
    assert charts(at), "the single wave's scores are still charted"
    uk = marts_frame(
        one_wave_marts,
        "select mission_name, index_score from marts.fct_mission_index where breakdown = 'all'",
    )
    table = at.table[0].value
    for row in uk.itertuples():
        assert table.loc[row.mission_name, "UK"].startswith(signed(row.index_score))
    at = run_page("scorecard")
    assert any("Only one wave" in i.value for i in at.info)


def test_a_newly_published_copy_is_picked_up_without_restart(
    demo_marts: Path, one_wave_marts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = tmp_path / "published.duckdb"
    shutil.copyfile(one_wave_marts, live)
    monkeypatch.setenv("LUI_MARTS", str(live))
    at = run_page("trends")
    assert any("Only one wave" in i.value for i in at.info)
    # publish a new copy the way `lui publish` does: write beside, then swap in atomically
    staged = tmp_path / ".staged.duckdb"
    shutil.copyfile(demo_marts, staged)
    os.replace(staged, live)
    at.run()
    assert not at.exception
    assert not any("Only one wave" in i.value for i in at.info)
    assert at.subheader[0].value == f"Latest wave: {DEMO_WAVES[-1]}"


# --------------------------------------------------------------------------------------
# Overview (the landing page)
# --------------------------------------------------------------------------------------
def test_overview_is_first_and_shows_every_mission_in_words(marts_env: Path) -> None:
    """The landing page: all 12 UK missions, each tile's score and change in symbol, number
    and words (never colour alone), the key before the tiles, and main points that rest on
    the false-discovery-controlled tests only."""
    at = AppTest.from_file(str(APP_FILE), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "Levelling Up Index: the 12 missions"
    grid = next(m.value for m in at.markdown if "lui-tiles" in m.value)
    assert any(c.value.startswith("Key: ▲ significant rise") for c in at.caption)
    uk = marts_frame(
        marts_env,
        """
        select mission_id, mission_name, index_score, change_vs_previous, change_significant,
               trend_break
        from marts.fct_mission_index where breakdown = 'all' and wave_id = ?
        order by mission_id
        """,
        [DEMO_WAVES[-1]],
    )
    tiles = grid.split("class='lui-tile'")[1:]
    assert len(tiles) == 12
    for tile, row in zip(tiles, uk.itertuples(), strict=True):
        assert f"{row.mission_id}. {row.mission_name}".replace("&", "&amp;") in tile
        assert f">{signed(row.index_score)}" in tile
        previous = tile.split("<p>")[1]
        if row.trend_break:
            assert "trend break" in previous and "▲" not in previous and "▼" not in previous
        elif row.change_significant:
            assert ("significant rise" if row.change_vs_previous > 0 else "significant fall") in (
                previous
            )
        else:
            assert "no significant change" in previous
    with duckdb.connect(str(marts_env), read_only=True) as con:
        flagged = con.execute(
            "select count(*) from marts.fct_significance_tests where wave_id = ? "
            "and significant_fdr",
            [DEMO_WAVES[-1]],
        ).fetchone()[0]
    points = next(m.value for m in at.markdown if m.value.startswith("- In "))
    assert f"and {flagged:,} after controlling the false discovery rate" in points


# --------------------------------------------------------------------------------------
# Trends
# --------------------------------------------------------------------------------------
def test_trends_defaults_show_the_marts(marts_env: Path) -> None:
    at = run_page("trends")
    assert widget(at, "selectbox", "Breakdown").value == "region"
    assert widget(at, "multiselect", "Groups to compare (up to 4)").value == [
        "North East",
        "London",
    ]
    table = at.table[0].value
    assert list(table.columns) == ["UK", "North East", "London"]
    latest = marts_frame(
        marts_env,
        """
        select group_label, mission_name, index_score, change_significant, change_vs_previous,
               trend_break
        from marts.fct_mission_index
        where wave_id = ? and group_label in ('UK', 'North East', 'London')
        """,
        [DEMO_WAVES[-1]],
    )
    assert len(latest) == 36
    for row in latest.itertuples():
        cell = table.loc[row.mission_name, row.group_label]
        assert cell.split()[0] == signed(row.index_score)
        # an arrow only for a significant like-for-like change; a trend break is marked ‡
        marked = "▲" in cell or "▼" in cell
        assert marked == (bool(row.change_significant) and not row.trend_break), (row, cell)
        assert ("‡" in cell) == bool(row.trend_break), (row, cell)
    # one chart per mission, each carrying every wave and group with its interval; the
    # trend-break rule and label only where the mission has a trend break
    shown = charts(at)
    assert len(shown) == 12
    broken = set(
        marts_frame(
            marts_env,
            """
            select distinct mission_name from marts.fct_mission_index
            where trend_break and group_label in ('UK', 'North East', 'London')
            """,
        )["mission_name"]
    )
    assert broken, "the demo waves have a trend break"
    missions = marts_frame(marts_env, "select mission_name from marts.dim_mission order by 1")
    with_break = set()
    for chart in shown:
        spec = chart.proto.spec
        for text in ("ci_low", "ci_high", "Base (n)", "Interval"):
            assert text in spec
        if '"value": "trend break"' in spec:
            with_break |= {m for m in missions["mission_name"] if f'"text": "{m}"' in spec}
    assert with_break == broken
    assert "Fieldwork: 2022-02:" in captions(at)
    assert "Base (respondents): UK (" in captions(at)
    assert at.query_params["breakdown"] == ["region"] or at.query_params["breakdown"] == "region"


def test_trends_widgets_change_what_is_shown(marts_env: Path) -> None:
    at = run_page("trends")
    widget(at, "selectbox", "Breakdown").set_value("supergroup").run()
    groups = widget(at, "multiselect", "Groups to compare (up to 4)")
    groups.set_value(["London Cosmopolitan", "Countryside Living"]).run()
    assert not at.exception
    table = at.table[0].value
    assert list(table.columns) == ["UK", "London Cosmopolitan", "Countryside Living"]
    expected = marts_frame(
        marts_env,
        """
        select group_label, mission_name, index_score from marts.fct_mission_index
        where wave_id = ? and breakdown = 'supergroup'
          and group_label in ('London Cosmopolitan', 'Countryside Living')
        """,
        [DEMO_WAVES[-1]],
    )
    for row in expected.itertuples():
        assert table.loc[row.mission_name, row.group_label].split()[0] == signed(row.index_score)
    # hiding the UK and choosing missions narrows the table
    widget(at, "toggle", "Show the UK alongside").set_value(False).run()
    widget(at, "multiselect", "Missions").set_value(["Internet", "Homes"]).run()
    table = at.table[0].value
    assert list(table.columns) == ["London Cosmopolitan", "Countryside Living"]
    assert list(table.index) == ["Internet", "Homes"]
    # at most four groups
    assert widget(at, "multiselect", "Groups to compare (up to 4)").proto.max_selections == 4


def test_trends_deep_link_selects_breakdown_and_groups(marts_env: Path) -> None:
    at = run_page("trends", {"breakdown": "nation", "groups": ["Wales", "Scotland"]})
    assert widget(at, "selectbox", "Breakdown").value == "nation"
    assert widget(at, "multiselect", "Groups to compare (up to 4)").value == ["Wales", "Scotland"]
    assert list(at.table[0].value.columns) == ["UK", "Wales", "Scotland"]
    assert not at.warning


def test_trends_suppressed_groups_are_shown_as_such(marts_env: Path) -> None:
    at = run_page("trends", {"breakdown": "gender", "groups": ["Other", "Female"]})
    suppressed = marts_frame(
        marts_env,
        """
        select mission_name from marts.fct_mission_index
        where wave_id = ? and breakdown = 'gender' and group_label = 'Other' and suppressed
        """,
        [DEMO_WAVES[-1]],
    )
    assert len(suppressed) > 0, "the demo waves have a suppressed group"
    table = at.table[0].value
    for name in suppressed["mission_name"]:
        assert table.loc[name, "Other"] == "suppressed"


# --------------------------------------------------------------------------------------
# Hostile values
# --------------------------------------------------------------------------------------
def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("page", list(PAGES))
def test_hostile_query_parameters_are_harmless(marts_env: Path, page: str) -> None:
    before = sha256(marts_env)
    at = run_page(
        page,
        {
            "breakdown": HOSTILE[0],
            "groups": HOSTILE[1:],
            "group": HOSTILE[1],
            "wave": HOSTILE[2],
            "question": HOSTILE[3],
            "mission": HOSTILE[0],
        },
    )
    # an unknown value is ignored (said so), never queried or echoed; the page shows defaults
    if page != "quality":
        assert any("unknown" in w.value for w in at.warning)
    if page == "crosstab":  # two breakdowns, rows and columns, at their defaults
        assert widget(at, "selectbox", "Rows").value == "region"
        assert widget(at, "selectbox", "Columns").value == "age_band"
    elif page not in {"quality", "overview", "missions", "local_areas"}:  # no breakdown picker
        breakdown = widget(at, "selectbox", "Breakdown").value
        assert breakdown in {"region", "all", "supergroup"}
    shown = "\n".join(str(e.value) for e in [*at.warning, *at.markdown, *at.caption])
    assert not any(h in shown for h in HOSTILE)
    assert sha256(marts_env) == before
    counts = marts_frame(marts_env, "select count(*) as n from marts.fct_mission_index")
    assert counts["n"].iloc[0] > 0


def test_hostile_widget_value_is_rejected(marts_env: Path) -> None:
    at = run_page("trends")
    # a widget only takes one of its options (which come from the marts)
    with pytest.raises(ValueError, match="not in list"):
        widget(at, "selectbox", "Breakdown").set_value(HOSTILE[0]).run()


# --------------------------------------------------------------------------------------
# Scorecard
# --------------------------------------------------------------------------------------
def test_scorecard_equals_the_marts(marts_env: Path) -> None:
    at = run_page("scorecard")
    assert widget(at, "selectbox", "Breakdown").value == "all"
    widget(at, "selectbox", "Breakdown").set_value("region").run()
    widget(at, "selectbox", "Group").set_value("London").run()
    assert not at.exception
    assert at.subheader[0].value == f"London, wave {DEMO_WAVES[-1]}"
    rows = marts_frame(
        marts_env,
        """
        select l.mission_name, l.index_score, l.ci_low, l.change_vs_previous,
               l.change_significant, l.trend_break, l.design_effect,
               l.index_score - b.index_score as since_baseline
        from marts.fct_mission_index as l
        join marts.fct_mission_index as b
          on b.breakdown = l.breakdown and b.group_label = l.group_label
         and b.mission_id = l.mission_id and b.wave_id = ?
        where l.breakdown = 'region' and l.group_label = 'London' and l.wave_id = ?
        order by l.mission_id
        """,
        [DEMO_WAVES[0], DEMO_WAVES[-1]],
    )
    metrics = {m.label: m for m in at.metric}
    assert len(metrics) == 12
    for row in rows.itertuples():
        metric = metrics[row.mission_name]
        assert metric.value.split()[0] == signed(row.index_score)
        assert metric.delta.split()[0] == signed(row.change_vs_previous, 1)
        grey = metric.proto.color == Metric.MetricColor.GRAY
        # a coloured change is significant and like for like (never across a trend break),
        # and its words say so: significance is never shown by colour alone
        significant = bool(row.change_significant) and not row.trend_break
        assert grey != significant
        said = "significant rise" in metric.delta or "significant fall" in metric.delta
        assert said == significant, metric.delta
    table = at.dataframe[0].value.set_index("mission_name")
    for row in rows.itertuples():
        assert table.loc[row.mission_name, "index"] == pytest.approx(row.index_score, abs=0.051)
        assert table.loc[row.mission_name, "ci_low"] == pytest.approx(row.ci_low, abs=0.051)
        assert table.loc[row.mission_name, "change_vs_baseline"] == pytest.approx(
            row.since_baseline, abs=0.051
        )
        # each estimate's design effect, beside its base, as the mart publishes it
        assert table.loc[row.mission_name, "design_effect"] == pytest.approx(
            row.design_effect, abs=0.0051
        )
        assert row.design_effect > 0.5
    assert charts(at)


# --------------------------------------------------------------------------------------
# Local areas
# --------------------------------------------------------------------------------------
def test_local_areas_show_an_authority_beside_its_region_and_the_uk(marts_env: Path) -> None:
    at = run_page("local_areas")
    picker = widget(at, "selectbox", "Local authority (type to search)")
    assert len(picker.options) == 361
    la_code = "E08000025"  # Birmingham
    picker.set_value(la_code).run()
    widget(at, "selectbox", "Wave").set_value(DEMO_WAVES[0]).run()
    assert not at.exception
    assert at.subheader[1].value == f"Birmingham, wave {DEMO_WAVES[0]}"
    rows = marts_frame(
        marts_env,
        """
        select l.mission_name, l.model_estimate, l.ci_low, l.ci_high, l.direct_estimate,
               l.respondents, r.index_score as region_index, u.index_score as uk_index
        from marts.fct_local_mission_index as l
        join marts.fct_mission_index as r
          on r.wave_id = l.wave_id and r.mission_id = l.mission_id
         and r.breakdown = 'region' and r.group_label = 'West Midlands'
        join marts.fct_mission_index as u
          on u.wave_id = l.wave_id and u.mission_id = l.mission_id and u.breakdown = 'all'
        where l.la_code = ? and l.wave_id = ?
        order by l.mission_id
        """,
        [la_code, DEMO_WAVES[0]],
    )
    table = at.dataframe[1].value.set_index("mission_name")
    assert len(table) == len(rows) == 12
    for row in rows.itertuples():
        shown = table.loc[row.mission_name]
        assert shown["model"] == pytest.approx(row.model_estimate, abs=0.051)
        assert shown["low"] == pytest.approx(row.ci_low, abs=0.051)
        assert shown["high"] == pytest.approx(row.ci_high, abs=0.051)
        assert shown["region_index"] == pytest.approx(row.region_index, abs=0.051)
        assert shown["uk_index"] == pytest.approx(row.uk_index, abs=0.051)
        if row.respondents < 50:  # suppressed in the mart, as every estimate under 50
            assert pd.isna(shown["direct"]) and pd.isna(row.direct_estimate)
        else:
            assert shown["direct"] == pytest.approx(row.direct_estimate, abs=0.051)
        assert shown["respondents"] == row.respondents


def test_local_areas_rank_every_authority_on_a_mission(marts_env: Path) -> None:
    at = run_page("local_areas")
    widget(at, "selectbox", "Mission").set_value(3).run()
    assert not at.exception
    ranking = at.dataframe[0].value
    expected = marts_frame(
        marts_env,
        """
        select la_code, model_estimate, respondents from marts.fct_local_mission_index
        where mission_id = 3 and wave_id = ? order by model_estimate desc
        """,
        [DEMO_WAVES[-1]],
    )
    assert len(ranking) == 361
    assert ranking["la_code"].tolist() == expected["la_code"].tolist()
    assert ranking["rank"].iloc[0] == 1 and ranking["model_estimate"].is_monotonic_decreasing
    unsampled = ranking[ranking["respondents"] == 0]
    sampled = ranking[ranking["respondents"] >= 10]
    assert not unsampled.empty and not sampled.empty
    width = ranking["ci_high"] - ranking["ci_low"]
    assert width[unsampled.index].min() > width[sampled.index].median()
    assert "model-based estimate" in "\n".join(m.value for m in at.markdown)
    # beside the map: how each authority stands against its region, in words and symbols
    region = marts_frame(
        marts_env,
        """
        select la_code, vs_region from marts.fct_local_mission_index
        where mission_id = 3 and wave_id = ?
        """,
        [DEMO_WAVES[-1]],
    ).set_index("la_code")["vs_region"]
    words = {"above": "▲ above", "below": "▼ below"}
    for row in ranking.itertuples():
        assert row.vs_region == words.get(region[row.la_code], "overlaps")
    assert charts(at), "the hex map of every authority"


# --------------------------------------------------------------------------------------
# Cross-tabs
# --------------------------------------------------------------------------------------
def test_crosstab_shows_two_breakdowns_crossed_as_the_marts_publish_them(
    marts_env: Path,
) -> None:
    at = run_page("crosstab")
    widget(at, "selectbox", "Rows").set_value("age_band").run()
    widget(at, "selectbox", "Columns").set_value("region").run()
    widget(at, "selectbox", "Mission").set_value(6).run()
    widget(at, "selectbox", "Wave").set_value(DEMO_WAVES[-1]).run()
    assert not at.exception
    table, bases = at.table[0].value, at.table[1].value
    cells = marts_frame(
        marts_env,
        """
        select group_label, index_score, unweighted_base, low_base, suppressed
        from marts.fct_mission_index
        where wave_id = ? and mission_id = 6 and breakdown = 'region_x_age_band'
        """,
        [DEMO_WAVES[-1]],
    )
    assert len(cells) > 50
    assert list(table.index) == ["16-24", "25-34", "35-44", "45-54", "55-64", "65+"]
    assert "North East" in table.columns and "Wales" in table.columns
    for cell in cells.itertuples():
        region, age = cell.group_label.split(" | ")
        shown = table.loc[age, region]
        if cell.suppressed:
            assert shown == "suppressed"
        else:
            assert shown.split()[0] == signed(cell.index_score)
            assert ("†" in shown) == bool(cell.low_base)
        assert bases.loc[age, region] == f"{cell.unweighted_base:,}"
    assert (cells["suppressed"]).any(), "small cells are suppressed under 50"


# --------------------------------------------------------------------------------------
# Breakdown table
# --------------------------------------------------------------------------------------
def test_breakdown_table_equals_the_marts_with_shading_and_flags(marts_env: Path) -> None:
    at = run_page("breakdown")
    assert widget(at, "selectbox", "Breakdown").value == "supergroup"
    widget(at, "selectbox", "Wave").set_value(DEMO_WAVES[0]).run()
    table = at.table[0].value
    rows = marts_frame(
        marts_env,
        """
        select group_label, breakdown, mission_name, index_score, vs_rest, low_base, suppressed
        from marts.fct_mission_index
        where wave_id = ? and breakdown in ('all', 'supergroup')
        """,
        [DEMO_WAVES[0]],
    )
    assert list(table.index)[0] == "All UK"
    assert len(table) == 1 + 8
    colours = cell_colours(at)
    expected = {"above": "#bfe3c0", "below": "#f4c2c2"}
    shaded = {
        ("All UK" if r.breakdown == "all" else r.group_label, r.mission_name): expected[r.vs_rest]
        for r in rows.itertuples()
        if r.vs_rest in expected
    }
    assert shaded, "the demo waves have groups above and below the rest"
    assert colours == shaded
    for row in rows.itertuples():
        label = "All UK" if row.breakdown == "all" else row.group_label
        cell = table.loc[label, row.mission_name]
        assert cell.split()[0] == signed(row.index_score)
        assert ("†" in cell) == bool(row.low_base)

    widget(at, "selectbox", "Breakdown").set_value("gender").run()
    table = at.table[0].value
    assert "Other" in table.index
    assert (table.loc["Other"].drop(["Letter", "Base (n)"]) == "suppressed").all()


def test_breakdown_table_letters_are_the_marts_group_comparisons(marts_env: Path) -> None:
    """Each group a letter; each cell the letters of the groups it is significantly above
    (fct_group_comparisons), as survey tables show column letters."""
    at = run_page("breakdown", {"breakdown": "region", "wave": DEMO_WAVES[-1]})
    table = at.table[0].value
    letters = table["Letter"].drop("All UK").to_dict()
    assert list(letters.values())[:3] == ["A", "B", "C"]
    higher = marts_frame(
        marts_env,
        """
        select group_label, other_group_label, mission_name from marts.fct_group_comparisons
        where breakdown = 'region' and wave_id = ? and comparison = 'higher'
        """,
        [DEMO_WAVES[-1]],
    )
    assert not higher.empty, "the demo's regions differ significantly somewhere"
    expected: dict[tuple[str, str], set[str]] = {}
    for row in higher.itertuples():
        expected.setdefault((row.group_label, row.mission_name), set()).add(
            letters[row.other_group_label]
        )
    for group in letters:
        for mission in table.columns.drop(["Letter", "Base (n)"]):
            words = table.loc[group, mission].split()
            shown = set("".join(w for w in words[1:] if w.isalpha() and w.isupper()))
            assert shown == expected.get((group, mission), set()), (group, mission)


def test_breakdown_table_flags_low_bases(marts_env: Path) -> None:
    at = run_page("breakdown", {"breakdown": "region", "wave": DEMO_WAVES[1]})
    low = marts_frame(
        marts_env,
        """
        select group_label, mission_name from marts.fct_mission_index
        where wave_id = ? and breakdown = 'region' and low_base and not suppressed
        """,
        [DEMO_WAVES[1]],
    )
    table = at.table[0].value
    for row in low.itertuples():
        assert table.loc[row.group_label, row.mission_name].endswith("†")


# --------------------------------------------------------------------------------------
# Priorities
# --------------------------------------------------------------------------------------
def test_priorities_table_equals_the_marts_with_emphasis(marts_env: Path) -> None:
    at = run_page("priorities")
    assert widget(at, "selectbox", "Breakdown").value == "region"
    widget(at, "selectbox", "Wave").set_value(DEMO_WAVES[0]).run()
    table = at.table[0].value
    rows = marts_frame(
        marts_env,
        """
        select breakdown, group_label, priority_label, pct_chosen,
               coalesce(more_emphasis, false) as more_emphasis
        from marts.fct_priorities
        where wave_id = ? and breakdown in ('all', 'region')
        """,
        [DEMO_WAVES[0]],
    )
    assert list(table.columns)[0] == "All UK"
    emphasised = set()
    for row in rows.itertuples():
        column = "All UK" if row.breakdown == "all" else row.group_label
        cell = table.loc[row.priority_label, column]
        assert cell.split()[0] == f"{row.pct_chosen:.0f}%"
        if row.more_emphasis:
            emphasised.add((row.priority_label, column))
        assert ("●" in cell) == ((row.priority_label, column) in emphasised)
    assert emphasised, "the demo waves have priorities given more emphasis"
    assert cell_colours(at) == dict.fromkeys(emphasised, "#ffe08a")
    # rows in the UK's order
    uk = rows[rows["breakdown"] == "all"].sort_values("pct_chosen", ascending=False)
    assert list(table.index)[:3] == list(uk["priority_label"])[:3]

    widget(at, "selectbox", "Breakdown").set_value("supergroup").run()
    assert "London Cosmopolitan" in at.table[0].value.columns


# --------------------------------------------------------------------------------------
# Perceptions
# --------------------------------------------------------------------------------------
PERCEPTION_CODES = {
    "know_levelling_up",
    "spending_share",
    "gov_difference_next_years",
    "impact_20_years",
    "gov_cares_people_like_you",
    "gov_cares_local_area",
    "support_la_control",
    "support_mayor",
}


def toplines(path: Path, question: str, breakdown: str, wave: str) -> pd.DataFrame:
    return marts_frame(
        path,
        """
        select breakdown, group_label, response_code, response_label, weighted_pct,
               unweighted_base, low_base, suppressed
        from marts.fct_question_toplines
        where question_code = ? and wave_id = ? and breakdown in ('all', ?)
        order by response_code
        """,
        [question, wave, breakdown],
    )


def test_perceptions_defaults_equal_the_marts(marts_env: Path) -> None:
    at = run_page("perceptions")
    question = widget(at, "selectbox", "Question")
    assert question.value == "know_levelling_up"
    assert set(question.options) == {
        label
        for (label,) in marts_frame(
            marts_env,
            "select distinct short_label from marts.dim_question"
            " where list_contains(?, question_code)",
            [sorted(PERCEPTION_CODES)],
        ).itertuples(index=False)
    }
    assert widget(at, "selectbox", "Breakdown").value == "region"
    assert widget(at, "selectbox", "Wave").value == DEMO_WAVES[-1]
    wording = marts_frame(
        marts_env,
        "select distinct question_text from marts.dim_question where question_code = ?",
        ["know_levelling_up"],
    )["question_text"].iloc[0]
    assert any(wording in m.value for m in at.markdown), "the question wording is shown"

    rows = toplines(marts_env, "know_levelling_up", "region", DEMO_WAVES[-1])
    table = at.table[0].value
    assert list(table.index)[0] == "All UK"
    assert list(table.columns) == ["Base (n)", *dict.fromkeys(rows["response_label"])]
    uk = rows[rows["breakdown"] == "all"]
    assert len(uk) > 0
    for row in uk.itertuples():
        assert table.loc["All UK", row.response_label].split()[0] == f"{row.weighted_pct:.0f}%"
    assert table.loc["All UK", "Base (n)"] == f"{uk['unweighted_base'].max():,}"
    for row in rows[rows["breakdown"] == "region"].itertuples():
        cell = table.loc[row.group_label, row.response_label]
        if row.suppressed:
            assert cell == "suppressed"
        else:
            assert cell.split()[0] == f"{row.weighted_pct:.0f}%"
            assert ("†" in cell) == bool(row.low_base)
    # first the UK over time (a stacked bar per wave), then one stacked bar per group,
    # answers in scale order, bases in the labels
    nets, history, chart = charts(at)  # the report's nets by wave come first
    assert "pct" in nets.proto.spec
    for wave in DEMO_WAVES:
        assert f'"{wave}"' in history.proto.spec  # a row per wave (the y scale's domain)
    spec = chart.proto.spec
    for text in ("weighted_pct", "Base (n)", "All UK (n = ", "response_code"):
        assert text in spec
    assert "Fieldwork: " + DEMO_WAVES[-1] in captions(at)
    assert at.get("download_button")


def test_perceptions_widgets_change_what_is_shown(marts_env: Path) -> None:
    at = run_page("perceptions")
    before = at.table[0].value
    widget(at, "selectbox", "Question").set_value("support_mayor").run()
    assert not at.exception
    rows = toplines(marts_env, "support_mayor", "region", DEMO_WAVES[-1])
    table = at.table[0].value
    assert list(table.columns) == ["Base (n)", *dict.fromkeys(rows["response_label"])]
    assert list(table.columns) != list(before.columns)
    assert at.query_params["question"] in (["support_mayor"], "support_mayor")

    widget(at, "selectbox", "Breakdown").set_value("nation").run()
    widget(at, "selectbox", "Wave").set_value(DEMO_WAVES[0]).run()
    assert not at.exception
    table = at.table[0].value
    rows = toplines(marts_env, "support_mayor", "nation", DEMO_WAVES[0])
    assert set(table.index) == {"All UK", *rows.loc[rows["breakdown"] == "nation", "group_label"]}
    assert "Wales" in table.index and "London" not in table.index
    for row in rows[~rows["suppressed"]].itertuples():
        label = "All UK" if row.breakdown == "all" else row.group_label
        assert table.loc[label, row.response_label].split()[0] == f"{row.weighted_pct:.0f}%"


def test_perceptions_deep_link_and_suppressed_groups(marts_env: Path) -> None:
    at = run_page(
        "perceptions",
        {"question": "gov_cares_local_area", "breakdown": "gender", "wave": DEMO_WAVES[1]},
    )
    assert widget(at, "selectbox", "Question").value == "gov_cares_local_area"
    assert widget(at, "selectbox", "Wave").value == DEMO_WAVES[1]
    assert not at.warning
    rows = toplines(marts_env, "gov_cares_local_area", "gender", DEMO_WAVES[1])
    withheld = set(rows.loc[rows["suppressed"], "group_label"])
    assert withheld, "the demo waves have a suppressed gender group"
    table = at.table[0].value
    for group in withheld:
        assert (table.loc[group].drop("Base (n)").isin(["suppressed", "–"])).all()
    spec = charts(at)[-1].proto.spec  # the groups' chart, after the UK's history
    assert "base too small to publish" in spec


# --------------------------------------------------------------------------------------
# Data quality
# --------------------------------------------------------------------------------------
def test_data_quality_shows_waves_and_landing_log(marts_env: Path) -> None:
    at = run_page("quality")
    waves, weighting, margins, log = (d.value for d in at.dataframe)
    dim_wave = marts_frame(marts_env, "select * from marts.dim_wave order by wave_number")
    assert list(waves["wave_id"]) == list(dim_wave["wave_id"])
    assert list(waves["respondents"]) == list(dim_wave["respondents"])
    assert list(waves["validation_outcome"]) == list(dim_wave["validation_outcome"])
    # Kish's design effect of the weights comes from the mart, rounded for display
    assert list(waves["weighting_design_effect"]) == pytest.approx(
        list(dim_wave["weighting_design_effect"]), abs=0.0051
    )
    assert (dim_wave["weighting_design_effect"] > 1).all()
    landings = marts_frame(marts_env, "select * from marts.fct_landings")
    assert len(log) == len(landings)
    assert set(log["file_sha256"]) == set(landings["file_sha256"])
    assert any("passed validation" in s.value for s in at.success)
    # the weighting report: the demo waves keep their delivered weights
    assert sorted(weighting["wave_id"]) == sorted(dim_wave["wave_id"])
    assert set(weighting["weighting_method"]) == {"delivered"}
    assert set(weighting["se_method"]) == {formatting.SE_METHODS["taylor_weights"]}
    shown = marts_frame(
        marts_env,
        "select * from marts.fct_weighting_margins where wave_id = ? ",
        [max(dim_wave["wave_id"])],
    )
    assert len(margins) == len(shown) > 0
    assert set(margins["target_variable"]) == set(shown["target_variable"])
