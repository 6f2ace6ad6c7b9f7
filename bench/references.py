"""What a user would write instead of Shelfwatch: pandas and polars over the raw observations.

Each reference starts from the observations table as a DataFrame (the validated input rows;
``obs_id`` is the ingest order, the status rule's last tie-break) and applies docs/design.md's
status rule the way a competent analyst would: sort by the rule's precedence, keep the last
row per pair and date, then groupby / shift / cumsum — no Python loop over rows or dates.
Results are compared with our catalog queries by :func:`assert_equal`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import duckdb
import numpy as np
import pandas as pd
import polars as pl

PAIR = ["retailer_id", "brand_id"]
SOLD = ("stocked", "exiting")
CONFIDENCE_RANK = {"low": 1, "medium": 2, "high": 3}
SOURCE_KIND_RANK = {
    "brand_claim": 1,
    "news_report": 2,
    "legal_filing": 3,
    "listing_check": 4,
    "statement": 5,
}
# Rule 2's order, weakest first: after a stable sort the last row of each pair/date wins.
WINNER_ORDER = [
    *PAIR,
    "effective_on",
    "confidence_rank",
    "source_kind_rank",
    "reported_on",
    "obs_id",
]
DISPUTE_WINDOW = dt.timedelta(days=30)

# What each reference returns, and the columns of our query it is compared on.
STATUS_COLUMNS = [*PAIR, "status", "since", "disputed", "last_evidence_on", "obs_id"]
CHANGES_COLUMNS = [
    *PAIR,
    "from_status",
    "to_status",
    "changed_on",
    "disputed",
    "source_url",
]
COVERAGE_COLUMNS = ["brand_id", "period", "retailers_selling"]

# The raw columns the rule needs, plus source_url for the evidence of a change.
_OBSERVATIONS_SQL = (
    "select obs_id, retailer_id, brand_id, status, effective_on, source_kind, confidence, "
    "reported_on, source_url from observations order by obs_id"
)


def load_observations_pandas(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.sql(_OBSERVATIONS_SQL).df()


def load_observations_polars(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(_OBSERVATIONS_SQL).pl()


# --- pandas -------------------------------------------------------------------------------------


def pairs_pandas(
    obs: pd.DataFrame, retailers: Sequence[str], brands: Sequence[str]
) -> pd.DataFrame:
    """The observations of these retailers × brands (filter first: the rule is per pair)."""
    return obs[obs["retailer_id"].isin(retailers) & obs["brand_id"].isin(brands)]


def _winners_pandas(obs: pd.DataFrame) -> pd.DataFrame:
    """One winning observation per pair and date, sorted by pair and date (rule 2)."""
    ranked = obs.assign(
        confidence_rank=obs["confidence"].map(CONFIDENCE_RANK),
        source_kind_rank=obs["source_kind"].map(SOURCE_KIND_RANK),
    )
    # NaT first: an empty reported_on is the oldest.
    ranked = ranked.sort_values(WINNER_ORDER, na_position="first", kind="stable")
    return ranked.drop_duplicates([*PAIR, "effective_on"], keep="last")


def _runs_pandas(winners: pd.DataFrame) -> pd.DataFrame:
    """Adds the first date and first observation of each run of equal statuses (rule 4)."""
    previous = winners.groupby(PAIR, sort=False)["status"].shift()
    run = (previous.isna() | (winners["status"] != previous)).cumsum()
    by_run = winners.groupby(run, sort=False)
    return winners.assign(
        since=by_run["effective_on"].transform("first"),
        run_obs_id=by_run["obs_id"].transform("first"),
    )


def status_as_of_pandas(obs: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    seen = obs[obs["effective_on"] <= pd.Timestamp(as_of)]  # rule 1
    winners = _runs_pandas(_winners_pandas(seen))
    current = winners.drop_duplicates(PAIR, keep="last")  # rule 3: the latest date
    # Rule 5: every observation against its pair's current run. It disputes the status if it
    # disagrees on sold and is dated in the run, or in the 30 days before it and stronger
    # (confidence, then kind) than every observation dated in the run.
    runs = current[[*PAIR, "status", "since"]].rename(columns={"status": "current"})
    joined = seen.merge(runs, on=PAIR, how="inner")
    strength = joined["confidence"].map(CONFIDENCE_RANK) * 10 + joined["source_kind"].map(
        SOURCE_KIND_RANK
    )
    disagrees = joined["status"].isin(SOLD) != joined["current"].isin(SOLD)
    in_run = joined["effective_on"] >= joined["since"]
    before_run = ~in_run & (joined["effective_on"] >= joined["since"] - DISPUTE_WINDOW)
    flags = (
        pd.DataFrame(
            {
                "retailer_id": joined["retailer_id"],
                "brand_id": joined["brand_id"],
                "in_run_disagrees": in_run & disagrees,
                "run_strength": strength.where(in_run),
                "before_strength": strength.where(before_run & disagrees),
            }
        )
        .groupby(PAIR, sort=False)
        .agg(
            in_run_disagrees=("in_run_disagrees", "any"),
            run_strength=("run_strength", "max"),
            before_strength=("before_strength", "max"),
        )
        .reset_index()
    )
    current = current.merge(flags, on=PAIR, how="left", validate="one_to_one")
    disputed = current["in_run_disagrees"] | (current["before_strength"] > current["run_strength"])
    return current.assign(disputed=disputed.astype(bool), last_evidence_on=current["effective_on"])[
        [*STATUS_COLUMNS, "run_obs_id"]
    ]


def net_changes_between_pandas(obs: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The net view: pairs whose status on ``end`` differs from their status on ``start``."""
    before = status_as_of_pandas(obs, start)[[*PAIR, "status"]]
    after = status_as_of_pandas(obs, end)[[*PAIR, "status", "since", "disputed", "run_obs_id"]]
    both = after.merge(before, on=PAIR, how="outer", suffixes=("", "_before"))
    changed = both[both["status"].fillna("") != both["status_before"].fillna("")]
    # The evidence of a change is the observation that opened the new run.
    sources = obs.loc[obs["obs_id"].isin(changed["run_obs_id"]), ["obs_id", "source_url"]]
    changed = changed.merge(sources, left_on="run_obs_id", right_on="obs_id", how="left")
    return changed.rename(
        columns={"status_before": "from_status", "status": "to_status", "since": "changed_on"}
    )[CHANGES_COLUMNS]


