"""Deterministic synthetic input data at any scale, in exactly the CSV schema of ``data/``.

``write_demo`` writes the seven input files (retailers, brands, companies, ownership,
designations, events, observations) for benchmarks and demos. The same arguments always give
byte-identical files. Observations are generated per chunk of whole pairs with numpy and written
by DuckDB's CSV writer (parallel, quotes only where needed), so 10 million rows take seconds and
memory stays bounded by the chunk size, not the file size.

Shape of the data, chosen to look like the real thing rather than uniform noise:
- which retailer x brand pairs have any history at all is drawn with Zipf-like weights, so the
  number of distinct pairs is far below retailers x brands and big retailers/brands dominate;
- history lengths are heavy-tailed: most pairs have a handful of observations, a few hundreds;
- statuses persist, alternate between sold and not-sold phases (removals and re-listings),
  removals are usually announced by an ``exiting`` observation first;
- about 40 % of observations share their date with another one of the same pair (same-day ties
  from different sources, with different confidence / reported_on, sometimes disagreeing).
"""

from __future__ import annotations

import datetime
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shelfwatch import vocab

FIRST_DAY = datetime.date(2015, 1, 1)


def _f32(*edges: float) -> np.ndarray:
    """Cumulative probabilities as float32, compared with float32 uniforms."""
    return np.array(edges, dtype=np.float32)


_EPOCH = datetime.date(1970, 1, 1)

# The header line of each input file, exactly as written (docs/design.md, "Data model").
HEADERS = {
    "retailers.csv": "retailer_id,name,country,kind,website",
    "brands.csv": "brand_id,name,category",
    "companies.csv": "company_id,name,country",
    "ownership.csv": "brand_id,company_id,valid_from,valid_to,source_url,confidence,note",
    "designations.csv": "company_id,list,effective_on,ended_on,source_url,note",
    "events.csv": "date,title,kind,url,company_id,brand_id",
    "observations.csv": "retailer_id,brand_id,status,effective_on,source_url,source_kind,"
    "confidence,reported_on,channel,quote,note,archive_url",
}
COLUMNS: dict[str, tuple[str, ...]] = {name: tuple(h.split(",")) for name, h in HEADERS.items()}

# The synthetic data draws terms by position in the vocabulary; these four it names.
STATUSES = vocab.STATUS_NAMES
STOCKED, EXITING, UNAVAILABLE, REMOVED = (
    STATUSES.index(name) for name in ("stocked", "exiting", "unavailable", "removed")
)
SOURCE_KINDS = vocab.SOURCE_KIND_NAMES
CONFIDENCES = vocab.CONFIDENCE_NAMES
CHANNELS = vocab.CHANNELS
LISTS = ("entity-list", "fcc-covered-list", "ndaa-889")
EVENT_KINDS = vocab.EVENT_KINDS

# Rows per generated chunk: bounds memory (peak RSS < 1 GB at 10M rows) and sets the progress
# cadence.
# Part of the output's identity: changing it changes the bytes (each chunk has its own stream).
_CHUNK_ROWS = 1_000_000
_NULL = pa.scalar(None, pa.string())


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


# One quote pool per status the demo writes, by name (same length each, so status * len + k
# indexes the flat pool, built in vocabulary order). Commas, double quotes and non-ASCII on
# purpose: they exercise CSV quoting and UTF-8.
_QUOTES_BY_STATUS = {
    "stocked": (
        '"We continue to carry the full range," a spokesperson said.',
        'Product page shows "In stock" and "Add to cart", ships in 2-3 days.',
        'Store associate: "we just got a new shipment, aisle 14."',
        "Listed in the weekly circular, p. 7, at $49.99.",
    ),
    "exiting": (
        '"We will sell through remaining inventory, then discontinue the line," the retailer said.',
        'Clearance tag: "Final sale, no returns", 40 % off.',
        "Memo to suppliers: purchase orders end after the current quarter.",
        '"We are phasing out these products," a spokesperson said, declining to give a date.',
    ),
    "unavailable": (
        'Product page reads "Currently unavailable", no restock date.',
        "Listed online, but no store in the sample had it in stock.",
        'Search finds the listing; "Add to cart" is disabled.',
        "Réponse du service client : « temporairement indisponible ».",
    ),
    "removed": (
        '"We have made the decision to remove these products," a spokesperson said.',
        'Listing returns "Page not found"; search shows no results for the brand.',
        "Filing says the retailer ceased purchases, effective immediately.",
        '"No longer sold here," the store manager said, "corporate pulled it."',
    ),
}
# A status the demo never writes gets blanks: its slots exist, so the indexes still hold.
_QUOTES = tuple(
    _QUOTES_BY_STATUS.get(name, ("",) * len(_QUOTES_BY_STATUS["stocked"])) for name in STATUSES
)
_NOTES = (
    "synthetic demo row",
    "checked via the store locator",
    "retailer declined to comment",
    "availability varies by region, checked from a US address",
    'snapshot differs from the "mobile" site',
)

