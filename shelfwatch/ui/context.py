"""The shared frame of every page: data version, as-of date, URL-bound filters, permalinks.

``app.py`` runs every page through :func:`run_page`, which opens the frame and closes it once
the page is done. A page calls :func:`current` first (it draws the shared sidebar, the page's
heading from the registry and a place for notices, and returns the :class:`View`), then the
``*_filter`` helpers for its URL-bound widgets, and :func:`stop` if it ends early. Each helper
records the value it accepted in ``View.chosen`` (read back as :meth:`View.filters`) and its
canonical text in ``View.bound``; closing the frame shows the notices, drops every other
parameter from the URL, so a rejected, repeated or unknown value never survives into the
address bar, the permalink or a citation, and shows the permalink.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from shelfwatch import site, store, urlstate, vocab
from shelfwatch.filters import Filters, is_filter_param
from shelfwatch.ui import auth, data

# Before any observation a pair simply has no data; let users look that far back.
EARLIEST_DATE = dt.date(2010, 1, 1)
# Widget keys of the sidebar's rule settings (URL parameters stale and claims).
STALE_KEY, CLAIMS_KEY = "url_stale", "url_claims"
# Session keys seeded from the link once (then the widgets win): the url_* widgets, the
# chosen cell of the Overview and Explore, a profile's retailer or brand.
LINK_SEEDED = ("url_", "cell_", "explore_cell", "profile_")
# Streamlit's date field applies a typed date when the focus leaves it; Enter alone does not
# (tests/browser/test_browser.py types dates this way).
TYPED_DATE_HELP = "A typed date applies when you leave the field (Tab, or click elsewhere)."
# The address bar as the server last wrote it (set_param, the frame's close).
_LAST_URL = "_shelfwatch_url"


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
    stale_after: int = vocab.STALE_AFTER_DAYS
    any_claim: bool = False
    # URL parameter -> the canonical text a widget accepted this run (what the link keeps).
    bound: dict[str, str] = field(default_factory=dict)
    # URL parameter -> the value a widget holds this run (a default too: what the page shows).
    chosen: dict[str, object] = field(default_factory=dict)
    # Where a page puts its own sidebar widgets: under the as-of date, above the rule settings.
    page_sidebar: object = None

    @property
    def pinned(self) -> bool:
        return self.version != self.latest

    def query(self, name: str, **params: object) -> pd.DataFrame:
        return data.run(self.path, name, params)

    def filters(self) -> Filters:
        """What the widgets of this page hold, as the value queries, exports and links use."""
        return Filters.from_url_values(
            {
                **self.chosen,
                "as_of": self.as_of,
                "stale": self.stale_after,
                "claims": self.any_claim,
            }
        )


def _raw_params(notices: list[str]) -> dict[str, str]:
    """The URL's parameters, one value each: a repeated key keeps its last value, with a notice."""
    raw = {}
    for key in st.query_params:
        values = st.query_params.get_all(key)
        if len(values) > 1:
            notices.append(
                f"{urlstate.printable(key)[:40]!r} was given {len(values)} times in the link; "
                "using the last."
            )
        raw[key] = values[-1] if values else ""
    return raw


def set_param(view: View, name: str, value: object, *, chosen: object = None) -> None:
    """Write a widget's value into the URL (None/empty removes it) and keep it in the link.
    ``chosen`` is the value the page uses when it differs from what the link keeps (a date
    left out of the link while it holds its default)."""
    view.chosen[name] = value if chosen is None else chosen
    text = urlstate.format_value(value)
    if text is None:
        view.bound.pop(name, None)
        if name in st.query_params:
            del st.query_params[name]
        _remember_url()
        return
    view.bound[name] = text
    if st.query_params.get_all(name) != [text]:
        st.query_params[name] = text
    _remember_url()


def _url_now() -> list[tuple[str, tuple[str, ...]]]:
    return sorted((key, tuple(st.query_params.get_all(key))) for key in st.query_params)


