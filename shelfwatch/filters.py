"""What a reader chose, as one value: the same ``Filters`` from a link, a page's widgets or the
command line's options, turned into catalog query parameters, export provenance and a
canonical permalink the same way everywhere (docs/design.md, "The app").

Pure (no streamlit): the pages bind widgets to URL parameters (``shelfwatch.ui.context``) and
build a ``Filters`` from what those widgets accepted; ``cli.py`` builds one from its options.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from shelfwatch import queries, urlstate, vocab

# Filter field -> URL parameter. Lists are comma-separated ids, dates ISO.
_URL_NAMES: dict[str, str] = {
    "as_of": "as_of",
    "retailers": "retailer",
    "brands": "brand",
    "parents": "parent",
    "lists": "list",
    "statuses": "status",
    "kinds": "kind",
    "confidences": "confidence",
    "start": "start",
    "end": "end",
    "q": "q",
    "stale_after": "stale",
    "any_claim": "claims",
}
# Filter field -> the catalog's parameter name, where they differ.
_QUERY_NAMES: dict[str, str] = {"kinds": "source_kinds"}


class WindowError(ValueError):
    """The start of a date window is after its end: the window is empty."""


@dataclass(frozen=True)
class Filters:
    """The filters of one view. Empty means "no filter"; defaults are left out of links."""

    as_of: dt.date | None = None
    retailers: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    confidences: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    q: str = ""
    stale_after: int = vocab.STALE_AFTER_DAYS
    any_claim: bool = False

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, list):  # click and widgets hand over lists and tuples
                object.__setattr__(self, item.name, tuple(value))
            elif isinstance(value, dt.datetime):
                object.__setattr__(self, item.name, value.date())

    # -- from a link --------------------------------------------------------------------

    @classmethod
    def from_url(
        cls, params: Mapping[str, str], known: Mapping[str, Iterable[str]]
    ) -> tuple[Filters, list[str]]:
        """The filters a link asks for, and one notice per value it ignored (unknown ids,
        malformed dates): parsed by :func:`shelfwatch.urlstate.parse_params`."""
        parsed = urlstate.parse_params(params, known)
        return cls.from_parsed(parsed), parsed.notices

    @classmethod
    def from_parsed(cls, parsed: urlstate.ParsedParams) -> Filters:
        values: dict[str, object] = {}
        for name, url_name in _URL_NAMES.items():
            if url_name in parsed.dates:
                values[name] = parsed.dates[url_name]
            elif url_name in parsed.lists:
                values[name] = parsed.lists[url_name]
            elif url_name in parsed.text:
                values[name] = parsed.text[url_name]
        if parsed.stale_after is not None:
            values["stale_after"] = parsed.stale_after
        values["any_claim"] = parsed.any_claim
        return cls(**values)  # type: ignore[arg-type]

    @classmethod
    def from_url_values(cls, values: Mapping[str, object]) -> Filters:
        """Filters from values keyed by URL parameter (what a page's widgets hold); a page's
        own parameters (``view``, ``grain``…) are not filters and are ignored."""
        chosen: dict[str, object] = {}
        for url, value in values.items():
            name = _FIELDS_BY_URL.get(url)
            if name is None or value is None:
                continue
            chosen[name] = value in (True, "any") if name == "any_claim" else value
        return cls(**chosen)  # type: ignore[arg-type]

    # -- the one rule for a window --------------------------------------------------------

    def window_problem(self) -> str | None:
        """Why the ``start``–``end`` window is empty (start after end), else None."""
        if self.start is not None and self.end is not None and self.start > self.end:
            return (
                f"the start ({self.start:%Y-%m-%d}) is after the end ({self.end:%Y-%m-%d}), "
                "so the window is empty"
            )
        return None

    def check_window(self) -> Filters:
        """These filters, or :class:`WindowError` when the window is empty."""
        problem = self.window_problem()
        if problem:
            raise WindowError(problem)
        return self

    # -- to a query ---------------------------------------------------------------------

    def query_params(
        self,
        query: str,
        *,
        max_rows: int | None = None,
        skip_rows: int | None = None,
        **extra: object,
    ) -> dict[str, object]:
        """The parameters catalog query ``query`` declares, filled from these filters.
        ``max_rows`` and ``skip_rows`` go to a query that takes them (a page of its rows; None:
        every row); ``extra`` gives what filters do not (``compare``, ``grain``…) and wins over
        a filter."""
        wanted = queries.parameters_of(queries.query_text(query))
        values = {_QUERY_NAMES.get(name, name): getattr(self, name) for name in _URL_NAMES}
        values["q"] = self.q or None
        values["max_rows"] = max_rows
        values["skip_rows"] = skip_rows
        params = {name: values[name] for name in wanted if name in values}
        params.update(extra)
        return params

    # -- to a citation and a link -------------------------------------------------------

    def provenance(self, *names: str, **extra: object) -> dict[str, object]:
        """The filters an export cites, by URL name: the fields ``names`` (all when none are
        given) that are not at their defaults, plus ``extra`` (e.g. ``view``). ``as_of`` is
        not among them: it is the export's own field."""
        chosen = names or tuple(name for name in _URL_NAMES if name != "as_of")
        cited: dict[str, object] = dict(extra)
        for name in chosen:
            value = getattr(self, name)
            if value == _DEFAULTS[name]:
                continue
            if name == "any_claim":
                cited["claims"] = "any"
            elif name == "stale_after":
                cited["stale_after"] = value
            else:
                cited[_URL_NAMES[name]] = value
        return cited

    def url_params(self) -> dict[str, str]:
        """The canonical URL parameters of these filters: defaults left out, lists in order."""
        params = {}
        for name, url_name in _URL_NAMES.items():
            value = getattr(self, name)
            if value == _DEFAULTS[name]:
                continue
            text = "any" if name == "any_claim" else urlstate.format_value(value)
            if text is not None:
                params[url_name] = text
        return params

    def permalink(self, base: str, version: int, extra: Mapping[str, str] | None = None) -> str:
        """``base`` with these filters, the pinned data ``version`` and page parameters."""
        params = {**self.url_params(), **dict(extra or {}), "v": str(version)}
        return f"{base}?{urlencode(sorted(params.items()))}"

    def replace(self, **changes: object) -> Filters:
        return replace(self, **changes)  # type: ignore[arg-type]


_DEFAULTS: dict[str, object] = {item.name: item.default for item in fields(Filters)}
_FIELDS_BY_URL: dict[str, str] = {url: name for name, url in _URL_NAMES.items()}


def is_filter_param(url_name: str) -> bool:
    """Whether a URL parameter is a filter (or the pinned version ``v``), not a page's own."""
    return url_name in _FIELDS_BY_URL or url_name == "v"
