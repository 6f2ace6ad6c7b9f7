"""Featured views: permalinks an editor defines in the data (``data/views.csv``), which the
Overview offers as the way into the story ("October 2021 removals").

A row names a title, the page (``site.PAGES``' address; empty = the Overview), the page's URL
parameters as a query string (``as_of=2021-11-30&brand=lorex,ezviz``) and a one-line note. The
build checks every row like any other input file (docs/design.md, "Data model"): a parameter
the page does not read (``site.PageSpec.params``), an unknown id, a malformed date, a date
outside the data's range or two dates in the wrong order is a problem located by line and
column. The values of a page's own parameters (``top``, ``card``…) are the page's to check when
the view opens, with a notice, as for any link. Pure: no streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from shelfwatch import site, urlstate, vocab

MAX_VIEWS = 50  # a short list to choose from, not a second catalog
MAX_TITLE = 80
MAX_NOTE = 200
DEFAULT_PAGE = site.HOME.url_path


@dataclass(frozen=True)
class FeaturedView:
    title: str
    page: str  # a page's url_path
    params: tuple[tuple[str, str], ...]  # in the file's order
    note: str = ""

    @property
    def spec(self) -> site.PageSpec:
        return site.page(self.page)

    @property
    def query_string(self) -> str:
        return urlencode(self.params)

    def href(self, base: str = "") -> str:
        """The view as a link: ``base`` is the app's address (empty: relative to a page)."""
        root = base.rstrip("/") + "/" if base else ""
        return f"{root}{self.page}" + (f"?{self.query_string}" if self.params else "")


def parse_params(text: str | None) -> tuple[tuple[str, str], ...]:
    """The parameters of a query string (``ValueError`` on a malformed one)."""
    if not text or not text.strip():
        return ()
    return tuple(parse_qsl(text.strip().lstrip("?"), strict_parsing=True))


def from_rows(rows: Iterable[Mapping[str, object]]) -> list[FeaturedView]:
    """Featured views from the store's ``featured_views`` rows (validated at build)."""
    return [
        FeaturedView(
            title=str(row["title"]),
            page=str(row["page"]),
            params=parse_params(str(row["params"] or "")),
            note=str(row["note"] or ""),
        )
        for row in rows
    ]


def problems(
    rows: Sequence[Mapping[str, str | None]],
    known: Mapping[str, Iterable[str]],
    today: dt.date,
) -> list[tuple[int, str, str, int | None]]:
    """What is wrong with the rows of a views file, as (row, column, message, other row) in
    file order, like the validate_* queries (other row: the earlier row a duplicate repeats).

    ``rows`` hold ``title``, ``page``, ``params`` and ``note`` as text (row 0 is the first
    after the header); ``known`` maps the list parameters (retailer, brand, parent, list,
    status, kind, confidence) to the ids the data defines."""
    found: list[tuple[int, str, str, int | None]] = []
    if len(rows) > MAX_VIEWS:
        return [(MAX_VIEWS, "-", f"too many featured views: at most {MAX_VIEWS}", None)]
    linked_pages = {spec.url_path: spec for spec in site.PAGES if spec.permalink}
    first_row: dict[str, int] = {}
    for row_no, row in enumerate(rows):
        title = (row.get("title") or "").strip()
        if not title:
            found.append((row_no, "title", "required value is empty", None))
        elif len(title) > MAX_TITLE:
            found.append((row_no, "title", f"longer than {MAX_TITLE} characters", None))
        elif urlstate.printable(title) != title:
            found.append((row_no, "title", "holds control characters", None))
        elif title.casefold() in first_row:
            found.append(
                (row_no, "title", f"duplicate title {title!r}", first_row[title.casefold()])
            )
        else:
            first_row[title.casefold()] = row_no
        note = (row.get("note") or "").strip()
        if len(note) > MAX_NOTE:
            found.append((row_no, "note", f"longer than {MAX_NOTE} characters", None))
        elif urlstate.printable(note) != note:
            found.append((row_no, "note", "holds control characters", None))
        page = (row.get("page") or "").strip() or DEFAULT_PAGE
        spec = linked_pages.get(page)
        if spec is None:
            found.append(
                (
                    row_no,
                    "page",
                    f"unknown page {page!r} (expected one of {', '.join(linked_pages)})",
                    None,
                )
            )
            continue
        found.extend(
            (row_no, "params", message, None)
            for message in _param_problems(row, spec, known, today)
        )
    return found


def _param_problems(
    row: Mapping[str, str | None],
    spec: site.PageSpec,
    known: Mapping[str, Iterable[str]],
    today: dt.date,
) -> list[str]:
    try:
        params = parse_params(row.get("params"))
    except ValueError:
        return ["not a URL query string (name=value&name=value)"]
    messages = []
    names = [name for name, _ in params]
    for name in sorted({name for name in names if names.count(name) > 1}):
        messages.append(f"{name!r} is given more than once")
    for name in names:
        if name not in spec.params:
            messages.append(
                f"the {spec.menu_title} page does not read {name!r} (it reads "
                f"{', '.join(spec.params)})"
            )
    # The shared parser says what a page would ignore; here that is a problem, not a notice.
    parsed = urlstate.parse_params(dict(params), known)
    messages.extend(parsed.notices)
    for name, day in parsed.dates.items():
        if not vocab.EARLIEST_INPUT_DATE <= day <= today:
            messages.append(
                f"{name}={day:%Y-%m-%d} is outside {vocab.EARLIEST_INPUT_DATE:%Y-%m-%d} to "
                f"today ({today:%Y-%m-%d})"
            )
    for first, second in (("compare", "as_of"), ("start", "end")):
        dates = parsed.dates
        if first in dates and second in dates and dates[first] > dates[second]:
            messages.append(f"{first} is after {second}")
    return messages