def _remember_url() -> None:
    st.session_state[_LAST_URL] = _url_now()


def _follow_new_link() -> bool:
    """Seed the widgets from the link again when a link inside the session opened it.

    A featured view or a card's link (st.page_link with parameters), or the browser's back
    button, starts a run whose address differs from the one the server last wrote; the
    widgets would otherwise keep their state and ignore it. A widget's own rerun starts from
    the address the server wrote (remembered on every write, so an interrupted run counts),
    and the menu's page links bring no parameters: both keep the reader's choices."""
    last = st.session_state.get(_LAST_URL)
    incoming = _url_now()
    if last is None or not incoming or incoming == last:
        return False
    for key in list(st.session_state):
        if isinstance(key, str) and key.startswith(LINK_SEEDED):
            del st.session_state[key]
    return True


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

    repeated: list[str] = []
    raw = _raw_params(repeated)
    # Pass 1 only for the version: the known ids depend on which version we read.
    probe = urlstate.parse_params(raw, {})
    version = latest
    version_notice = None
    if probe.version is not None and probe.version != latest:
        try:
            version = store.resolve_version(store_dir, probe.version).number
        except store.RemovedVersion:
            version_notice = (
                f"Data version {probe.version} (from the link) was published but is no longer "
                "kept in this store (Data & method: retention); figures citing it cannot be "
                f"checked here. Showing the latest, version {latest}."
            )
        except store.StoreError:
            version_notice = (
                f"Data version {probe.version} (from the link) does not exist in this store; "
                f"showing the latest, version {latest}."
            )
    path = store.version_path(store_dir, version)
    if version != latest and data.format_of(str(path)) != store.STORE_FORMAT:
        version_notice = (
            f"Data version {version} (from the link) was published by an older Shelfwatch in "
            f"a format this one cannot read; showing the latest, version {latest}."
        )
        version, path = latest, store.version_path(store_dir, latest)
    if data.format_of(str(path)) != store.STORE_FORMAT:
        st.error(
            f"Data version {version} was published by an older Shelfwatch, in a format this "
            "one cannot read. Publish a new version — `make run` rebuilds the seed, or run "
            "`python -m shelfwatch build` — then reload this page."
        )
        return None

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
        "status": vocab.STATUS_NAMES,
        "kind": vocab.SOURCE_KIND_NAMES,
        "confidence": vocab.CONFIDENCE_NAMES,
    }
    params = urlstate.parse_params(raw, known)
    params.notices = repeated + params.notices
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
            follows=True,
        )
        st.caption(
            f"Data version {version} · {int(bounds['observations']):,} observations · "
            f"{first_date:%Y-%m-%d} to {last_date:%Y-%m-%d}"
        )
        view.page_sidebar = st.container()
        st.divider()
        view.stale_after = _stale_setting(view)
        view.any_claim = _claims_setting(view)
        auth.show_account()  # last: the editors' sign-in, or who is signed in
    if view.pinned:
        set_param(view, "v", version)
    return view


def _stale_setting(view: View) -> int:
    given = view.params.stale_after  # 0 is a valid threshold: only None means "not given"
    _initial(STALE_KEY, vocab.STALE_AFTER_DAYS if given is None else given)
    days = st.number_input(
        "Stale after (days)",
        min_value=0,
        max_value=urlstate.STALE_MAX_DAYS,
        step=30,
        key=STALE_KEY,
        help="A status whose latest evidence is older than this on the as-of date is marked "
        f"stale: it may have changed without a source saying so. Default "
        f"{vocab.STALE_AFTER_DAYS}.",
    )
    days = int(days if days is not None else vocab.STALE_AFTER_DAYS)
    set_param(view, "stale", None if days == vocab.STALE_AFTER_DAYS else days)
    return days