_RETAILER_WORDS = _words(
    "Northgate|Bluepeak|Harbor|Summit|Maple|Crescent|Ironwood|Lakeside|Redwood|Silverline|"
    "Brightway|Keystone|Oakmont|Pinecrest|Riverside|Starling|Westfield|Evergreen|Granite|"
    "Highland|Müller|Østby|Saint-Laurent|O'Malley's|Dalton & Hale|Kōbe|Tienda Sol|Castle|"
    "Meridian|Union"
)
_RETAILER_KINDS = (
    ("big-box", "Stores"),
    ("electronics", "Electronics"),
    ("home-improvement", "Home Center"),
    ("warehouse-club", "Wholesale"),
    ("online", "Direct"),
    ("department-store", "Department Store"),
    ("grocery", "Market"),
    ("specialty", "Supply"),
)
_COUNTRIES = ("US", "CA", "GB", "DE", "FR", "AU", "MX", "NL", "JP", "BR")
_COUNTRY_WEIGHTS = (0.5, 0.08, 0.1, 0.08, 0.06, 0.05, 0.04, 0.04, 0.03, 0.02)
_SYLLABLES_1 = _words("Lo|Ez|Vi|Ka|Ze|Qu|Ar|No|Ve|Hi|Da|Mi|Te|Ro|Sa|Xi|Ju|Pa|Fe|Gu")
_SYLLABLES_2 = _words("rex|viz|kon|tra|lio|mo|na|vo|sta|ki|ra|lux|tek|ona|ix|ly|ron|zo|ba|mi")
_SYLLABLES_3 = ("", "", "", " Pro", " Labs", " Home", "cam", "net", " Smart", "-Tech")
_CATEGORIES = _words(
    "cameras|doorbells|routers|drones|phones|televisions|batteries|solar|appliances|smart-home|"
    "networking|security"
)
_COMPANY_SUFFIXES = (
    "Technology Co., Ltd.",
    "Holdings Inc.",
    "Group",
    "Electronics Co., Ltd.",
    "Vision GmbH",
    "Intelligent Technology Co., Ltd.",
    "Corp.",
    "International Ltd.",
)
_COMPANY_COUNTRIES = ("CN", "US", "TW", "KR", "JP", "DE", "HK", "IL")
_COMPANY_COUNTRY_WEIGHTS = (0.55, 0.15, 0.08, 0.06, 0.06, 0.04, 0.04, 0.02)
# First day each list could plausibly name a company (clipped to `today`).
_LIST_OPENED = {
    "entity-list": datetime.date(2019, 5, 16),
    "fcc-covered-list": datetime.date(2021, 3, 12),
    "ndaa-889": datetime.date(2019, 8, 13),
}
_LIST_TITLES = {
    "entity-list": "Commerce adds {} to the Entity List",
    "fcc-covered-list": "FCC places {} on the Covered List",
    "ndaa-889": "NDAA Section 889 bars federal purchases from {}",
}
_OTHER_EVENTS = (
    ("reporting", "Investigation finds {brand} cameras on major retail sites"),
    ("reporting", "Report: {brand}, sold under other names, traced to {company}"),
    ("legal", "Lawsuit accuses {company} of misleading buyers, seeks class status"),
    ("legal", 'Court filing: retailer calls {brand} claims "without merit"'),
    ("context", "Retailers review sourcing of connected devices"),
    ("context", "{company} announces sale of {brand}"),
    ("regulatory", "FCC proposes rules on equipment authorizations"),
    ("reporting", "Lawmakers ask retailers why they still sell {brand}"),
)


