"""What a version changed: the diff_* queries, shelfwatch.diff, retractions, previews and the
`diff` / `ingest --preview` / `retract` commands — rows in, rows out, on the mini fixture.

The lineage built here (tests/test_queries.py's docstring lists the mini observations):
    v1  the mini build;
    v2  an ingest by ed@example.com ("Two checks"): r-c × b-y removed on 2024-01-01
        (statement, high: a new transition) and r-a × b-y stocked on 2022-02-01 (a new pair);
    v3  a retraction of obs 2 (r-a × b-x removed on 2021-10-25, the day's winner): that
        removal and the re-listing of 2023-05-01 are undone, r-a × b-x stocked since 2021.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from shelfwatch import corrections, diff, ingest, queries, store
from shelfwatch.cli import main
from tests.conftest import TODAY
from tests.test_queries import D, run, src

EXPLORER_ALL = {
    name: None
    for name in (
        "retailers", "brands", "parents", "lists", "statuses", "source_kinds", "confidences",
        "start", "end", "q", "max_rows", "skip_rows",
    )
}  # fmt: skip
CHECKS = (
    "retailer_id,brand_id,status,effective_on,source_url,source_kind,confidence\n"
    f"r-c,b-y,removed,2024-01-01,{src('new-1')},statement,high\n"
    f"r-a,b-y,stocked,2022-02-01,{src('new-2')},listing_check,medium\n"
)


@pytest.fixture(scope="module")
def lineage(mini_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lineage")
    target = folder / "store"
    shutil.copytree(mini_store, target)
    checks = folder / "checks.csv"
    checks.write_text(CHECKS, encoding="utf-8")
    assert ingest.ingest(checks, target, today=TODAY, editor="ed@example.com", note="Two checks")
    assert corrections.retract(target, [2], "  wrong   retailer ", editor="ed@example.com") == 3
    return target


def pair_run(lineage: Path, name: str, old: int, new: int, **params: object) -> list[tuple]:
    with diff.open_pair(store.version_path(lineage, old), store.version_path(lineage, new)) as con:
        return run(con, name, **params)


def test_diff_transitions_of_an_ingest(lineage):
    assert pair_run(lineage, "diff_transitions", 1, 2, max_rows=None) == [
        (2, "added", "r-c", "Retailer C, Inc.", "b-y", "Brand Y", D("2024-01-01"), None, None,
         "stocked", "removed", src("new-1"), "statement", "high"),
        (2, "added", "r-a", "Retailer A", "b-y", "Brand Y", D("2022-02-01"), None, None,
         None, "stocked", src("new-2"), "listing_check", "medium"),
    ]  # fmt: skip


def test_diff_transitions_of_a_retraction(lineage):
    assert pair_run(lineage, "diff_transitions", 2, 3, max_rows=None) == [
        # The re-listing is gone (no removal before it any more), and the removal itself.
        (2, "dropped", "r-a", "Retailer A", "b-x", "Brand X", D("2023-05-01"), "removed",
         "stocked", None, None, src(4), "legal_filing", "low"),
        (2, "dropped", "r-a", "Retailer A", "b-x", "Brand X", D("2021-10-25"), "stocked",
         "removed", None, None, src(2), "statement", "high"),
    ]  # fmt: skip


def test_diff_transitions_changed_before_or_by_its_source(mini_store, tmp_path):
    # r-b × b-x removed earlier: a new transition, and the exiting of 2021-10-25 now follows
    # a removal (another status before it). r-c × b-x: a later report of the same removal
    # decides 2021-10-25 now (same statuses, another deciding source).
    target = tmp_path / "store"
    shutil.copytree(mini_store, target)
    later = tmp_path / "later.csv"
    later.write_text(
        "retailer_id,brand_id,status,effective_on,source_url,source_kind,confidence,reported_on\n"
        f"r-b,b-x,removed,2021-06-01,{src('early')},statement,high,\n"
        f"r-c,b-x,removed,2021-10-25,{src('later')},news_report,medium,2021-10-28\n",
        encoding="utf-8",
    )
    assert ingest.ingest(later, target, today=TODAY) == 2
    assert pair_run(target, "diff_transitions", 1, 2, max_rows=None) == [
        (3, "changed", "r-b", "Retailer B", "b-x", "Brand X", D("2021-10-25"), "stocked",
         "exiting", "removed", "exiting", src(6), "statement", "high"),
        (3, "changed", "r-c", "Retailer C, Inc.", "b-x", "Brand X", D("2021-10-25"), None,
         "removed", None, "removed", src("later"), "news_report", "medium"),
        (3, "added", "r-b", "Retailer B", "b-x", "Brand X", D("2021-06-01"), None, None,
         "stocked", "removed", src("early"), "statement", "high"),
    ]  # fmt: skip


def test_diff_transitions_caps_rows_and_keeps_the_count(lineage):
    rows = pair_run(lineage, "diff_transitions", 1, 2, max_rows=1)
    assert [(row[0], row[2]) for row in rows] == [(2, "r-c")]


def test_diff_transitions_of_a_version_with_itself_is_empty(lineage):
    assert pair_run(lineage, "diff_transitions", 2, 2, max_rows=None) == []


def test_diff_statuses_on_a_date(lineage):
    statuses = pair_run(lineage, "diff_statuses", 1, 2, as_of=TODAY, stale_after=365, max_rows=None)
    assert statuses == [
        (2, "status", "r-a", "Retailer A", "b-y", "Brand Y", None, "stocked", None, False,
         None, D("2022-02-01"), None, True, src("new-2")),
        (2, "status", "r-c", "Retailer C, Inc.", "b-y", "Brand Y", "stocked", "removed", False,
         False, D("2022-01-01"), D("2024-01-01"), True, True, src("new-1")),
    ]  # fmt: skip
    # On 2022-01-01 the retraction turns r-a × b-x from removed back to stocked; today it is
    # stocked in both (since 2023 before, since 2021 now): no difference.
    assert pair_run(
        lineage, "diff_statuses", 2, 3, as_of=D("2022-01-01"), stale_after=365, max_rows=None
    ) == [
        (1, "status", "r-a", "Retailer A", "b-x", "Brand X", "removed", "stocked", True, False,
         D("2021-10-25"), D("2021-10-25"), False, False, src(3)),
    ]  # fmt: skip
    assert (
        pair_run(lineage, "diff_statuses", 2, 3, as_of=TODAY, stale_after=365, max_rows=None) == []
    )


def test_diff_statuses_fresh_evidence_and_disputes(lineage, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(lineage, target)
    newer = tmp_path / "newer.csv"
    # r-b × b-x: removed since 2021-12-01; a newer removal makes its evidence fresh. r-c × b-y
    # removed 2024-01-01: a same-day high-confidence stocked listing check is a dispute... no:
    # it wins on kind (statement > listing_check at equal confidence) and loses -> disputed.
    newer.write_text(
        "retailer_id,brand_id,status,effective_on,source_url,source_kind,confidence\n"
        f"r-b,b-x,removed,2026-11-01,{src('fresh')},listing_check,high\n"
        f"r-c,b-y,stocked,2024-01-01,{src('against')},listing_check,high\n",
        encoding="utf-8",
    )
    ingest.ingest(newer, target, today=TODAY)
    rows = pair_run(target, "diff_statuses", 3, 4, as_of=TODAY, stale_after=365, max_rows=None)
    assert [(row[1], row[2], row[4], row[8], row[9], row[12], row[13]) for row in rows] == [
        ("fresh evidence", "r-b", "b-x", False, False, True, False),
        ("new dispute", "r-c", "b-y", False, True, True, True),
    ]


def test_diff_observations_added_and_retracted(lineage):
    assert pair_run(lineage, "diff_observations", 1, 3, max_rows=None) == [
        (3, "added", "r-c", "Retailer C, Inc.", "b-y", "Brand Y", "removed", D("2024-01-01"),
         src("new-1"), "statement", "high", None, None, None),
        (3, "added", "r-a", "Retailer A", "b-y", "Brand Y", "stocked", D("2022-02-01"),
         src("new-2"), "listing_check", "medium", None, None, None),
        (3, "retracted", "r-a", "Retailer A", "b-x", "Brand X", "removed", D("2021-10-25"),
         src(2), "statement", "high", '"We stopped", she said', "wrong retailer",
         "ed@example.com"),
    ]  # fmt: skip


def test_diff_observations_compares_content_not_ids(lineage, mini_store, tmp_path):
    # A rebuild from the same files renumbers nothing new: no observation differs.
    rebuilt = tmp_path / "store"
    ingest.build(Path(__file__).parent / "fixtures" / "mini", rebuilt, today=TODAY)
    with diff.open_pair(store.version_path(mini_store, 1), store.version_path(rebuilt, 1)) as con:
        assert run(con, "diff_observations", max_rows=None) == []
        assert run(con, "diff_transitions", max_rows=None) == []


def test_diff_tables_counts_rows(lineage):
    rows = dict((name, (old, new)) for name, old, new in pair_run(lineage, "diff_tables", 2, 3))
    assert rows["observations"] == (14, 14) and rows["retractions"] == (0, 1)
    assert rows["retailers"] == (3, 3)


def test_a_diff_reads_both_files_read_only_and_nothing_else(lineage, tmp_path):
    with diff.open_pair(store.version_path(lineage, 1), store.version_path(lineage, 2)) as con:
        with pytest.raises(Exception, match="(?i)read.only|external|disabled"):
            con.execute("create table new.x as select 1")
        with pytest.raises(Exception, match="(?i)external|disabled|permission"):
            con.execute("select * from read_csv($p)", {"p": str(tmp_path / "x.csv")})


def test_the_version_records_its_editor_and_note(lineage):
    with store.open_version(lineage) as con:
        rows = run(con, "versions_published")
    assert [(row[0], row[2], row[7], row[8]) for row in rows] == [
        (1, "build", None, None),
        (2, "ingest", "ed@example.com", "Two checks"),
        (3, "retract", "ed@example.com", "Retracted: wrong retailer"),
    ]


def test_a_retracted_observation_is_listed_struck_and_no_longer_counts(lineage):
    with store.open_version(lineage, 3) as con:
        rows = run(con, "evidence_for_pair", retailer="r-a", brand="b-x")
        explained = run(con, "status_explained", retailer="r-a", brand="b-x", as_of=TODAY)
    by_id = {row[0]: row for row in rows}
    assert by_id[2][-3:] == (3, "wrong retailer", "ed@example.com")
    assert by_id[2][11] is False  # it wins no date any more; obs 3 wins 2021-10-25
    assert by_id[3][11] is True
    assert all(row[-3:] == (None, None, None) for key, row in by_id.items() if key != 2)
    assert 2 not in [row[0] for row in explained]
    # The explorer's list (and every evidence export) keeps it, saying it was retracted.
    with store.open_version(lineage, 3) as con:
        listed = queries.run_query(
            con,
            "explorer_observations",
            {**EXPLORER_ALL, "retailers": ["r-a"], "brands": ["b-x"]},
        )
    said = dict(zip(listed["obs_id"], listed["retraction"], strict=True))
    assert said[2] == "Retracted in version 3: wrong retailer"
    assert all(pd.isna(value) for key, value in said.items() if key != 2)
    # The earlier version still says what it said: versions are never rewritten.
    with store.open_version(lineage, 2) as con:
        assert run(con, "evidence_for_pair", retailer="r-a", brand="b-x")[2][11] is True


def test_a_retraction_is_refused_clearly(lineage):
    with pytest.raises(corrections.BadRetraction, match="already retracted: 2 \\(in version 3"):
        corrections.retract(lineage, [2], "again")
    with pytest.raises(corrections.BadRetraction, match="no observation 999"):
        corrections.retract(lineage, [999], "nothing")
    with pytest.raises(corrections.BadRetraction, match="needs a reason"):
        corrections.retract(lineage, [1], "   ")
    assert store.current_version(lineage) == 3  # nothing published


def test_preview_says_what_an_upload_changes_and_publishes_nothing(lineage, tmp_path):
    upload = tmp_path / "one.csv"
    upload.write_text(
        "retailer_id,brand_id,status,effective_on,source_url\n"
        f"r-b,b-y,stocked,2026-11-20,{src('back')}\n",
        encoding="utf-8",
    )
    before = sorted(path.name for path in lineage.iterdir())
    changes = ingest.preview(upload, lineage, today=TODAY)
    assert sorted(path.name for path in lineage.iterdir()) == before  # the draft is gone
    assert store.current_version(lineage) == 3
    assert (changes.old, changes.new, changes.transitions.total) == (3, None, 1)
    (row,) = changes.transitions.records()
    assert (row["retailer_id"], row["brand_id"], row["new_from_status"], row["new_to_status"]) == (
        "r-b",
        "b-y",
        "unavailable",
        "stocked",
    )
    assert changes.statuses.records()[0]["change"] == "status"
    assert "r-b" not in {r["retailer_id"] for r in changes.observations.records()} - {"r-b"}
    # The JSON form the app reads back is the same diff.
    again = diff.VersionDiff.from_dict(json.loads(json.dumps(changes.to_dict())))
    assert again.transitions.records() == changes.transitions.records()
    assert diff.render(again) == diff.render(changes)


def test_preview_rejects_like_ingest(lineage, tmp_path):
    upload = tmp_path / "bad.csv"
    upload.write_text(
        "retailer_id,brand_id,status,effective_on,source_url\n"
        "r-b,b-y,gone,2026-11-20,https://x.example/1\n"
        "r-q,b-y,stocked,2026-11-20,https://x.example/2\n",
        encoding="utf-8",
    )
    with pytest.raises(ingest.Rejected) as rejected:
        ingest.preview(upload, lineage, today=TODAY)
    assert [(p.line, p.column) for p in rejected.value.problems] == [
        (2, "status"),
        (3, "retailer_id"),
    ]


def test_an_editor_adds_a_retailer_and_an_id_already_held_is_refused(lineage, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(lineage, target)
    retailers = tmp_path / "retailers.csv"
    retailers.write_text(
        "retailer_id,name,country,kind,website\nr-d,Retailer D,US,,\nr-a,Again,US,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ingest.Rejected) as rejected:
        ingest.ingest(retailers, target, role="retailers", today=TODAY)
    assert [str(p).split(":", 1)[1] for p in rejected.value.problems] == [
        "3:retailer_id: retailer_id 'r-a' already exists (in retailers)"
    ]
    retailers.write_text("retailer_id,name\nr-d,Retailer D\n", encoding="utf-8")
    changes = ingest.preview(retailers, target, role="retailers", today=TODAY)
    assert changes.table_changes() == [("retailers", 3, 4)]
    assert ingest.ingest(retailers, target, role="retailers", today=TODAY) == 4
    claims = tmp_path / "ownership.csv"
    claims.write_text(
        "brand_id,company_id,valid_from,source_url\nb-z,p-two,2020-01-01,https://x.example/o\n",
        encoding="utf-8",
    )
    ingest.ingest(claims, target, role="ownership", today=TODAY)
    with store.open_version(target) as con:
        numbers = con.execute("select claim_no from ownership order by claim_no").fetchall()
    assert [n for (n,) in numbers] == list(range(1, len(numbers) + 1))  # after the others


# --- the commands ---------------------------------------------------------------------------


def test_diff_command_rows_out(lineage):
    result = CliRunner().invoke(
        main, ["diff", "--from", "1", "--to", "2", "--as-of", "2026-11-29", "--store", str(lineage)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "What version 2 changes against version 1",
        "",
        "observations: 12 → 14 rows",
        "",
        "Observations: 2",
        "  added: Retailer C, Inc., Brand Y: ✕ Removed on 1 Jan 2024 (statement, high) "
        "https://src.example/new-1",
        "  added: Retailer A, Brand Y: ● Stocked on 1 Feb 2022 (listing_check, medium) "
        "https://src.example/new-2",
        "",
        "Status transitions: 2",
        "  added: Retailer C, Inc., Brand Y on 1 Jan 2024: ● Stocked → ✕ Removed",
        "  added: Retailer A, Brand Y on 1 Feb 2022: first evidence → ● Stocked",
        "",
        "Statuses on 29 Nov 2026: 2",
        "  Retailer A, Brand Y: no data → ● Stocked",
        "  Retailer C, Inc., Brand Y: ● Stocked → ✕ Removed",
    ]


def test_diff_command_markdown_and_json(lineage):
    args = ["diff", "--from", "2", "--to", "3", "--store", str(lineage)]
    markdown = CliRunner().invoke(main, [*args, "--format", "markdown"])
    assert markdown.exit_code == 0
    assert "# What version 3 changes against version 2" in markdown.output
    assert "## Status transitions: 2" in markdown.output
    assert "— reason: wrong retailer" in markdown.output
    data = json.loads(CliRunner().invoke(main, [*args, "--format", "json"]).output)
    assert data["transitions"]["total"] == 2 and data["old"] == 2 and data["new"] == 3


def test_diff_command_refuses_an_unknown_version(lineage):
    result = CliRunner().invoke(main, ["diff", "--from", "1", "--to", "9", "--store", str(lineage)])
    assert result.exit_code == 1
    assert "data version 9 does not exist" in result.output


def test_ingest_report_json_names_every_rejected_row(lineage, tmp_path):
    upload = tmp_path / "bad.csv"
    upload.write_text(
        "retailer_id,brand_id,status,effective_on,source_url\n"
        "r-b,b-y,gone,2026-11-20,https://x.example/1\n"
        "r-b,b-y,stocked,2026-11-20,ftp://x.example/2\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["ingest", str(upload), "--store", str(lineage), "--report", "json"]
    )
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["outcome"] == "rejected" and report["total"] == 2
    assert [(p["line"], p["column"]) for p in report["problems"]] == [
        (2, "status"),
        (3, "source_url"),
    ]


def test_ingest_preview_and_publish_with_a_note(lineage, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(lineage, target)
    upload = tmp_path / "ok.csv"
    upload.write_text(
        "retailer_id,brand_id,status,effective_on,source_url\n"
        f"r-b,b-y,stocked,{dt.date.today():%Y-%m-%d},{src('ok')}\n",
        encoding="utf-8",
    )
    base = ["ingest", str(upload), "--store", str(target), "--report", "json"]
    shown = json.loads(CliRunner().invoke(main, [*base, "--preview"]).output)
    assert shown["outcome"] == "preview" and shown["diff"]["transitions"]["total"] == 1
    published = CliRunner().invoke(main, [*base, "--editor", "a@b.example", "--note", "A\ncheck"])
    assert json.loads(published.output) == {"outcome": "published", "version": 4}
    listed = CliRunner().invoke(main, ["versions", "--store", str(target)]).output
    assert "by a@b.example: A check" in listed


def test_retract_command(lineage, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(lineage, target)
    args = ["retract", "5", "--reason", "not this retailer", "--store", str(target)]
    shown = CliRunner().invoke(main, [*args, "--preview"])
    assert shown.exit_code == 0 and "retracted: Retailer B, Brand X" in shown.output
    assert store.current_version(target) == 3
    done = CliRunner().invoke(main, [*args, "--editor", "ed@example.com"])
    assert done.exit_code == 0 and "published version 4" in done.output
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1 and "already retracted: 5 (in version 4)" in again.output


def test_a_rebuild_in_another_line_order_changes_no_transition(tmp_path, mini_store):
    # obs_ids follow the file's order; the deciding source is compared by what it says.
    data = tmp_path / "mini"
    shutil.copytree(Path(__file__).parent / "fixtures" / "mini", data)
    lines = (data / "observations.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    last = lines.pop()  # obs 12, alone on its day: no tie-break depends on its place
    (data / "observations.csv").write_text("".join([lines[0], last, *lines[1:]]), encoding="utf-8")
    rebuilt = ingest.build(data, tmp_path / "store", today=TODAY) and tmp_path / "store"
    with diff.open_pair(store.version_path(mini_store, 1), store.version_path(rebuilt, 1)) as con:
        assert run(con, "diff_transitions", max_rows=None) == []
        assert run(con, "diff_observations", max_rows=None) == []


def test_markdown_diff_escapes_what_comes_from_the_data(lineage, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(lineage, target)
    corrections.retract(target, [5], "see *this* [link](javascript:x)")
    text = diff.render(diff.between_versions(target, 3, 4), markdown=True)
    assert "\\*this\\*" in text and "\\[link\\]" in text
    assert "retracted: Retailer B, Brand X" in text  # the words themselves stay readable


def test_a_build_warns_that_it_leaves_later_publications_behind(lineage, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(lineage, target)
    mini = str(Path(__file__).parent / "fixtures" / "mini")
    result = CliRunner().invoke(main, ["build", "--data", mini, "--store", str(target)])
    assert result.exit_code == 0, result.output
    assert "the 2 version(s) published since the last build" in result.output
    again = CliRunner().invoke(main, ["build", "--data", mini, "--store", str(target)])
    assert "warning" not in again.output