def _claims_setting(view: View) -> bool:
    _initial(CLAIMS_KEY, view.params.any_claim)
    any_claim = st.toggle(
        "Count every ownership claim",
        key=CLAIMS_KEY,
        help="Off (default): a brand's parent is the company its strongest ownership claim "
        "names (confidence, then the latest start, then the later row); other claims are "
        "shown as contested. On: every company a claim covering the date names counts.",
    )
    set_param(view, "claims", "any" if any_claim else None)
    return bool(any_claim)


@dataclass
class _Frame:
    """The frame of one run of one page: opened by :func:`run_page`, closed once."""

    spec: site.PageSpec | None
    view: View | None = None
    notices: object = None
    closed: bool = False
    followed_link: bool = False  # this run opened a link from inside the session


_FRAME: ContextVar[_Frame | None] = ContextVar("shelfwatch_frame", default=None)


def current() -> View:
    """The shared frame for the page being run: call once at the top of every page.

    Draws the shared sidebar, the page's heading (from the registry) and the place where
    the notices go once every URL value has been read. Each page draws the frame itself
    rather than app.py, so it is the same however the page script is started (st.navigation,
    AppTest, a rerun of the page alone).
    """
    if PagesManager.uses_pages_directory:
        # A fresh server whose first request was a direct page link runs that page on its own,
        # Streamlit's legacy pages/ mode, until some run calls st.navigation: no public API
        # says which mode a run is in or switches it. Switch the process to app.py's
        # navigation and rerun, so every page always has the app's frame
        # (tests/browser/test_direct_links.py opens each page first on a fresh server).
        PagesManager.uses_pages_directory = False
        st.rerun()
    # Outside run_page (a page script run on its own) the frame is never closed for it.
    frame = _FRAME.get() or _Frame(spec=None)
    frame.followed_link = _follow_new_link()
    view = sidebar()
    if view is None:
        st.stop()
    if frame.spec is not None:
        st.title(frame.spec.heading)
    _date_line(view)
    frame.view = view
    frame.notices = st.container()
    return view


def _date_line(view: View) -> None:
    # In the main column, not only the sidebar: a phone shows the sidebar collapsed.
    if view.pinned:
        st.warning(
            f"Pinned to data version {view.version}; the latest is {view.latest}. "
            "Remove `v` from the link to see the latest.",
            icon=":material/history:",
        )
    st.caption(
        f"Status as of **{view.as_of:%Y-%m-%d}** · data version {view.version}"
        + ("" if view.pinned else " (the latest)")
        + " · the date and the rule's settings are in the sidebar"
    )


def run_page(page) -> None:
    """Run the page app.py's navigation chose inside its frame: heading and notices at the
    top, the permalink at the bottom, and an error boundary: a data version that cannot be
    read ends the page with a message, never a traceback."""
    spec = next((s for s in site.ALL_PAGES if s.url_path == page.url_path), None)
    frame = _Frame(spec=spec)
    token = _FRAME.set(frame)
    try:
        page.run()
    except data.DataUnavailable as exc:
        st.error(
            f"Could not read the published data ({exc.version_path.name}). Reload the page; if "
            "it persists, tell the maintainers what you did and the message below."
        )
        st.text(str(exc))  # plain text: the message may quote data
    else:
        _close(frame)
    finally:
        _FRAME.reset(token)


def stop() -> None:
    """End the page here, closing its frame (notices, URL, permalink) first."""
    frame = _FRAME.get()
    if frame is not None:
        _close(frame)
    st.stop()


def _close(frame: _Frame) -> None:
    if frame.closed or frame.view is None:
        return
    frame.closed = True
    view = frame.view
    with frame.notices:
        # Notices quote URL text: escape it so a crafted link cannot inject Markdown.
        for notice in view.params.notices:
            st.info(urlstate.escape_markdown(notice), icon="ℹ️")
    if frame.followed_link:
        # The browser keeps its old address after an in-app link to the same page while the
        # server holds the link's: write the whole address, so both show what the page does.
        st.query_params.from_dict(dict(view.bound))
    # Drop every URL parameter no widget accepted.
    for key in list(st.query_params):
        if key not in view.bound or st.query_params.get_all(key) != [view.bound[key]]:
            if key in view.bound:
                st.query_params[key] = view.bound[key]
            else:
                del st.query_params[key]
    _remember_url()
    if frame.spec is None or frame.spec.permalink:
        st.caption("Permalink to this exact view (data version pinned):")
        st.code(permalink(view), language=None)