def write_demo(
    out_dir: Path,
    *,
    retailers: int,
    brands: int,
    observations: int,
    seed: int = 0,
    today: datetime.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write a complete synthetic input set into ``out_dir``; return row counts per file name.

    Deterministic: the same arguments give byte-identical files. Every date is on or before
    ``today`` (default: the current date); observation dates start at 2015-01-01.
    """
    if retailers < 1 or brands < 1:
        raise ValueError("need at least one retailer and one brand")
    if observations < 0:
        raise ValueError("observations cannot be negative")
    today = today or datetime.date.today()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _msg: None)
    # Stream [seed, 0] draws the small tables and the pair layout; each observation chunk has its
    # own stream [seed, 1, chunk], so chunks need nothing from each other but their pairs.
    rng = np.random.default_rng([seed, 0])

    retailer_ids = _ids("r-", retailers)
    brand_ids = _ids("b-", brands)
    n_companies = max(3, brands // 10)
    company_ids = _ids("c-", n_companies, width=5)
    brand_names = _brand_names(rng, brands)

    counts: dict[str, int] = {}
    con = duckdb.connect()
    try:
        con.execute("set preserve_insertion_order = true")  # file order = generation order
        con.execute("set enable_progress_bar = false")
        tables = {
            "retailers.csv": _retailers(rng, retailer_ids),
            "brands.csv": pa.table(
                {
                    "brand_id": brand_ids,
                    "name": brand_names,
                    "category": _pick(rng, _CATEGORIES, brands),
                }
            ),
        }
        companies, company_names = _companies(rng, company_ids)
        tables["companies.csv"] = companies
        ownership, owner = _ownership(rng, brand_ids, company_ids, today)
        tables["ownership.csv"] = ownership
        designations = _designations(rng, company_ids, owner, today)
        tables["designations.csv"] = designations
        tables["events.csv"] = _events(
            rng, designations, company_ids, company_names, brand_ids, brand_names, owner, today
        )
        for name, table in tables.items():
            _write_table(con, table, out_dir / name)
            counts[name] = table.num_rows
            say(f"{name}: {table.num_rows:,} rows")

        counts["observations.csv"] = _write_observations(
            con,
            out_dir / "observations.csv",
            rng,
            seed,
            retailer_ids,
            brand_ids,
            observations,
            today,
            say,
        )
    finally:
        con.close()
    return counts


# --- small tables -------------------------------------------------------------------------------


def _ids(prefix: str, n: int, width: int = 6) -> pa.Array:
    """``prefix`` + zero-padded 1..n, widened if n needs more digits (ids stay unique)."""
    width = max(width, len(str(n)))
    numbers = pa.array(np.arange(1, n + 1, dtype=np.int64)).cast(pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, width, "0"), "")


def _pick(
    rng: np.random.Generator, values: tuple[str, ...], n: int, p: tuple[float, ...] | None = None
) -> pa.Array:
    return pa.array(values).take(pa.array(rng.choice(len(values), n, p=p)))


def _combine(index: np.ndarray, *pools: tuple[str, ...], last: pa.Array | None = None) -> pa.Array:
    """Name number ``index`` by mixed radix over the word pools (then ``last``, if given),
    plus a counter once the pools run out, so distinct numbers give distinct names."""
    parts = []
    rest = index.copy()
    for pool in pools:
        parts.append(pa.array(pool).take(pa.array(rest % len(pool))))
        rest //= len(pool)
    if last is not None:
        parts.append(last)
    counter = pc.binary_join_element_wise(" ", pa.array(rest + 1).cast(pa.string()), "")
    return pc.binary_join_element_wise(*parts, pc.if_else(pa.array(rest > 0), counter, ""), "")


def _unique_order(rng: np.random.Generator, n: int, space: int) -> np.ndarray:
    """n distinct name numbers in shuffled order; numbers past ``space`` get a counter."""
    return rng.permutation(max(n, space))[:n]


def _retailers(rng: np.random.Generator, ids: pa.Array) -> pa.Table:
    n = len(ids)
    kind_index = rng.choice(len(_RETAILER_KINDS), n)
    # Name = distinctive word + a word for the kind, numbered once the words run out: unique.
    number = _unique_order(rng, n, len(_RETAILER_WORDS))
    kind_word = pa.array([" " + k[1] for k in _RETAILER_KINDS]).take(pa.array(kind_index))
    name = _combine(number, _RETAILER_WORDS, last=kind_word)
    website = pc.binary_join_element_wise("https://www.example.com/retailers/", ids, "")
    has_site = pa.array(rng.random(n) < 0.9)
    return pa.table(
        {
            "retailer_id": ids,
            "name": name,
            "country": _pick(rng, _COUNTRIES, n, _COUNTRY_WEIGHTS),
            "kind": pa.array([k[0] for k in _RETAILER_KINDS]).take(pa.array(kind_index)),
            "website": pc.if_else(has_site, website, _NULL),
        }
    )


def _brand_names(rng: np.random.Generator, n: int) -> pa.Array:
    space = len(_SYLLABLES_1) * len(_SYLLABLES_2) * len(_SYLLABLES_3)
    return _combine(_unique_order(rng, n, space), _SYLLABLES_1, _SYLLABLES_2, _SYLLABLES_3)


def _companies(rng: np.random.Generator, ids: pa.Array) -> tuple[pa.Table, pa.Array]:
    n = len(ids)
    suffixes = tuple(" " + suffix for suffix in _COMPANY_SUFFIXES)
    space = len(_SYLLABLES_1) * len(_SYLLABLES_2) * len(suffixes)
    name = _combine(_unique_order(rng, n, space), _SYLLABLES_1, _SYLLABLES_2, suffixes)
    table = pa.table(
        {
            "company_id": ids,
            "name": name,
            "country": _pick(rng, _COMPANY_COUNTRIES, n, _COMPANY_COUNTRY_WEIGHTS),
        }
    )
    return table, name


def _zipf(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """Probabilities proportional to 1/rank^exponent, ranks shuffled over the n items."""
    weights = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent
    weights = weights[rng.permutation(n)]
    return weights / weights.sum()


def _day(value: datetime.date) -> int:
    """Days since 1970-01-01, the representation of Arrow's date32."""
    return (value - _EPOCH).days


def _dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~valid
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=mask)