def periods(grain: str, first: dt.date, last: dt.date) -> list[dt.date]:
    """The period starts of our coverage query: from the truncated first date up to ``last``."""
    if grain == "day":
        start, step = first, pd.DateOffset(days=1)
    elif grain == "week":  # ISO weeks start on Monday
        start, step = first - dt.timedelta(days=first.weekday()), pd.DateOffset(weeks=1)
    elif grain == "month":
        start, step = first.replace(day=1), pd.DateOffset(months=1)
    elif grain == "year":
        start, step = first.replace(month=1, day=1), pd.DateOffset(years=1)
    else:
        raise ValueError(f"unknown grain {grain!r}")
    return [d.date() for d in pd.date_range(start, last, freq=step)]


def coverage_over_time_pandas(
    obs: pd.DataFrame,
    grain: str,
    start: dt.date | None,
    end: dt.date | None,
    brands: Sequence[str] | None = None,
) -> pd.DataFrame:
    if brands:
        obs = obs[obs["brand_id"].isin(brands)]
    winners = _winners_pandas(obs)
    # +1 where a pair starts selling, -1 where it stops; per brand, the running sum is the
    # number of retailers selling from that date on.
    sold = winners["status"].isin(SOLD).astype(np.int64)
    change = sold - sold.groupby([winners["retailer_id"], winners["brand_id"]]).shift(fill_value=0)
    deltas = winners.loc[change != 0, ["brand_id", "effective_on"]].assign(delta=change)
    running = deltas.groupby(["brand_id", "effective_on"], as_index=False)["delta"].sum()
    running["selling"] = running.groupby("brand_id")["delta"].cumsum()

    first = start or obs["effective_on"].min().date()
    last = end or obs["effective_on"].max().date()
    grid = pd.MultiIndex.from_product(
        [obs["brand_id"].unique(), pd.to_datetime(periods(grain, first, last))],
        names=["brand_id", "period"],
    ).to_frame(index=False)
    grid["period"] = grid["period"].astype(running["effective_on"].dtype)
    coverage = pd.merge_asof(
        grid.sort_values("period"),
        running.sort_values("effective_on"),
        left_on="period",
        right_on="effective_on",
        by="brand_id",
    )
    # Before a brand's first observation there is no data (NULL), after it 0 when none sells.
    first_seen = obs.groupby("brand_id")["effective_on"].min()
    seen = coverage["period"] >= coverage["brand_id"].map(first_seen)
    coverage["retailers_selling"] = (
        coverage["selling"].fillna(0).astype("Int64").where(seen, pd.NA).astype("Int64")
    )
    return coverage[COVERAGE_COLUMNS]


