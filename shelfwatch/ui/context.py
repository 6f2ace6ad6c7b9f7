"""The shared frame of every page: data version, as-of date, URL-bound filters, permalinks.

Every page calls :func:`current` first (it draws the shared sidebar and returns the
:class:`View`), then the ``*_filter`` helpers for its URL-bound widgets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from shelfwatch import store, urlstate
from shelfwatch.ui import data

STATUS_OPTIONS = ("stocked", "exiting", "unavailable", "removed")
SOURCE_KIND_OPTIONS = ("statement", "listing_check", "legal_filing", "news_report", "brand_claim")
CONFIDENCE_OPTIONS = ("high", "medium", "low")
# Before any observation a pair simply has no data; let users look that far back.
EARLIEST_DATE = dt.date(2010, 1, 1)


@dataclass
class View:
    """Everything a page needs to query and to say what it shows."""

    store_dir: Path
    version: int
    latest: int
    path: Path
    as_of: dt.date
    first_date: dt.date
    last_date: dt.date
    params: urlstate.ParsedParams
    retailer_names: dict[str, str] = field(default_factory=dict)
    brand_names: dict[str, str] = field(default_factory=dict)
    company_names: dict[str, str] = field(default_factory=dict)
    lists: tuple[str, ...] = ()

    @property
    def pinned(self) -> bool:
        return self.version != self.latest

    def query(self, name: str, **params: object) -> pd.DataFrame:
        return data.run(self.path, name, params)


def _raw_params() -> dict[str, str]:
    return {key: st.query_params.get(key, "") for key in st.query_params}


def set_param(name: str, value: object) -> None:
    """Write a widget's value into the URL (None/empty removes it)."""
    text = urlstate.format_value(value)
    if text is None:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != text:
        st.query_params[name] = text


def sidebar() -> View | None:
    """Resolve the data version, show it, and bind the as-of date. None: nothing to show."""
    store_dir = store.resolve_store(None)
    latest = data.latest_version(store_dir)
    if latest is None:
        st.error(
            "No data has been published yet. Run `make run` (or "
            "`python -m shelfwatch build`) to build the store, then reload this page."
        )
        return None

    raw = _raw_params()
    # Pass 1 only for the version: the known ids depend on which version we read.
    probe = urlstate.parse_params(raw, {})
    version = latest
    version_notice = None
    if probe.version is not None and probe.version != latest:
        try:
            version = store.resolve_version(store_dir, probe.version).number
        except store.StoreError:
            version_notice = (
                f"Data version {probe.version} (from the link) does not exist in this store; "
                f"showing the latest, version {latest}."
            )
    path = store.version_path(store_dir, version)

    retailers = data.run(path, "retailers")
    brands = data.run(path, "brands")
    companies = data.run(path, "companies")
    lists = data.run(path, "designation_lists")
    bounds = data.run(path, "data_bounds").iloc[0]
    known = {
        "retailer": retailers["retailer_id"].tolist(),
        "brand": brands["brand_id"].tolist(),
        "parent": companies["company_id"].tolist(),
        "list": lists["list"].tolist(),
        "status": STATUS_OPTIONS,
        "kind": SOURCE_KIND_OPTIONS,
        "confidence": CONFIDENCE_OPTIONS,
    }
    params = urlstate.parse_params(raw, known)
    params.notices = [n for n in params.notices if not n.startswith("Ignored v=")] + (
        [n for n in probe.notices if n.startswith("Ignored v=")]
    )
    if version_notice:
        params.notices.insert(0, version_notice)

    first_date = data.as_date(bounds["first_date"]) or dt.date.today()
    last_date = data.as_date(bounds["last_date"]) or dt.date.today()
    view = View(
        store_dir=store_dir,
        version=version,
        latest=latest,
        path=path,
        as_of=last_date,
        first_date=first_date,
        last_date=last_date,
        params=params,
        retailer_names=dict(zip(retailers["retailer_id"], retailers["name"], strict=True)),
        brand_names=dict(zip(brands["brand_id"], brands["name"], strict=True)),
        company_names=dict(zip(companies["company_id"], companies["name"], strict=True)),
        lists=tuple(known["list"]),
    )
    with st.sidebar:
        view.as_of = date_filter(
            view,
            "as_of",
            "Status as of",
            default=last_date,
            help="Every status shown holds on this date. Default: the latest date in the data.",
        )
        if view.pinned:
            st.warning(
                f"Pinned to data version {version}; the latest is {latest}. "
                "Remove `v` from the link to see the latest."
            )
        st.caption(
            f"Data version {version} · {int(bounds['observations']):,} observations · "
            f"{first_date:%Y-%m-%d} to {last_date:%Y-%m-%d}"
        )
    if view.pinned:
        set_param("v", version)
    return view