def _initial(key: str, value: object) -> None:
    # Seed a widget from the URL once; afterwards the widget's own state wins.
    if key not in st.session_state:
        st.session_state[key] = value


def _pin(key: str) -> None:
    st.session_state[f"{key}__pinned"] = True


def date_filter(
    view: View,
    name: str,
    label: str,
    *,
    default: dt.date,
    help: str | None = None,
    container=None,
    keep_default_in_url: bool = True,
    follows: str | bool | None = None,
) -> dt.date:
    """A date widget bound to URL parameter ``name``, clamped to the data's range.

    A date from the link, or one the user set, stays where it is. A date nobody chose keeps
    its first value too, unless ``follows`` says otherwise: a text follows the default when
    that moves (e.g. compare = a year before as-of) and is shown under the field while it
    does, so it never moves silently; ``True`` follows a default no other date moves (the as-of
    date: the latest date of the data version read). ``keep_default_in_url=False`` leaves the
    parameter out while it holds its default (a window's open ends), so links list only what
    the user chose.
    """
    low = min(view.first_date, default, EARLIEST_DATE)
    high = max(view.last_date, dt.date.today(), default)
    key = f"url_{name}"
    pinned_key = f"{key}__pinned"
    if key not in st.session_state:
        wanted = view.params.dates.get(name)
        st.session_state[pinned_key] = wanted is not None
        if wanted is None:
            wanted = default
        if not low <= wanted <= high:
            view.params.notices.append(
                f"{name}={wanted:%Y-%m-%d} is outside the data ({low:%Y-%m-%d} to "
                f"{high:%Y-%m-%d}); using the nearest date."
            )
            wanted = min(max(wanted, low), high)
        st.session_state[key] = wanted
    elif follows and not st.session_state.get(pinned_key):
        st.session_state[key] = min(max(default, low), high)
    target = container or st
    value = target.date_input(
        label,
        key=key,
        min_value=low,
        max_value=high,
        help=f"{help or ''} {TYPED_DATE_HELP}".strip(),
        format="YYYY-MM-DD",
        on_change=_pin,
        args=(key,),
    )
    value = value or default
    if isinstance(follows, str) and not st.session_state.get(pinned_key):
        target.caption(follows)
    set_param(view, name, value if keep_default_in_url or value != default else None, chosen=value)
    return value


def date_window(
    view: View,
    names: tuple[str, str],
    labels: tuple[str, str],
    *,
    defaults: tuple[dt.date, dt.date],
    containers: tuple[object, object],
    helps: tuple[str | None, str | None] = (None, None),
    keep_default_in_url: bool = True,
) -> tuple[dt.date, dt.date] | None:
    """Two dates bound to ``names`` (start, end). None when the start is after the end: the
    page then shows that conflict and a button to swap them, and never picks one silently."""
    start = date_filter(
        view,
        names[0],
        labels[0],
        default=defaults[0],
        container=containers[0],
        help=helps[0],
        keep_default_in_url=keep_default_in_url,
    )
    end = date_filter(
        view,
        names[1],
        labels[1],
        default=defaults[1],
        container=containers[1],
        help=helps[1],
        keep_default_in_url=keep_default_in_url,
    )
    if start <= end:
        return start, end
    st.warning(
        f"“{labels[0]}” ({start:%Y-%m-%d}) is after “{labels[1]}” ({end:%Y-%m-%d}), so the "
        "window is empty. Change one of the dates, or swap them."
    )
    st.button(
        "Swap the two dates",
        key=f"swap_{names[0]}_{names[1]}",
        on_click=_swap,
        args=(f"url_{names[0]}", f"url_{names[1]}"),
    )
    return None