def _ownership(
    rng: np.random.Generator, brand_ids: pa.Array, company_ids: pa.Array, today: datetime.date
) -> tuple[pa.Table, np.ndarray]:
    """One owner per brand; ~8 % change hands (valid_to = next valid_from); ~3 % disputed.

    Returns the table and each brand's current owner (company index), used to aim designations
    and events at companies whose brands are actually sold.
    """
    n, n_companies = len(brand_ids), len(company_ids)
    last = _day(today)
    first = min(_day(datetime.date(2000, 1, 1)), last)
    owner = rng.choice(n_companies, n, p=_zipf(rng, n_companies, 1.1))
    since = rng.integers(first, min(last, _day(datetime.date(2016, 12, 31))) + 1, n)
    # A change needs at least one day after `since`: valid_to must be after valid_from.
    changes = (rng.random(n) < 0.08) & (since < last)
    change_day = since + 1 + np.floor(rng.random(n) * (last - since)).astype(np.int64)
    new_owner = (owner + 1 + rng.integers(0, n_companies - 1, n)) % n_companies
    disputed = rng.random(n) < 0.03
    rival = (owner + 1 + rng.integers(0, n_companies - 1, n)) % n_companies
    rival_since = rng.integers(since, last + 1)

    brand = np.arange(n)
    rows_brand = np.concatenate([brand, brand[changes], brand[disputed]])
    rows_company = np.concatenate([owner, new_owner[changes], rival[disputed]])
    rows_from = np.concatenate([since, change_day[changes], rival_since[disputed]])
    rows_to = np.concatenate(
        [np.where(changes, change_day, 0), np.zeros(changes.sum() + disputed.sum(), np.int64)]
    )
    has_to = np.concatenate([changes, np.zeros(changes.sum() + disputed.sum(), bool)])
    kind = np.concatenate(
        [np.zeros(n, np.int8), np.ones(changes.sum(), np.int8), np.full(disputed.sum(), 2, np.int8)]
    )
    order = np.lexsort((kind, rows_from, rows_brand))  # by brand, then time
    rows_brand, rows_company = rows_brand[order], rows_company[order]
    rows_from, rows_to, has_to, kind = rows_from[order], rows_to[order], has_to[order], kind[order]

    brand_id = brand_ids.take(pa.array(rows_brand))
    number = pa.array(np.arange(1, len(order) + 1)).cast(pa.string())
    confidence = np.where(kind == 2, 2, rng.choice(2, len(order), p=(0.7, 0.3)))
    notes = pa.array([None, "acquired from the previous owner", "conflicting claim, see source"])
    table = pa.table(
        {
            "brand_id": brand_id,
            "company_id": company_ids.take(pa.array(rows_company)),
            "valid_from": _dates(rows_from),
            "valid_to": _dates(rows_to, has_to),
            "source_url": pc.binary_join_element_wise(
                "https://example.org/ownership/", brand_id, "/", number, ""
            ),
            "confidence": pa.array(CONFIDENCES).take(pa.array(confidence)),
            "note": notes.take(pa.array(kind)),
        }
    )
    current = owner.copy()
    current[changes] = new_owner[changes]
    return table, current


