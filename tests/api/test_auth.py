"""Tokens (401) and per-project isolation (403, and 404 for what a project
cannot see)."""

from pathlib import Path

from tests.api.conftest import Api


def test_no_token_and_bad_token_are_401(api: Api) -> None:
    for token in (None, "forged"):
        error = api.error("GET", "/v2.0/networks", None, 401, token=token)
        assert "X-Auth-Token" in error["message"]
    api.error("POST", "/v2.0/networks", {"network": {"name": "x"}}, 401, token=None)
    assert not api.rows("Logical_Switch")


def test_projects_see_only_their_own(api: Api) -> None:
    net, subnet = api.network(name="alice-net")
    port = api.create("port", network_id=net["id"])
    sg = api.create("security_group", name="alice-sg")
    router = api.create("router", name="alice-router")
    bob = {"token": "bob-token"}
    for path, key in (
        ("/v2.0/networks", "networks"),
        ("/v2.0/subnets", "subnets"),
        ("/v2.0/ports", "ports"),
        ("/v2.0/routers", "routers"),
    ):
        assert api.call("GET", path, **bob)[key] == []
    assert [
        g["name"] for g in api.call("GET", "/v2.0/security-groups", **bob)["security_groups"]
    ] == []
    for path in (
        f"/v2.0/networks/{net['id']}",
        f"/v2.0/subnets/{subnet['id']}",
        f"/v2.0/ports/{port['id']}",
        f"/v2.0/security-groups/{sg['id']}",
        f"/v2.0/routers/{router['id']}",
    ):
        api.error("GET", path, None, 404, **bob)
        api.error("DELETE", path, None, 404, **bob)
    api.error("POST", "/v2.0/ports", {"port": {"network_id": net["id"]}}, 404, **bob)
    # The admin sees everything.
    assert len(api.call("GET", "/v2.0/ports", token="admin-token")["ports"]) == 1


def test_forbidden_is_403(api: Api) -> None:
    body = {"network": {"name": "x", "tenant_id": "bob"}}
    assert api.error("POST", "/v2.0/networks", body, 403)["type"] == "PolicyNotAuthorized"
    body = {"network": {"name": "x", "router:external": True}}
    assert "router:external" in api.error("POST", "/v2.0/networks", body, 403)["message"]
    ext, _ = api.external()
    body = {"port": {"network_id": ext["id"]}}
    api.error("POST", "/v2.0/ports", body, 403)
    body = {"network": {"name": "y"}}
    api.error("PUT", f"/v2.0/networks/{ext['id']}", body, 403)
    assert len(api.rows("Logical_Switch")) == 1


def test_admin_creates_for_another_project(api: Api) -> None:
    net = api.create("network", token="admin-token", name="for-bob", tenant_id="bob")
    assert net["project_id"] == "bob"
    assert [n["id"] for n in api.call("GET", "/v2.0/networks", token="bob-token")["networks"]] == [
        net["id"]
    ]


def test_token_file_is_reloaded(api: Api, tmp_path: Path) -> None:
    api.error("GET", "/v2.0/networks", None, 401, token="carol-token")
    tokens = tmp_path / "tokens"
    tokens.write_text(tokens.read_text() + "carol-token carol\n")
    assert api.call("GET", "/v2.0/networks", token="carol-token", expect=200) == {"networks": []}


def test_version_discovery_and_extensions(api: Api) -> None:
    versions = api.call("GET", "/", token=None, expect=200)["versions"]
    assert versions[0]["id"] == "v2.0"
    aliases = {e["alias"] for e in api.call("GET", "/v2.0/extensions")["extensions"]}
    assert {"router", "security-group", "external-net", "port-security"} <= aliases
    spec = api.call("GET", "/openapi.json", token=None, expect=200)
    assert "/v2.0/routers/{router_id}/add_router_interface" in spec["paths"]
