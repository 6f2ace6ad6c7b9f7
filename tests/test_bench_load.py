"""bench/load.py, the load benchmark: its protocol messages, its judgement of a reconnected
view, and a small real run — 3 sessions on 2 replicas behind HAProxy, a publish through the
real command line and a replica SIGKILLed — with zero errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import load
from shelfwatch import store
from tests.test_serving import haproxy_or_skip

PAGES = {"": "h-home", "overview": "h-overview", "explore": "h-explore"}


def drawn_run(*, page: str, as_of: str, query: str, title: str) -> list[ForwardMsg]:
    """The ForwardMsgs of a run on a new session that showed ``page`` as of ``as_of``: what
    a replica sends, in its order (main script first, then the page navigation chose)."""
    messages = [ForwardMsg() for _ in range(7)]
    start, navigation, heading, field, line, url, finished = messages
    start.new_session.page_script_hash = "h-main"
    navigation.navigation.page_script_hash = PAGES[page]
    for path, page_hash in PAGES.items():
        navigation.navigation.app_pages.add(url_pathname=path, page_script_hash=page_hash)
    heading.delta.new_element.heading.tag = "h1"
    heading.delta.new_element.heading.body = title
    date_input = field.delta.new_element.date_input
    date_input.id, date_input.label = "$$ID-0-url_as_of", load.DATE_LABEL
    date_input.value.append(as_of)
    date_input.set_value = True
    line.delta.new_element.markdown.body = (
        f"Status as of **{as_of}** · data version 1 (the latest) · the date and the rule's "
        "settings are in the sidebar"
    )
    url.page_info_changed.query_string = query
    finished.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    return messages


def reconnected(reopened: str, messages: list[ForwardMsg], took: float = 0.8) -> list[dict]:
    """The errors a session on the Overview records for a reconnection that drew ``messages``."""
    recorder = load.Recorder()
    pool = load.DatePool(dt.date(2021, 1, 1), dt.date(2021, 12, 31), seed=1)
    session = load.Session(0, "overview", "http://127.0.0.1:9", pool, recorder, 1.0, seed=1)
    session.page_hash = PAGES["overview"]
    view = load.RunView()
    for msg in messages:
        view.absorb(msg)
    session._after_reconnect(view, reopened, took)
    load.run_async(session.http.aclose())
    return recorder.errors


def test_a_reconnected_view_that_matches_its_url_is_no_error():
    query = "as_of=2021-12-15&compare=2020-12-15"
    run = drawn_run(page="overview", as_of="2021-12-15", query=query, title="Overview")
    assert reconnected(query, run) == []


def test_a_wrong_view_after_reconnecting_is_an_error():
    reopened = "as_of=2021-12-15&compare=2020-12-15"
    # The replica drew another date (and wrote it into the URL): not the URL reopened.
    wrong_date = drawn_run(
        page="overview", as_of="2021-11-30", query="as_of=2021-11-30", title="Overview"
    )
    errors = reconnected(reopened, wrong_date)
    assert {e["kind"] for e in errors} == {"view differs after reconnect"}
    assert any("date field shows 2021-11-30" in e["message"] for e in errors)
    assert any("differs from the one reopened" in e["message"] for e in errors)
    # The right date on another page.
    wrong_page = drawn_run(
        page="explore", as_of="2021-12-15", query=reopened, title="Explore & export"
    )
    assert [e["kind"] for e in reconnected(reopened, wrong_page)] == [
        "view differs after reconnect"
    ]
    # The right view, too late.
    right = drawn_run(page="overview", as_of="2021-12-15", query=reopened, title="Overview")
    assert [e["kind"] for e in reconnected(reopened, right, took=10.5)] == ["reconnect over 10 s"]


def test_the_messages_are_the_browsers():
    """As Chromium sends them (captured from Streamlit 1.67's frontend)."""
    load_msg = load.rerun_script("as_of=2021-11-30", url="http://h/overview", page_name="overview")
    state = load_msg.rerun_script
    assert (state.query_string, state.page_name, state.page_script_hash) == (
        "as_of=2021-11-30",
        "overview",
        "",
    )
    assert state.HasField("widget_states") and not state.widget_states.widgets
    change = load.rerun_script(
        "as_of=2021-11-30&compare=2021-10-01",
        url="http://h/overview",
        page_hash="h-overview",
        widgets=(load.date_state("$$ID-0-url_as_of", dt.date(2021, 12, 15)),),
        cached=["abc"],
    ).rerun_script
    assert change.page_name == "" and change.page_script_hash == "h-overview"
    assert list(change.widget_states.widgets[0].string_array_value.data) == ["2021-12-15"]
    assert list(change.cached_message_hashes) == ["abc"]


def test_a_cached_element_comes_back_by_reference_and_expires():
    cache = load.MessageCache(max_age=2)
    big = ForwardMsg(hash="h1")
    big.metadata.cacheable = True
    big.delta.new_element.markdown.body = "a big element"
    assert cache.resolve(big) is big and cache.hashes() == ["h1"]
    assert cache.resolve(ForwardMsg(ref_hash="h1")).delta.new_element.markdown.body
    for _ in range(3):
        cache.finished_run()
    assert cache.hashes() == []
    with pytest.raises(load.ProtocolError):
        cache.resolve(ForwardMsg(ref_hash="h1"))


@pytest.mark.slow
def test_a_small_real_load_run_has_no_errors_through_a_publish_and_a_kill(seed_store: Path):
    haproxy_or_skip()
    published = store.current_version(seed_store)
    result = load.run_scenario(
        seed_store,
        replicas=2,
        sessions=3,
        seconds=10,
        think=0.5,
        pages=("overview", "explore"),
        publish=True,
        kill=True,
        publish_at=0.2,
        kill_at=0.6,
        say=lambda message: None,
    )
    assert result["errors"]["total"] == 0, result["errors"]["by_kind"]
    assert result["reruns"] > 0 and result["sessions_opened"] == 3
    kill = result["kill"]
    assert kill["sessions"] >= 1
    # Every session of the killed replica came back, on the other one, with its view.
    assert kill["sessions_reconnected"] == kill["sessions"]
    moved = [r for r in result["reloads"] if r["from"] == kill["replica"]]
    assert moved and all(r["to"] not in (None, kill["replica"]) for r in moved)
    assert all(r["reconnect_s"] <= load.RECONNECT_LIMIT_S for r in moved)
    publish = result["publish"]
    assert (publish["returncode"], publish["version_before"], publish["version"]) == (0, 1, 2)
    assert publish["sessions_saw_new_version"] >= 1
    assert result["replica_stats"][kill["replica"]]["killed"]
    assert all(r["cpu_s"] > 0 and r["peak_rss_bytes"] > 0 for r in result["replica_stats"].values())
    assert store.current_version(seed_store) == published  # it published into a copy


def test_a_run_rewrites_its_own_results_files(tmp_path: Path):
    from bench import datasets
    from bench.timing import machine

    results = {
        "date": "2026-12-08",
        "command": "python -m bench load",
        "machine": machine(datasets.REPO).describe(),
        "store": str(load.DEFAULT_STORE),
        "options": {
            "sessions": 30,
            "seconds": 60.0,
            "think": 3.0,
            "replicas": [1, 2],
            "pages": ["overview", "explore"],
            "publish": True,
            "kill": True,
            "publish_at": 0.5,
            "kill_at": 2 / 3,
            "seed": 1,
        },
        "scenarios": [],
    }
    files = load.write(results, tmp_path)
    assert load.write(results, tmp_path, files) == files  # the second scenario's write
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2026-12-08-load.json",
        "2026-12-08-load.md",
    ]
