"""The page's JSON: the topology a project may see, and a trace without an SB."""

from tests.api.conftest import Api


def test_topology_is_per_project(api: Api) -> None:
    alice_net, _ = api.network(name="alice-net")
    port = api.create("port", network_id=alice_net["id"], name="web1")
    bob_net, _ = api.network(name="bob-net", token="bob-token")
    api.external()
    seen = api.call("GET", "/ui/api/topology", expect=200)
    labels = sorted(s["label"] for s in seen["switches"])
    assert labels == ["alice-net", "public"]
    assert seen["ports"][port["id"]]["label"] == "web1"
    assert seen["ports"][port["id"]]["ips"] == ["10.0.0.2"]
    everything = api.call("GET", "/ui/api/topology", token="admin-token")
    assert sorted(s["label"] for s in everything["switches"]) == [
        "alice-net",
        "bob-net",
        "public",
    ]
    assert bob_net["id"] not in str(seen)
    api.error("GET", "/ui/api/topology", None, 401, token=None)


def test_trace_needs_the_southbound(api: Api) -> None:
    error = api.error("POST", "/ui/api/trace", {"port": "x", "dst_ip": "10.0.0.1"}, 503)
    assert "--sb-db" in error["message"]


def test_page_and_assets_are_served(api: Api) -> None:
    page = api.client.get("/ui/")
    assert page.status_code == 200 and "trace-form" in page.text
    assert api.client.get("/ui/static/app.js").headers["content-type"].startswith("text/javascript")
    assert api.client.get("/ui/static/nope.js").status_code == 404
    browser = api.client.get("/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert browser.status_code == 307 and browser.headers["location"] == "/ui/"