def _designations(
    rng: np.random.Generator, company_ids: pa.Array, owner: np.ndarray, today: datetime.date
) -> pa.Table:
    """~10 % of companies on one or more lists, biased towards companies owning many brands."""
    n = len(company_ids)
    picked = max(1, round(n / 10))
    brands_owned = np.bincount(owner, minlength=n).astype(np.float64) + 0.5
    companies = np.sort(rng.choice(n, picked, replace=False, p=brands_owned / brands_owned.sum()))
    on_list = rng.random((picked, len(LISTS))) < 0.3
    on_list[np.arange(picked), rng.integers(0, len(LISTS), picked)] = True
    row_company, row_list = np.nonzero(on_list)
    last = _day(today)
    opened = np.array([min(_day(_LIST_OPENED[x]), last) for x in LISTS])[row_list]
    effective = np.minimum(opened + rng.integers(0, 3 * 365, len(row_list)), last)
    ended = (rng.random(len(row_list)) < 0.05) & (effective < last)
    ended_on = (
        effective + 1 + np.floor(rng.random(len(row_list)) * (last - effective)).astype(np.int64)
    )
    company_id = company_ids.take(pa.array(companies[row_company]))
    list_name = pa.array(LISTS).take(pa.array(row_list))
    return pa.table(
        {
            "company_id": company_id,
            "list": list_name,
            "effective_on": _dates(effective),
            "ended_on": _dates(ended_on, ended),
            "source_url": pc.binary_join_element_wise(
                "https://example.org/designations/", list_name, "/", company_id, ""
            ),
            "note": pc.if_else(pa.array(ended), "removed from the list", _NULL),
        }
    )


def _events(
    rng: np.random.Generator,
    designations: pa.Table,
    company_ids: pa.Array,
    company_names: pa.Array,
    brand_ids: pa.Array,
    brand_names: pa.Array,
    owner: np.ndarray,
    today: datetime.date,
) -> pa.Table:
    """A few dozen events: one per designation (up to 12), the rest reporting/legal/context."""
    first, last = _day(min(FIRST_DAY, today)), _day(today)
    rows: list[tuple[int, str, str, str | None, str | None]] = []
    name_of = dict(zip(company_ids.to_pylist(), company_names.to_pylist(), strict=True))
    for row in designations.slice(0, 12).to_pylist():
        day = _day(row["effective_on"])
        title = _LIST_TITLES[row["list"]].format(name_of[row["company_id"]])
        rows.append((day, title, "regulatory", row["company_id"], None))
    # Brands of the busiest owners make the stories; this loop is over a few dozen events only.
    brand_weights = np.bincount(owner, minlength=len(company_ids))[owner].astype(np.float64)
    for _ in range(36 - len(rows)):
        kind, template = _OTHER_EVENTS[rng.integers(len(_OTHER_EVENTS))]
        brand = int(rng.choice(len(brand_ids), p=brand_weights / brand_weights.sum()))
        company = int(owner[brand])
        title = template.format(
            brand=brand_names[brand].as_py(), company=company_names[company].as_py()
        )
        rows.append(
            (
                int(rng.integers(first, last + 1)),
                title,
                kind,
                company_ids[company].as_py() if "{company}" in template else None,
                brand_ids[brand].as_py() if "{brand}" in template else None,
            )
        )
    rows.sort(key=lambda r: r[0])  # stable: ties keep generation order
    days = np.array([r[0] for r in rows], dtype=np.int64)
    return pa.table(
        {
            "date": _dates(days),
            "title": pa.array([r[1] for r in rows], pa.string()),
            "kind": pa.array([r[2] for r in rows], pa.string()),
            "url": pa.array([f"https://example.org/events/{i + 1}" for i in range(len(rows))]),
            "company_id": pa.array([r[3] for r in rows], pa.string()),
            "brand_id": pa.array([r[4] for r in rows], pa.string()),
        }
    )


def _write_table(con: duckdb.DuckDBPyConnection, table: pa.Table, path: Path) -> None:
    """CSV with an unquoted header, quotes only where needed, '\\n' line ends, nulls as empty."""
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(HEADERS[path.name] + "\n")
    if table.num_rows:
        # select() pins the column order to the header (and fails loudly on a missing column).
        _append_csv(con.from_arrow(table.select(list(COLUMNS[path.name]))), path)


def _append_csv(relation: duckdb.DuckDBPyRelation, path: Path) -> None:
    """Append a relation's rows to ``path`` (DuckDB's writer cannot append, so via a part file)."""
    fd, part = tempfile.mkstemp(prefix=".part-", suffix=".csv", dir=path.parent)
    os.close(fd)
    try:
        relation.write_csv(part, header=False, sep=",", quotechar='"', date_format="%Y-%m-%d")
        with open(part, "rb") as src, open(path, "ab") as dst:
            _copy_to_end(src, dst)
    finally:
        os.unlink(part)


def _copy_to_end(src: BinaryIO, dst: BinaryIO) -> None:
    """Copy all of ``src`` to ``dst``: in the kernel where Linux allows, else through Python."""
    copy_file_range = getattr(os, "copy_file_range", None)
    if copy_file_range is not None:
        try:
            while copy_file_range(src.fileno(), dst.fileno(), 1 << 30):
                pass
            return
        except OSError:  # e.g. unsupported file system: go on from where the kernel stopped
            pass
    shutil.copyfileobj(src, dst, 8 * 1024 * 1024)