def current() -> View:
    """The shared frame for the page being run: call once at the top of every page.

    Each page draws the shared sidebar itself rather than app.py, so the frame is the same
    however the page script is started (st.navigation, AppTest, a rerun of the page alone).
    """
    if PagesManager.uses_pages_directory:
        # A fresh server whose first request was a direct page link runs that page on its own,
        # Streamlit's legacy pages/ mode, until some run calls st.navigation. Switch the
        # process to app.py's navigation and rerun, so every page always has the app's frame.
        PagesManager.uses_pages_directory = False
        st.rerun()
    view = sidebar()
    if view is None:
        st.stop()
    return view


def show_notices(view: View) -> None:
    # Notices quote URL text: escape it so a crafted link cannot inject Markdown.
    for notice in view.params.notices:
        st.info(urlstate.escape_markdown(notice), icon="ℹ️")


def _initial(key: str, value: object) -> None:
    # Seed a widget from the URL once; afterwards the widget's own state wins.
    if key not in st.session_state:
        st.session_state[key] = value


def date_filter(
    view: View,
    name: str,
    label: str,
    *,
    default: dt.date,
    help: str | None = None,
    container=None,
    keep_default_in_url: bool = True,
) -> dt.date:
    """A date widget bound to URL parameter ``name``, clamped to the data's range.

    ``keep_default_in_url=False`` leaves the parameter out while it holds its default (a
    window's open ends), so links and export filters list only what the user chose.
    """
    low = min(view.first_date, default, EARLIEST_DATE)
    high = max(view.last_date, dt.date.today(), default)
    wanted = view.params.dates.get(name, default)
    if not low <= wanted <= high:
        view.params.notices.append(
            f"{name}={wanted:%Y-%m-%d} is outside the data ({low:%Y-%m-%d} to {high:%Y-%m-%d}); "
            "using the nearest date."
        )
        wanted = min(max(wanted, low), high)
    key = f"url_{name}"
    _initial(key, wanted)
    # A date the user never touched follows its default (e.g. compare = a year before as-of).
    default_key = f"{key}__default"
    if st.session_state.get(default_key) not in (None, default) and (
        st.session_state[key] == st.session_state[default_key]
    ):
        st.session_state[key] = min(max(default, low), high)
    st.session_state[default_key] = default
    target = container or st
    value = target.date_input(
        label, key=key, min_value=low, max_value=high, help=help, format="YYYY-MM-DD"
    )
    value = value or default
    set_param(name, value if keep_default_in_url or value != default else None)
    return value


def multi_filter(
    view: View,
    name: str,
    label: str,
    options: Sequence[str],
    *,
    format_func: Callable[[str], str] = str,
    container=None,
    help: str | None = None,
) -> tuple[str, ...]:
    """A multiselect bound to URL parameter ``name`` (comma-separated ids)."""
    key = f"url_{name}"
    _initial(key, [v for v in view.params.lists.get(name, ()) if v in options])
    target = container or st
    chosen = target.multiselect(label, options, key=key, format_func=format_func, help=help)
    set_param(name, tuple(chosen))
    return tuple(chosen)


def named_filter(
    view: View,
    name: str,
    label: str,
    names: dict[str, str],
    *,
    container=None,
    help: str | None = None,
) -> tuple[str, ...]:
    """A multiselect of ids shown by their names (retailers, brands, companies)."""
    return multi_filter(
        view,
        name,
        label,
        list(names),
        format_func=lambda item_id: names.get(item_id, item_id),
        container=container,
        help=help,
    )


def text_filter(view: View, name: str, label: str, *, container=None, help: str | None = None):
    key = f"url_{name}"
    _initial(key, view.params.text.get(name, ""))
    target = container or st
    value = target.text_input(label, key=key, max_chars=urlstate.MAX_TEXT, help=help).strip()
    set_param(name, value)
    return value


def choice_filter(
    view: View,
    name: str,
    label: str,
    options: Sequence[str],
    *,
    default: str,
    format_func: Callable[[str], str] = str,
    container=None,
    horizontal: bool = True,
) -> str:
    """A radio bound to a page-specific single-value URL parameter."""
    key = f"url_{name}"
    wanted = urlstate.parse_choice(
        name, st.query_params.get(name), options, default, view.params.notices
    )
    _initial(key, wanted)
    target = container or st
    value = target.radio(label, options, key=key, format_func=format_func, horizontal=horizontal)
    set_param(name, None if value == default else value)
    return value


def permalink(view: View, extra: Iterable[tuple[str, str]] = ()) -> str:
    """This exact view as a link: every current parameter plus the pinned data version."""
    params = {key: st.query_params.get(key) for key in st.query_params}
    params["v"] = str(view.version)
    params["as_of"] = view.as_of.isoformat()
    params.update(dict(extra))
    base = str(st.context.url or "").split("?", 1)[0]
    return f"{base}?{urlencode(sorted(params.items()))}"


def show_permalink(view: View) -> None:
    st.caption("Permalink to this exact view (data version pinned):")
    st.code(permalink(view), language=None)
