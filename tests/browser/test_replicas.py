"""Two replicas behind HAProxy (shelfwatch/serving.py, ``make serve``), through the proxy.

Chromium opens a view through the proxy, the replica serving it (the ``SERVERID`` affinity
cookie says which) is killed, and the view comes back from the other one with the same URL,
heading, filters and rows. Plain HTTP through the proxy: a foreign Host is refused before any
replica sees it, the security headers are on every response, ``/_stcore/metrics`` is not
public, the health check and a download work, the WebSocket upgrades.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench import app_driver as harness
from shelfwatch import exports, serving

pytestmark = pytest.mark.browser

VIEW = "/explore?brand=lorex&as_of=2021-11-30"


@pytest.fixture(scope="module")
def cluster(seed_store: Path, haproxy: str) -> Iterator[serving.Running]:
    """Two replicas on the seed store and HAProxy on a free port: the HTTP tests' cluster."""
    with serving.running(
        seed_store,
        replicas=2,
        port=harness.free_port(),
        log_dir=harness.LOGS / "replicas-http",
    ) as served:
        yield served


@pytest.fixture
def own_cluster(seed_store: Path, haproxy: str) -> Iterator[serving.Running]:
    """A cluster of its own for a test that kills one of its replicas."""
    with serving.running(
        seed_store,
        replicas=2,
        port=harness.free_port(),
        log_dir=harness.LOGS / "replicas-failover",
    ) as served:
        yield served


def affinity(context) -> str | None:
    return next(
        (c["value"] for c in context.cookies() if c["name"] == serving.AFFINITY_COOKIE), None
    )


def view_state(page) -> dict:
    """What the reader sees of the view: address, heading, the as-of field, the rows."""
    field = page.locator('[data-testid="stDateInput"]').filter(
        has=page.get_by_text("Status as of", exact=True)
    )
    brands = page.locator('[data-testid="stMultiSelect"]').filter(
        has=page.get_by_text("Brand", exact=True)
    )
    return {
        "url": page.url,
        "title": harness.main_title(page),
        "as_of": field.locator('input[type="date"]').input_value(),
        "brands": brands.inner_text(),
        "caption": page.get_by_text(
            re.compile(r"retailer × brand pairs with data on")
        ).inner_text(),
        "rows": [harness.grid_records(grid) for grid in harness.data_grids(page)],
    }