# --- polars -------------------------------------------------------------------------------------


def pairs_polars(
    obs: pl.DataFrame, retailers: Sequence[str], brands: Sequence[str]
) -> pl.DataFrame:
    return obs.filter(
        pl.col("retailer_id").is_in(list(retailers)) & pl.col("brand_id").is_in(list(brands))
    )


def _winners_polars(obs: pl.DataFrame) -> pl.DataFrame:
    ranked = obs.with_columns(
        confidence_rank=pl.col("confidence").replace_strict(CONFIDENCE_RANK),
        source_kind_rank=pl.col("source_kind").replace_strict(SOURCE_KIND_RANK),
    )
    return ranked.sort(WINNER_ORDER, nulls_last=False, maintain_order=True).unique(
        [*PAIR, "effective_on"], keep="last", maintain_order=True
    )


def _runs_polars(winners: pl.DataFrame) -> pl.DataFrame:
    previous = pl.col("status").shift().over(PAIR)
    return winners.with_columns(
        run=(previous.is_null() | (pl.col("status") != previous)).cum_sum()
    ).with_columns(
        since=pl.col("effective_on").first().over("run"),
        run_obs_id=pl.col("obs_id").first().over("run"),
    )


def status_as_of_polars(obs: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    seen = obs.filter(pl.col("effective_on") <= as_of)
    current = _runs_polars(_winners_polars(seen)).group_by(PAIR, maintain_order=True).last()
    # Rule 5, as in status_as_of_pandas: every observation against its pair's current run.
    strength = pl.col("confidence").replace_strict(CONFIDENCE_RANK) * 10 + pl.col(
        "source_kind"
    ).replace_strict(SOURCE_KIND_RANK)
    disagrees = pl.col("status").is_in(SOLD) != pl.col("current").is_in(SOLD)
    in_run = pl.col("effective_on") >= pl.col("since")
    before_run = ~in_run & (pl.col("effective_on") >= pl.col("since") - DISPUTE_WINDOW)
    flags = (
        seen.join(current.select(*PAIR, pl.col("status").alias("current"), "since"), on=PAIR)
        .group_by(PAIR)
        .agg(
            in_run_disagrees=(in_run & disagrees).any(),
            run_strength=strength.filter(in_run).max(),
            before_strength=strength.filter(before_run & disagrees).max(),
        )
    )
    return (
        current.join(flags, on=PAIR, how="left", validate="1:1")
        .with_columns(
            disputed=pl.col("in_run_disagrees")
            | (pl.col("before_strength") > pl.col("run_strength")).fill_null(False),
            last_evidence_on=pl.col("effective_on"),
        )
        .select([*STATUS_COLUMNS, "run_obs_id"])
    )


def net_changes_between_polars(obs: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    before = status_as_of_polars(obs, start).select([*PAIR, pl.col("status").alias("from_status")])
    after = status_as_of_polars(obs, end).select(
        *PAIR,
        pl.col("status").alias("to_status"),
        pl.col("since").alias("changed_on"),
        "disputed",
        "run_obs_id",
    )
    changed = after.join(before, on=PAIR, how="full", coalesce=True).filter(
        pl.col("from_status").ne_missing(pl.col("to_status"))
    )
    sources = obs.select(pl.col("obs_id").alias("run_obs_id"), "source_url")
    return changed.join(sources, on="run_obs_id", how="left").select(CHANGES_COLUMNS)


def coverage_over_time_polars(
    obs: pl.DataFrame,
    grain: str,
    start: dt.date | None,
    end: dt.date | None,
    brands: Sequence[str] | None = None,
) -> pl.DataFrame:
    if brands:
        obs = obs.filter(pl.col("brand_id").is_in(list(brands)))
    sold = pl.col("status").is_in(SOLD).cast(pl.Int64)
    deltas = (
        _winners_polars(obs)
        .with_columns(delta=sold - sold.shift(fill_value=0).over(PAIR))
        .filter(pl.col("delta") != 0)
    )
    running = (
        deltas.group_by("brand_id", "effective_on")
        .agg(pl.col("delta").sum())
        .sort("brand_id", "effective_on")
        .with_columns(selling=pl.col("delta").cum_sum().over("brand_id"))
        .sort("effective_on")
    )
    first = start or obs["effective_on"].min()
    last = end or obs["effective_on"].max()
    grid = (
        obs.group_by("brand_id")
        .agg(first_seen=pl.col("effective_on").min())
        .join(pl.DataFrame({"period": periods(grain, first, last)}), how="cross")
        .sort("period")
    )
    return (
        grid.join_asof(
            running,
            left_on="period",
            right_on="effective_on",
            by="brand_id",
            check_sortedness=False,  # both sides sorted on the key just above
        )
        .with_columns(
            # Before a brand's first observation: no data (NULL); after it 0 when none sells.
            retailers_selling=pl.when(pl.col("period") >= pl.col("first_seen")).then(
                pl.col("selling").fill_null(0).cast(pl.Int64)
            )
        )
        .select(COVERAGE_COLUMNS)
    )


# --- comparison ---------------------------------------------------------------------------------


def _normalise_column(values: pd.Series) -> pd.Series:
    """One comparable representation per kind: ISO text for dates, Python scalars, None."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").astype(object).where(values.notna(), None)
    if pd.api.types.is_bool_dtype(values):
        return values.astype(bool).astype(object)
    if pd.api.types.is_integer_dtype(values):  # nullable (Int64) too: NULL stays None
        return values.astype("Int64").astype(object).where(values.notna(), None)
    if values.dtype == object:  # e.g. datetime.date values
        values = values.map(_iso_if_date)
    return values.astype(object).where(values.notna(), None)


def _iso_if_date(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, dt.date) else value


def normalise(frame: pd.DataFrame | pl.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """The given columns only, comparable values, rows in a canonical order."""
    if isinstance(frame, pl.DataFrame):
        frame = frame.to_pandas()
    columns = list(columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AssertionError(f"result lacks columns {missing}; has {list(frame.columns)}")
    out = pd.DataFrame({c: _normalise_column(frame[c]) for c in columns})
    # Sort on text so None, bools and numbers order the same on both sides.
    order = out.astype(str).sort_values(columns, kind="stable").index
    return out.loc[order].reset_index(drop=True)


def assert_equal(
    ours: pd.DataFrame | pl.DataFrame,
    theirs: pd.DataFrame | pl.DataFrame,
    columns: Sequence[str],
    label: str = "",
) -> int:
    """Raise AssertionError naming the first differing rows; return the row count compared."""
    left, right = normalise(ours, columns), normalise(theirs, columns)
    if left.equals(right):
        return len(left)
    keyed = left.astype(str).merge(right.astype(str), how="outer", indicator=True, on=list(columns))
    only_ours = keyed[keyed["_merge"] == "left_only"].drop(columns="_merge").head(5)
    only_theirs = keyed[keyed["_merge"] == "right_only"].drop(columns="_merge").head(5)
    raise AssertionError(
        f"{label}: {len(left)} rows (ours) vs {len(right)} (reference) differ;\n"
        f"only in ours:\n{only_ours.to_string()}\nonly in the reference:\n"
        f"{only_theirs.to_string()}"
    )
