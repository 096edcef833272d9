"""Pickers and deep links (?breakdown=region&groups=London&groups=North+East).

Every widget that chooses what a page shows; a valid query parameter sets a widget's first
value, an unknown one is reported and ignored, and `set_link` keeps the address bar in
step so a view can be shared.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st
from lui.present import queries
from lui.present.formatting import UK, breakdown_label, group_label

MAX_GROUPS = 4


# --------------------------------------------------------------------------------------
def _link_value(param: str, options: Sequence[str]) -> str | None:
    """A query-parameter value only if it is one of the known options."""
    value = st.query_params.get(param)
    return value if value in options else None


def _link_values(param: str, options: Sequence[str]) -> list[str]:
    return [v for v in st.query_params.get_all(param) if v in options]


def _warn_unknown_link(param: str, options: Sequence[str]) -> None:
    unknown = [v for v in st.query_params.get_all(param) if v not in options]
    if unknown:
        st.warning(
            f"The link asked for {len(unknown)} unknown {param} value(s); they were ignored."
        )


def breakdown_picker(
    marts: queries.Marts, key: str, *, default: str = "region", include_all: bool = True
) -> str:
    """Selectbox of the breakdowns in the marts; a valid ?breakdown= sets its first value."""
    options = queries.breakdowns(marts)
    if not include_all and len(options) > 1:
        options = [b for b in options if b != "all"]
    if key not in st.session_state:
        _warn_unknown_link("breakdown", options)
        st.session_state[key] = _link_value("breakdown", options) or (
            default if default in options else options[0]
        )
    return st.selectbox("Breakdown", options, key=key, format_func=breakdown_label)


def _default_groups(breakdown: str, options: Sequence[str], limit: int) -> list[str]:
    linked = _link_values("groups", options)
    if st.query_params.get("breakdown") == breakdown and linked:
        return linked[:limit]
    preferred = [g for g in ("North East", "London") if g in options]
    return (preferred or list(options))[: min(limit, 2)]


def groups_picker(marts: queries.Marts, breakdown: str, key: str) -> list[str]:
    """Up to four groups of a breakdown (a fresh choice per breakdown)."""
    options = queries.groups(marts, breakdown)
    widget_key = f"{key}_{breakdown}"
    if widget_key not in st.session_state:
        if st.query_params.get("breakdown") == breakdown:
            _warn_unknown_link("groups", options)
        st.session_state[widget_key] = _default_groups(breakdown, options, MAX_GROUPS)
    return st.multiselect(
        f"Groups to compare (up to {MAX_GROUPS})",
        options,
        key=widget_key,
        max_selections=MAX_GROUPS,
        format_func=lambda g: group_label(breakdown, g),
    )


def group_picker(marts: queries.Marts, breakdown: str, key: str) -> str:
    """One group of a breakdown."""
    options = queries.groups(marts, breakdown)
    widget_key = f"{key}_{breakdown}"
    if widget_key not in st.session_state:
        linked = _link_value("group", options) or next(iter(_link_values("groups", options)), None)
        st.session_state[widget_key] = linked or (UK if UK in options else options[0])
    return st.selectbox(
        "Group", options, key=widget_key, format_func=lambda g: group_label(breakdown, g)
    )


def wave_picker(wave_ids: Sequence[str], key: str) -> str:
    """A wave, newest first (a valid ?wave= sets its first value)."""
    options = list(reversed(list(wave_ids)))
    if key not in st.session_state:
        _warn_unknown_link("wave", options)
        st.session_state[key] = _link_value("wave", options) or options[0]
    return st.selectbox("Wave", options, key=key)


def question_picker(questions: pd.DataFrame, key: str) -> str:
    """A question by its short label (a valid ?question= sets its first value)."""
    options = questions["question_code"].tolist()
    labels = dict(zip(questions["question_code"], questions["short_label"], strict=True))
    if key not in st.session_state:
        _warn_unknown_link("question", options)
        st.session_state[key] = _link_value("question", options) or options[0]
    return st.selectbox("Question", options, key=key, format_func=lambda q: labels.get(q, q))


def set_link(**params: str | list[str]) -> None:
    """Keep the address bar in step with the page's choices so the view can be shared."""
    wanted = {name: [v] if isinstance(v, str) else list(v) for name, v in params.items()}
    current = {name: st.query_params.get_all(name) for name in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def mission_picker(missions: pd.DataFrame, key: str) -> int:
    """A mission by number and name (a valid ?mission= sets its first value)."""
    options = [str(m) for m in missions["mission_id"]]
    names = dict(zip(options, missions["mission_name"], strict=True))
    if key not in st.session_state:
        _warn_unknown_link("mission", options)
        st.session_state[key] = _link_value("mission", options) or options[0]
    chosen = st.selectbox(
        "Mission", options, key=key, format_func=lambda m: f"{m}. {names.get(m, m)}"
    )
    return int(chosen)