_WATCH_CONNECTION_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__shelfwatchDisconnected = false;
  new MutationObserver(() => {
    if (app.dataset.testConnectionState !== 'CONNECTED') window.__shelfwatchDisconnected = true;
  }).observe(app, {attributes: true, attributeFilter: ['data-test-connection-state']});
}
"""


def test_killing_the_serving_replica_brings_the_view_back_from_the_other(new_tab, own_cluster):
    tab = new_tab()
    page = tab.page
    harness.open_page(page, own_cluster.base + VIEW)
    before = view_state(page)
    assert before["title"] == harness.PAGE_TITLES["explore"]
    assert before["as_of"] == "2021-11-30" and "Lorex" in before["brands"]
    assert before["rows"] and before["rows"][0], "no rows drawn"
    assert not harness.problems(page)
    serving_replica = affinity(tab.context)
    assert serving_replica in own_cluster.replicas, tab.context.cookies()

    # Streamlit's client reconnects its WebSocket through the proxy, which sends it to the
    # live replica (the dead one's cookie is ignored). The observer records the
    # disconnection however short it is.
    page.evaluate(_WATCH_CONNECTION_JS)
    killed = own_cluster.replicas[serving_replica]
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=15)
    page.wait_for_function("() => window.__shelfwatchDisconnected === true", timeout=30_000)
    harness.forget_idle(page)
    harness.wait_idle(page, 60_000)  # connected again: through the proxy, to the live replica
    assert affinity(tab.context) not in (None, serving_replica)
    assert view_state(page) == before
    assert not harness.problems(page)

    # Streamlit's client does not rerun on a reconnection (it expects its old session), so
    # the page is redrawn by the live replica on a reload, from the URL alone.
    harness.open_page(page, page.url)
    assert affinity(tab.context) not in (None, serving_replica)
    assert view_state(page) == before
    assert not harness.problems(page)

    # The session on the live replica answers: a filter changes the URL and the rows.
    box = page.locator('[data-testid="stMultiSelect"]').filter(
        has=page.get_by_text("Status", exact=True)
    )
    box.locator("input").click()
    page.keyboard.type("Removed")
    harness.act(page, lambda: page.keyboard.press("Enter"))
    page.keyboard.press("Escape")
    assert "status=removed" in page.url
    assert view_state(page)["rows"] != before["rows"]
    assert not harness.problems(page)
    assert not tab.dialogs


def test_a_download_works_through_the_proxy(tab, cluster):
    page = tab.page
    harness.open_page(page, cluster.base + VIEW)
    name, data = harness.download(page, "explore_csv")
    assert name.endswith(".csv")
    provenance, frame = exports.read_csv_export(data)
    assert set(frame["brand_id"]) == {"lorex"}
    assert provenance["as_of"] == "2021-11-30"
    # The XSRF cookie Streamlit sets came through the proxy, on the proxy's origin.
    assert any(c["name"] == "_streamlit_xsrf" for c in tab.context.cookies())
    assert not harness.problems(page)


def test_a_foreign_host_is_refused_before_any_replica(cluster):
    for host in ("evil.example", "localhost.evil.example", "evil.example:80@localhost"):
        response = httpx.get(cluster.base + "/explore", headers={"Host": host})
        assert response.status_code == 400, host
        assert response.text == serving.UNKNOWN_HOST_BODY
        assert serving.AFFINITY_COOKIE not in response.headers.get("set-cookie", "")
        assert "streamlit" not in response.text.lower()
    public = cluster.base.rsplit(":", 1)[1]
    for host in ("localhost", "LOCALHOST:8501", "127.0.0.1", f"127.0.0.1:{public}"):
        assert httpx.get(cluster.base + "/_stcore/health", headers={"Host": host}).text == "ok"


def test_every_response_carries_the_security_headers(cluster):
    responses = [
        httpx.get(cluster.base + VIEW),
        httpx.get(cluster.base + "/_stcore/health"),
        httpx.get(cluster.base + "/feeds/all.atom"),
        httpx.get(cluster.base + "/explore", headers={"Host": "evil.example"}),  # the proxy's
        httpx.get(cluster.base + "/_stcore/metrics"),
    ]
    for response in responses:
        for header, value in serving.SECURITY_HEADERS.items():
            assert response.headers.get(header) == value, (response.url, header)
        assert "server" not in response.headers
    assert responses[0].status_code == 200 and "<html" in responses[0].text.lower()
    assert responses[2].status_code == 200


def test_the_health_check_is_public_and_the_metrics_are_not(cluster):
    response = httpx.get(cluster.base + "/_stcore/health")
    assert (response.status_code, response.text) == (200, "ok")
    for path in ("/_stcore/metrics", "/%5Fstcore/metrics", "/_stcore/METRICS", "/_stcore/metrics/"):
        assert httpx.get(cluster.base + path).status_code == 404, path
    # The operator still has them on a replica's own (private) port.
    port = next(iter(cluster.ports.values()))
    assert httpx.get(f"http://127.0.0.1:{port}/_stcore/metrics").status_code == 200


def _upgrade(port: int, host: str) -> int:
    """The status of a WebSocket handshake on /_stcore/stream with ``host`` as Host and
    Origin (a same-origin page on that name)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            "GET",
            "/_stcore/stream",
            headers={
                "Host": host,
                "Origin": f"http://{host}",
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
                "Sec-WebSocket-Protocol": "streamlit",
            },
        )
        return connection.getresponse().status
    finally:
        connection.close()


def test_the_websocket_upgrades_through_the_proxy_for_allowed_hosts_only(cluster):
    public = int(cluster.base.rsplit(":", 1)[1])
    assert _upgrade(public, f"localhost:{public}") == 101
    assert _upgrade(public, "evil.example") == 400  # the proxy
    # A replica reached directly refuses it too (server.allowedHosts: DNS rebinding).
    replica = next(iter(cluster.ports.values()))
    assert _upgrade(replica, f"evil.example:{replica}") == 403
    assert _upgrade(replica, f"localhost:{replica}") == 101
