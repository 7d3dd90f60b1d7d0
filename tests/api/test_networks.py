"""Networks and subnets through the API, checked in the NB rows they make."""

from tests.api.conftest import Api


def test_network_is_a_logical_switch(any_api: Api) -> None:
    net = any_api.create("network", name="blue", description="tenant net")
    switch = any_api.row("Logical_Switch", f"neutron-{net['id']}")
    ids = switch["external_ids"]
    assert ids["neutron:network_name"] == "blue"
    assert ids["neutron:project_id"] == "alice"
    assert ids["neutron:mtu"] == "1442"
    assert net["status"] == "ACTIVE" and net["subnets"] == [] and net["mtu"] == 1442
    shown = any_api.call("GET", f"/v2.0/networks/{net['id']}", expect=200)["network"]
    assert shown == net


def test_network_update_and_delete(api: Api) -> None:
    net = api.create("network", name="a")
    updated = api.call("PUT", f"/v2.0/networks/{net['id']}", {"network": {"name": "b"}}, expect=200)
    assert updated["network"]["name"] == "b" and updated["network"]["revision_number"] == 2
    assert (
        api.row("Logical_Switch", f"neutron-{net['id']}")["external_ids"]["neutron:network_name"]
        == "b"
    )
    api.call("DELETE", f"/v2.0/networks/{net['id']}", expect=204)
    assert not [r for r in api.rows("Logical_Switch") if r["name"] == f"neutron-{net['id']}"]
    error = api.error("GET", f"/v2.0/networks/{net['id']}", None, 404)
    assert error["type"] == "NetworkNotFound" and net["id"] in error["message"]


def test_external_flat_network_has_a_localnet_port(api: Api) -> None:
    net, _ = api.external()
    assert net["router:external"] is True and net["provider:physical_network"] == "physnet1"
    port = api.row("Logical_Switch_Port", f"provnet-{net['id']}")
    assert port["type"] == "localnet" and port["options"] == {"network_name": "physnet1"}
    assert port["addresses"] == frozenset({"unknown"})
    # Every project sees the external network.
    names = [n["name"] for n in api.call("GET", "/v2.0/networks", token="bob-token")["networks"]]
    assert names == ["public"]


def test_subnet_makes_dhcp_options(any_api: Api) -> None:
    net = any_api.create("network", name="n")
    subnet = any_api.create(
        "subnet",
        network_id=net["id"],
        cidr="10.1.0.0/24",
        dns_nameservers=["8.8.8.8", "1.1.1.1"],
        host_routes=[{"destination": "192.168.0.0/16", "nexthop": "10.1.0.254"}],
        allocation_pools=[{"start": "10.1.0.10", "end": "10.1.0.99"}],
    )
    assert subnet["gateway_ip"] == "10.1.0.1" and subnet["enable_dhcp"] is True
    assert subnet["allocation_pools"] == [{"start": "10.1.0.10", "end": "10.1.0.99"}]
    (row,) = any_api.rows("DHCP_Options")
    assert row["cidr"] == "10.1.0.0/24"
    assert row["external_ids"]["subnet_id"] == subnet["id"]
    options = row["options"]
    assert options["router"] == options["server_id"] == "10.1.0.1"
    assert options["dns_server"] == "{8.8.8.8, 1.1.1.1}"
    assert options["classless_static_route"] == "{192.168.0.0/16,10.1.0.254, 0.0.0.0/0,10.1.0.1}"
    assert options["lease_time"] == "43200" and options["mtu"] == "1442"
    shown = any_api.call("GET", f"/v2.0/networks/{net['id']}")["network"]
    assert shown["subnets"] == [subnet["id"]]


