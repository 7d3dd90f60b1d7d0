"""Ports: addresses, port security, allowed address pairs, fixed IPs."""

from tests.api.conftest import Api


def test_port_is_a_switch_port(any_api: Api) -> None:
    net, subnet = any_api.network()
    port = any_api.create(
        "port",
        network_id=net["id"],
        name="vm1-eth0",
        mac_address="52:54:00:00:00:01",
        fixed_ips=[{"subnet_id": subnet["id"], "ip_address": "10.0.0.10"}],
        device_id="vm1",
        device_owner="compute:nova",
    )
    lsp = any_api.row("Logical_Switch_Port", port["id"])
    assert lsp["addresses"] == frozenset({"52:54:00:00:00:01 10.0.0.10"})
    assert lsp["port_security"] == frozenset({"52:54:00:00:00:01 10.0.0.10"})
    ids = lsp["external_ids"]
    assert ids["neutron:port_name"] == "vm1-eth0" and ids["neutron:device_id"] == "vm1"
    assert ids["neutron:device_owner"] == "compute:nova"
    assert ids["neutron:cidrs"] == "10.0.0.10/24"
    assert ids["neutron:network_name"] == f"neutron-{net['id']}"
    switch = any_api.row("Logical_Switch", f"neutron-{net['id']}")
    assert lsp["_uuid"] in switch["ports"]
    assert port["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "10.0.0.10"}]
    # In the project's default group and in the drop group.
    groups = {g["name"]: g for g in any_api.rows("Port_Group")}
    (default,) = port["security_groups"]
    assert lsp["_uuid"] in groups["neutron_pg_drop"]["ports"]
    assert lsp["_uuid"] in groups["pg_" + default.replace("-", "_")]["ports"]


def test_allocation_skips_used_addresses(api: Api) -> None:
    net, _subnet = api.network()
    first = api.create("port", network_id=net["id"])
    second = api.create("port", network_id=net["id"])
    assert [p["fixed_ips"][0]["ip_address"] for p in (first, second)] == ["10.0.0.2", "10.0.0.3"]
    api.call("DELETE", f"/v2.0/ports/{first['id']}", expect=204)
    third = api.create("port", network_id=net["id"])
    assert third["fixed_ips"][0]["ip_address"] == "10.0.0.2"


def test_duplicate_ip_and_mac_are_409(any_api: Api) -> None:
    net, _subnet = any_api.network()
    any_api.create(
        "port",
        network_id=net["id"],
        mac_address="52:54:00:00:00:01",
        fixed_ips=[{"ip_address": "10.0.0.10"}],
    )
    body = {"port": {"network_id": net["id"], "fixed_ips": [{"ip_address": "10.0.0.10"}]}}
    error = any_api.error("POST", "/v2.0/ports", body, 409)
    assert error["type"] == "IpAddressAlreadyAllocated" and "10.0.0.10" in error["message"]
    body = {"port": {"network_id": net["id"], "mac_address": "52:54:00:00:00:01"}}
    assert any_api.error("POST", "/v2.0/ports", body, 409)["type"] == "MacAddressInUse"
    assert len([p for p in any_api.rows("Logical_Switch_Port")]) == 1


def test_bad_port_input(api: Api) -> None:
    net, _ = api.network()
    cases = [
        ({"network_id": net["id"], "mac_address": "zz:zz"}, "not a valid MAC"),
        ({"network_id": net["id"], "fixed_ips": [{"ip_address": "10.9.9.9"}]}, "not a valid IP"),
        ({"network_id": net["id"], "fixed_ips": [{"ip_address": "banana"}]}, "not a valid IP"),
        ({"network_id": net["id"], "colour": "red"}, "Unrecognized attribute(s) 'colour'"),
        ({"network_id": net["id"], "admin_state_up": "maybe"}, "port.admin_state_up"),
    ]
    for body, words in cases:
        error = api.error("POST", "/v2.0/ports", {"port": body}, 400)
        assert words in error["message"], (body, error)
    error = api.error("POST", "/v2.0/ports", {"port": {"network_id": "nope"}}, 404)
    assert error["type"] == "NetworkNotFound"


def test_port_security_off_and_address_pairs(api: Api) -> None:
    net, _ = api.network()
    port = api.create(
        "port",
        network_id=net["id"],
        mac_address="52:54:00:00:00:02",
        allowed_address_pairs=[
            {"ip_address": "10.0.0.200"},
            {"ip_address": "10.0.5.0/24", "mac_address": "52:54:00:00:00:99"},
        ],
    )
    lsp = api.row("Logical_Switch_Port", port["id"])
    assert lsp["port_security"] == frozenset(
        {"52:54:00:00:00:02 10.0.0.2 10.0.0.200", "52:54:00:00:00:99 10.0.5.0/24"}
    )
    assert lsp["addresses"] == frozenset({"52:54:00:00:00:02 10.0.0.2", "52:54:00:00:00:99"})
    body = {"port": {"port_security_enabled": False}}
    error = api.error("PUT", f"/v2.0/ports/{port['id']}", body, 409)
    assert "security group" in error["message"]
    body = {
        "port": {"port_security_enabled": False, "security_groups": [], "allowed_address_pairs": []}
    }
    updated = api.call("PUT", f"/v2.0/ports/{port['id']}", body, expect=200)["port"]
    assert updated["port_security_enabled"] is False and updated["security_groups"] == []
    lsp = api.row("Logical_Switch_Port", port["id"])
    assert lsp["port_security"] == frozenset()
    assert lsp["addresses"] == frozenset({"52:54:00:00:00:02 10.0.0.2", "unknown"})
    assert all(lsp["_uuid"] not in g["ports"] for g in api.rows("Port_Group"))


def test_port_update_fixed_ips(api: Api) -> None:
    net, _subnet = api.network()
    port = api.create("port", network_id=net["id"])
    body = {"port": {"fixed_ips": [{"ip_address": "10.0.0.50"}], "name": "renamed"}}
    updated = api.call("PUT", f"/v2.0/ports/{port['id']}", body, expect=200)["port"]
    assert updated["fixed_ips"][0]["ip_address"] == "10.0.0.50" and updated["name"] == "renamed"
    lsp = api.row("Logical_Switch_Port", port["id"])
    assert lsp["addresses"] == frozenset({f"{port['mac_address']} 10.0.0.50"})
    assert lsp["external_ids"]["neutron:cidrs"] == "10.0.0.50/24"


def test_port_list_and_missing(api: Api) -> None:
    net, _ = api.network()
    port = api.create("port", network_id=net["id"], name="p")
    assert [p["id"] for p in api.call("GET", "/v2.0/ports")["ports"]] == [port["id"]]
    assert api.error("GET", "/v2.0/ports/nope", None, 404)["type"] == "PortNotFound"
    assert api.error("DELETE", "/v2.0/ports/nope", None, 404)["type"] == "PortNotFound"