# --- observations --------------------------------------------------------------------------------


def _choose_pairs(
    rng: np.random.Generator, n_retailers: int, n_brands: int, wanted: int
) -> tuple[np.ndarray, np.ndarray]:
    """``wanted`` distinct pairs, drawn with Zipf weights on both sides (big sellers, big brands).

    Rejection sampling: draw more than needed, keep first occurrences in draw order; the next
    batch is sized from the last acceptance rate. Stops short (fewer pairs) if the weights make
    the last few pairs too rare to find in reasonable time.
    """
    cdf_retailer = np.cumsum(_zipf(rng, n_retailers, 0.9))
    cdf_brand = np.cumsum(_zipf(rng, n_brands, 0.9))
    space = n_retailers * n_brands
    # Membership by bitmap when it fits in memory (the benchmark sizes), else by sorted search.
    seen = np.zeros(space, dtype=bool) if space <= 1 << 27 else None
    chosen: list[np.ndarray] = []
    have, accept = 0, 1.0
    for _ in range(64):
        missing = wanted - have
        if missing <= 0:
            break
        draw = int(missing / accept * 1.25) + 64
        keys = _draw(rng, cdf_retailer, draw) * n_brands + _draw(rng, cdf_brand, draw)
        _, first = np.unique(keys, return_index=True)
        keys = keys[np.sort(first)]
        if seen is not None:
            keys = keys[~seen[keys]][:missing]
            seen[keys] = True
        elif chosen:
            keys = keys[~np.isin(keys, np.concatenate(chosen))][:missing]
        chosen.append(keys[:missing])
        have += len(chosen[-1])
        accept = max(len(chosen[-1]) / draw, 1e-3)
    keys = np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)
    return keys // n_brands, keys % n_brands


def _draw(rng: np.random.Generator, cdf: np.ndarray, n: int) -> np.ndarray:
    """n indices distributed as the (unnormalised) cumulative weights ``cdf``."""
    picks = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    return np.minimum(picks, len(cdf) - 1).astype(np.int64)


def _history_lengths(rng: np.random.Generator, n_pairs: int, total: int) -> np.ndarray:
    """Observations per pair: >= 1 each, summing to ``total``, Pareto-tailed and capped.

    The cap (300 x the typical weight) keeps the longest histories in the hundreds to low
    thousands at any scale instead of one pair swallowing a fixed share of the file.
    """
    weights = np.minimum(rng.pareto(1.3, n_pairs), 300.0) + 0.05
    extra_total = total - n_pairs
    scaled = weights * (extra_total / weights.sum())
    lengths = np.floor(scaled).astype(np.int64)
    short = extra_total - int(lengths.sum())  # 0 <= short < n_pairs after flooring
    lengths[np.argsort(scaled - lengths, kind="stable")[::-1][:short]] += 1
    return lengths + 1