def test_subnet_dhcp_off_and_back_on(api: Api) -> None:
    net, subnet = api.network()
    port = api.create("port", network_id=net["id"])
    lsp = api.row("Logical_Switch_Port", port["id"])
    assert lsp["dhcpv4_options"]
    api.call("PUT", f"/v2.0/subnets/{subnet['id']}", {"subnet": {"enable_dhcp": False}}, expect=200)
    assert api.rows("DHCP_Options")[0]["options"] == {}
    assert not api.row("Logical_Switch_Port", port["id"])["dhcpv4_options"]
    api.call("PUT", f"/v2.0/subnets/{subnet['id']}", {"subnet": {"enable_dhcp": True}}, expect=200)
    assert api.row("Logical_Switch_Port", port["id"])["dhcpv4_options"] == lsp["dhcpv4_options"]


def test_bad_cidrs_are_400(api: Api) -> None:
    net = api.create("network", name="n")
    for cidr, words in (
        ("10.0.0.0", "no prefix length"),
        ("10.0.0.300/24", "not a valid CIDR"),
        ("10.0.0.5/24", "did you mean '10.0.0.0/24'"),
        ("nonsense", "no prefix length"),
    ):
        body = {"subnet": {"network_id": net["id"], "cidr": cidr}}
        error = api.error("POST", "/v2.0/subnets", body, 400)
        assert words in error["message"], error
    body = {"subnet": {"network_id": net["id"], "cidr": "10.0.0.0/24", "ip_version": 6}}
    assert "does not match ip_version" in api.error("POST", "/v2.0/subnets", body, 400)["message"]
    assert not api.rows("DHCP_Options")


def test_overlapping_subnets_and_bad_pools(api: Api) -> None:
    net, _ = api.network(cidr="10.0.0.0/24")
    body = {"subnet": {"network_id": net["id"], "cidr": "10.0.0.0/25"}}
    assert "overlaps" in api.error("POST", "/v2.0/subnets", body, 400)["message"]
    pool = {"start": "10.9.0.1", "end": "10.9.1.5"}
    body = {"subnet": {"network_id": net["id"], "cidr": "10.9.0.0/24", "allocation_pools": [pool]}}
    assert api.error("POST", "/v2.0/subnets", body, 400)["type"] == "OutOfBoundsAllocationPool"
    pool = {"start": "10.9.0.1", "end": "10.9.0.5"}
    body["subnet"]["allocation_pools"] = [pool]
    error = api.error("POST", "/v2.0/subnets", body, 409)
    assert error["type"] == "GatewayConflictWithAllocationPools"


def test_subnet_in_use_and_network_in_use(api: Api) -> None:
    net, subnet = api.network()
    port = api.create("port", network_id=net["id"])
    assert api.error("DELETE", f"/v2.0/subnets/{subnet['id']}", None, 409)["type"] == "SubnetInUse"
    assert api.error("DELETE", f"/v2.0/networks/{net['id']}", None, 409)["type"] == "NetworkInUse"
    api.call("DELETE", f"/v2.0/ports/{port['id']}", expect=204)
    api.call("DELETE", f"/v2.0/subnets/{subnet['id']}", expect=204)
    api.call("DELETE", f"/v2.0/networks/{net['id']}", expect=204)
    assert not api.rows("DHCP_Options") and not api.rows("Logical_Switch")


def test_list_filters_and_fields(api: Api) -> None:
    api.create("network", name="a")
    api.create("network", name="b")
    found = api.call("GET", "/v2.0/networks?name=b&fields=name&fields=id")["networks"]
    assert [set(n) for n in found] == [{"name", "id"}] and found[0]["name"] == "b"
    assert api.error("GET", "/v2.0/networks?colour=red", None, 400)["message"].startswith(
        "'colour'"
    )


def test_ipv6_subnet(api: Api) -> None:
    net = api.create("network", name="v6")
    subnet = api.create("subnet", network_id=net["id"], cidr="2001:db8::/64", ip_version=6)
    assert subnet["gateway_ip"] == "2001:db8::1" and subnet["ip_version"] == 6
    port = api.create("port", network_id=net["id"])
    assert port["fixed_ips"][0]["ip_address"] == "2001:db8::2"