def _swap(first: str, second: str) -> None:
    st.session_state[first], st.session_state[second] = (
        st.session_state[second],
        st.session_state[first],
    )
    _pin(first)
    _pin(second)


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
    set_param(view, name, tuple(chosen))
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
    value = urlstate.printable(
        target.text_input(label, key=key, max_chars=urlstate.MAX_TEXT, help=help)
    ).strip()
    set_param(view, name, value)
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
    bind_choice(view, name, options, default=default)
    target = container or st
    value = target.radio(label, options, key=key, format_func=format_func, horizontal=horizontal)
    set_param(view, name, None if value == default else value)
    return value


def bind_choice(view: View, name: str, options: Sequence[str], *, default: str) -> str:
    """The value of :func:`choice_filter` ``name`` bound into the link now, before its radio
    is drawn further down the page: what is cited or linked above it names it too."""
    key = f"url_{name}"
    if key not in st.session_state:
        st.session_state[key] = _linked_choice(view, name, options, default)
    value = st.session_state[key]
    set_param(view, name, None if value == default else value)
    return value


def _linked_choice(view: View, name: str, options: Iterable[str], default: str) -> str:
    """The link's value of single-choice parameter ``name`` (the last if repeated), checked."""
    raw = st.query_params.get_all(name)
    return urlstate.parse_choice(
        name, raw[-1] if raw else None, options, default, view.params.notices
    )


def section_tabs(
    view: View, name: str, sections: Mapping[str, str], *, default: str
) -> dict[str, object]:
    """Tabs (``sections``: URL value -> tab label) of which only the open one is drawn: a
    date change reruns and redraws what the reader sees, not every section below the fold
    (each tab's ``.open`` says which; switching tabs reruns). Bound to URL parameter ``name``
    (left out on ``default``), so a link reopens the same tab."""
    key = f"url_{name}"
    labels = list(sections.values())
    if st.session_state.get(key) not in labels:
        st.session_state[key] = sections[_linked_choice(view, name, sections, default)]
    tabs = st.tabs(labels, key=key, on_change="rerun")
    shown = next(value for value, label in sections.items() if label == st.session_state[key])
    set_param(view, name, None if shown == default else shown)
    return dict(zip(sections, tabs, strict=True))


def page_number(view: View, pages: int, *, listing: object, container=None) -> int:
    """Which page of a long listing is shown, bound to URL parameter ``page`` (left out on
    page 1). ``listing`` names what the pages divide (its query and filters): when it
    changes, the reader starts again at page 1; a page past the end shows the last one."""
    key = "url_page"
    last = max(pages, 1)
    if key not in st.session_state:
        st.session_state[key] = urlstate.parse_page(
            st.query_params.get("page"), view.params.notices
        )
    elif st.session_state.get(f"{key}__listing") != listing:
        st.session_state[key] = 1
    st.session_state[f"{key}__listing"] = listing
    st.session_state[key] = min(st.session_state[key], last)
    target = container or st
    number = int(
        target.number_input(
            "Page",
            min_value=1,
            max_value=last,
            step=1,
            key=key,
            help=f"{last:,} pages. The export holds every row.",
            disabled=last == 1,
        )
    )
    set_param(view, "page", None if number == 1 else number)
    return number


def permalink(view: View, extra: Iterable[tuple[str, str]] = ()) -> str:
    """This exact view as a link: its filters, the page's own parameters and the pinned
    data version (:meth:`Filters.permalink`, the one canonical form)."""
    # From what the link keeps (bound), not what the widgets hold: a window's open ends
    # stay out of the link while they hold their defaults.
    linked, _ = Filters.from_url(view.bound, {})
    own = {key: text for key, text in view.bound.items() if not is_filter_param(key)}
    own.update(dict(extra))
    base = str(st.context.url or "").split("?", 1)[0]
    return linked.permalink(base, view.version, own)