def _write_observations(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    rng: np.random.Generator,
    seed: int,
    retailer_ids: pa.Array,
    brand_ids: pa.Array,
    total: int,
    today: datetime.date,
    say: Callable[[str], None],
) -> int:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(HEADERS["observations.csv"] + "\n")
    if total == 0:
        return 0
    n_r, n_b = len(retailer_ids), len(brand_ids)
    # Roughly a dozen observations per active pair, and never more than a quarter of all pairs
    # active: the "most pairs are quiet" shape survives tiny universes too.
    wanted = min(total, max(1, min(total // 12, n_r * n_b // 4)))
    pair_r, pair_b = _choose_pairs(rng, n_r, n_b, wanted)
    lengths = _history_lengths(rng, len(pair_r), total)
    # Shuffle pair order so every chunk mixes long and short histories.
    order = rng.permutation(len(pair_r))
    pair_r, pair_b, lengths = pair_r[order], pair_b[order], lengths[order]

    ends = np.cumsum(lengths)
    # Chunk edges at whole pairs, so one pair's history is generated in one piece.
    cuts = np.searchsorted(ends, np.arange(_CHUNK_ROWS, total, _CHUNK_ROWS), side="right")
    edges = np.unique(np.concatenate([[0], cuts, [len(lengths)]]))
    first_day, last_day = _day(min(FIRST_DAY, today)), _day(today)

    # Lookup arrays for dictionary columns: rows carry small integer codes only.
    dicts = {
        "retailer_id": retailer_ids,
        "brand_id": brand_ids,
        "status": pa.array(STATUSES),
        "source_kind": pa.array(SOURCE_KINDS),
        "source_slug": pa.array([kind.replace("_", "-") for kind in SOURCE_KINDS]),
        "confidence": pa.array(CONFIDENCES),
        "channel": pa.array(CHANNELS),
        "quote": pa.array([q for pool in _QUOTES for q in pool]),
        "note": pa.array(_NOTES),
    }
    # Generate chunk k+1 (numpy, this thread) while DuckDB writes chunk k (its own threads,
    # GIL released); progress is reported from this thread, as UIs expect.
    written = 0
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[int] | None = None
        for chunk_no, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
            chunk = _observation_chunk(
                np.random.default_rng([seed, 1, chunk_no]),
                pair_r[lo:hi],
                pair_b[lo:hi],
                lengths[lo:hi],
                int(ends[lo] - lengths[lo]),
                first_day,
                last_day,
                dicts,
            )
            if pending is not None:
                written += pending.result()
                say(f"observations.csv: {written:,} / {total:,} rows")
            pending = writer.submit(_append_observations, con, chunk, path)
        if pending is not None:
            written += pending.result()
            say(f"observations.csv: {written:,} / {total:,} rows")
    return written


def _append_observations(con: duckdb.DuckDBPyConnection, chunk: pa.Table, path: Path) -> int:
    con.register("obs_chunk", chunk)
    try:
        _append_csv(con.sql(_OBSERVATIONS_SELECT), path)
    finally:
        con.unregister("obs_chunk")
    return chunk.num_rows


# Strings that are unique per row (URLs) are built here, in DuckDB's parallel pipeline, from the
# row number; row_no is 1-based, so data line L of the file cites .../L-1.
_OBSERVATIONS_SELECT = """
select retailer_id, brand_id, status, effective_on, source_url, source_kind, confidence,
       reported_on, channel, quote, note,
       case when archived then 'https://web.archive.org/web/'
            || strftime(effective_on, '%Y%m%d') || '/' || source_url end as archive_url
from (
    select *, 'https://example.org/' || source_slug || '/' || row_no::varchar as source_url
    from obs_chunk
)
"""


def _observation_chunk(
    rng: np.random.Generator,
    pair_r: np.ndarray,
    pair_b: np.ndarray,
    lengths: np.ndarray,
    row_offset: int,
    first_day: int,
    last_day: int,
    dicts: dict[str, pa.Array],
) -> pa.Table:
    """All observations of a set of pairs, sorted by date; one row per observation."""
    n_pairs = len(lengths)
    n = int(lengths.sum())
    days_total = last_day - first_day
    pair_first_row = np.cumsum(lengths) - lengths
    pair_of_row = np.repeat(np.arange(n_pairs), lengths)
    rank_in_pair = np.arange(n) - pair_first_row[pair_of_row]

    # Dates: a row starts a new date with p=0.6, else it ties with the previous row (same day,
    # another source). Groups = distinct dates of a pair.
    new_date = (rng.random(n) < 0.6) | (rank_in_pair == 0)
    group_of_row = np.cumsum(new_date) - 1
    group_first_row = np.flatnonzero(new_date)
    n_groups = len(group_first_row)
    group_pair = pair_of_row[group_first_row]
    groups_per_pair = np.bincount(group_pair, minlength=n_pairs)
    pair_first_group = np.cumsum(groups_per_pair) - groups_per_pair
    group_rank = np.arange(n_groups) - pair_first_group[group_pair]
    rank_in_group = np.arange(n) - group_first_row[group_of_row]

    # Each pair is watched over a window: 60 % still watched recently, the rest stopped earlier.
    ongoing = rng.random(n_pairs) < 0.6
    recent_lag = np.minimum(rng.geometric(0.05, n_pairs) - 1, days_total)
    end = np.where(ongoing, days_total - recent_lag, rng.integers(0, days_total + 1, n_pairs))
    steps = groups_per_pair - 1
    # Long histories get long windows (3 days per date at least) so their dates stay distinct.
    span = np.maximum(np.floor(end * rng.beta(1.2, 1.0, n_pairs)), np.minimum(end, 3 * steps))
    span = span.astype(np.int64)
    start = end - span
    gaps = rng.exponential(1.0, n_groups)
    before = np.cumsum(gaps) - gaps
    before -= before[pair_first_group][group_pair]  # cumulative gap within the pair
    whole = before[pair_first_group + groups_per_pair - 1][group_pair]
    frac = np.divide(before, whole, out=np.zeros(n_groups), where=whole > 0)
    # rank + floor(frac * slack) is strictly increasing and stays inside the window when the
    # window has room for one day per date; otherwise dates collide into more same-day ties.
    fits = (span >= steps)[group_pair]
    slack = np.where(fits, span[group_pair] - steps[group_pair], span[group_pair])
    group_day = start[group_pair] + np.floor(frac * slack).astype(np.int64)
    group_day += np.where(fits, group_rank, 0)

    # Status: phases alternating sold / not sold; a phase changes at a date with a per-pair rate.
    rate = rng.uniform(0.01, 0.10, n_pairs)
    flip = (rng.random(n_groups) < rate[group_pair]) & (group_rank > 0)
    phase = np.cumsum(flip, dtype=np.int64)
    phase -= phase[pair_first_group][group_pair]
    phase += (rng.random(n_pairs) < 0.1)[group_pair]  # some histories start with "not sold"
    sold = phase % 2 == 0
    # A not-sold phase is a removal (80 %) or a spell of "unavailable", fixed at its first date.
    phase_start = np.maximum.accumulate(np.where(flip | (group_rank == 0), np.arange(n_groups), 0))
    unavailable = (rng.random(n_groups) < 0.2)[phase_start]
    # Removals are usually announced: the last sold date before one says "exiting".
    next_is_removal = np.zeros(n_groups, dtype=bool)
    next_is_removal[:-1] = flip[1:] & ~unavailable[1:]
    last_of_pair = np.zeros(n_groups, dtype=bool)
    last_of_pair[pair_first_group + groups_per_pair - 1] = True
    announce = rng.random(n_groups)
    exiting = sold & ((next_is_removal & (announce < 0.75)) | (last_of_pair & (announce < 0.03)))
    group_status = np.where(
        sold, np.where(exiting, EXITING, STOCKED), np.where(unavailable, UNAVAILABLE, REMOVED)
    )

    # Row-level draws, one float32 block (half the memory traffic of float64 draws).
    u = rng.random((8, n), dtype=np.float32)
    # Rows: the first of a date carries the phase status; other same-day sources mostly agree,
    # but 15 % disagree on sold / not sold, usually with less confidence (disputed, rarely winning).
    status = group_status[group_of_row]
    secondary = rank_in_group > 0
    disagree = secondary & (u[0] < 0.15)
    status = np.where(disagree, np.where(status <= EXITING, REMOVED, STOCKED), status)
    # Categorical draws by thresholds on one uniform (cumulative shares, last category implied).
    kind = np.where(
        secondary,
        np.searchsorted(_f32(0.15, 0.4, 0.5, 0.8), u[1]),  # more news, brand claims
        np.searchsorted(_f32(0.15, 0.6, 0.65, 0.9), u[1]),  # more listing checks
    )
    confidence = np.where(
        disagree,
        np.searchsorted(_f32(0.05, 0.35), u[2]),  # high 5 %, medium 30 %, low 65 %
        np.where(
            secondary,
            np.searchsorted(_f32(0.3, 0.75), u[2]),
            np.searchsorted(_f32(0.45, 0.9), u[2]),
        ),
    )
    day = group_day[group_of_row]
    has_report = u[3] < 0.65
    reported = np.minimum(day + rng.geometric(0.15, n) - 1, days_total)
    channel: np.ndarray = np.searchsorted(_f32(0.7, 0.8, 0.92), u[4])
    # Below its threshold a uniform is uniform again: reuse it to pick the quote / note.
    has_quote = u[5] < 0.2
    per_status = len(_QUOTES[0])
    quote = status * per_status + np.minimum(u[5] * (per_status / 0.2), per_status - 1).astype(int)
    has_note = u[6] < 0.05
    note = np.minimum(u[6] * (len(_NOTES) / 0.05), len(_NOTES) - 1).astype(np.int64)
    archived = u[7] < 0.3

    # Log-like: each chunk's rows in date order (stable: same-day rows of a pair keep their order,
    # which matters to the status rule's last tie-break, the later line).
    order = np.argsort(day, kind="stable")

    def coded(name: str, codes: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
        indices = pa.array(
            codes[order].astype(np.int32), mask=None if valid is None else ~valid[order]
        )
        return pa.DictionaryArray.from_arrays(indices, dicts[name])

    return pa.table(
        {
            "retailer_id": coded("retailer_id", pair_r[pair_of_row]),
            "brand_id": coded("brand_id", pair_b[pair_of_row]),
            "status": coded("status", status),
            "effective_on": _dates(first_day + day[order]),
            "source_kind": coded("source_kind", kind),
            "source_slug": coded("source_slug", kind),
            "confidence": coded("confidence", confidence),
            "reported_on": _dates(first_day + reported[order], has_report[order]),
            "channel": coded("channel", channel),
            "quote": coded("quote", quote, has_quote),
            "note": coded("note", note, has_note),
            "archived": pa.array(archived[order]),
            "row_no": pa.array(np.arange(row_offset + 1, row_offset + n + 1, dtype=np.int64)),
        }
    )
