"""Routers, interfaces, gateways with SNAT, and floating IPs."""

from typing import Any

from tests.api.conftest import Api


def _router_with_gateway(api: Api, snat: bool = True) -> tuple[Any, ...]:
    ext, ext_subnet = api.external()
    net, subnet = api.network()
    info = {"network_id": ext["id"], "enable_snat": snat}
    router = api.create("router", name="r1", external_gateway_info=info)
    body = {"subnet_id": subnet["id"]}
    api.call("PUT", f"/v2.0/routers/{router['id']}/add_router_interface", body, expect=200)
    return router, net, subnet, ext, ext_subnet


def _nat(api: Api, router_id: str) -> list[tuple[str, str, str]]:
    router = api.row("Logical_Router", f"neutron-{router_id}")
    rows = [r for r in api.rows("NAT") if r["_uuid"] in router["nat"]]
    return sorted((r["type"], r["external_ip"], r["logical_ip"]) for r in rows)


def test_router_interface(any_api: Api) -> None:
    net, subnet = any_api.network()
    router = any_api.create("router", name="r1")
    lr = any_api.row("Logical_Router", f"neutron-{router['id']}")
    assert lr["external_ids"]["neutron:router_name"] == "r1"
    reply = any_api.call(
        "PUT",
        f"/v2.0/routers/{router['id']}/add_router_interface",
        {"subnet_id": subnet["id"]},
        expect=200,
    )
    assert reply["subnet_id"] == subnet["id"] and reply["network_id"] == net["id"]
    lrp = any_api.row("Logical_Router_Port", f"lrp-{reply['port_id']}")
    assert lrp["networks"] == frozenset({"10.0.0.1/24"})
    lsp = any_api.row("Logical_Switch_Port", reply["port_id"])
    assert lsp["type"] == "router" and lsp["addresses"] == frozenset({"router"})
    assert lsp["options"] == {"router-port": f"lrp-{reply['port_id']}"}
    assert lsp["external_ids"]["neutron:device_owner"] == "network:router_interface"
    assert (
        lrp["mac"] == any_api.call("GET", f"/v2.0/ports/{reply['port_id']}")["port"]["mac_address"]
    )
    error = any_api.error(
        "PUT",
        f"/v2.0/routers/{router['id']}/add_router_interface",
        {"subnet_id": subnet["id"]},
        400,
    )
    assert "already has a port" in error["message"]
    assert any_api.error("DELETE", f"/v2.0/routers/{router['id']}", None, 409)["type"] == (
        "RouterInUse"
    )
    error = any_api.error("DELETE", f"/v2.0/ports/{reply['port_id']}", None, 409)
    assert "network:router_interface" in error["message"]
    any_api.call(
        "PUT",
        f"/v2.0/routers/{router['id']}/remove_router_interface",
        {"subnet_id": subnet["id"]},
        expect=200,
    )
    assert not any_api.rows("Logical_Router_Port")
    any_api.call("DELETE", f"/v2.0/routers/{router['id']}", expect=204)
    assert not any_api.rows("Logical_Router")


def test_gateway_snat_and_default_route(api: Api) -> None:
    router, _net, _subnet, ext, _ext_subnet = _router_with_gateway(api)
    info = router["external_gateway_info"]
    gw_ip = info["external_fixed_ips"][0]["ip_address"]
    assert info["network_id"] == ext["id"] and info["enable_snat"] is True
    lr = api.row("Logical_Router", f"neutron-{router['id']}")
    gw_port = lr["external_ids"]["neutron:gw_port_id"]
    lrp = api.row("Logical_Router_Port", f"lrp-{gw_port}")
    assert lrp["networks"] == frozenset({f"{gw_ip}/24"})
    (chassis,) = api.rows("Gateway_Chassis")
    assert chassis["chassis_name"] == "hv1" and chassis["_uuid"] in lrp["gateway_chassis"]
    assert chassis["name"] == f"lrp-{gw_port}_hv1"
    (route,) = api.rows("Logical_Router_Static_Route")
    assert (route["ip_prefix"], route["nexthop"]) == ("0.0.0.0/0", "172.16.0.1")
    assert route["external_ids"]["neutron:is_ext_gw"] == "true"
    assert _nat(api, router["id"]) == [("snat", gw_ip, "10.0.0.0/24")]
    body = {"router": {"external_gateway_info": {"network_id": ext["id"], "enable_snat": False}}}
    api.call("PUT", f"/v2.0/routers/{router['id']}", body, expect=200)
    assert _nat(api, router["id"]) == []
    api.call("PUT", f"/v2.0/routers/{router['id']}", {"router": {"external_gateway_info": None}})
    assert not api.rows("Gateway_Chassis") and not api.rows("Logical_Router_Static_Route")
    assert (
        api.call("GET", f"/v2.0/routers/{router['id']}")["router"]["external_gateway_info"] is None
    )


def test_gateway_needs_an_external_network(api: Api) -> None:
    net, _ = api.network()
    body = {"router": {"external_gateway_info": {"network_id": net["id"]}}}
    assert "not an external network" in api.error("POST", "/v2.0/routers", body, 400)["message"]


def test_floating_ip_associate_and_disassociate(any_api: Api) -> None:
    router, net, _subnet, ext, _ = _router_with_gateway(any_api)
    port = any_api.create("port", network_id=net["id"])
    fixed = port["fixed_ips"][0]["ip_address"]
    fip = any_api.create("floatingip", floating_network_id=ext["id"], port_id=port["id"])
    assert fip["port_id"] == port["id"] and fip["fixed_ip_address"] == fixed
    assert fip["router_id"] == router["id"] and fip["status"] == "ACTIVE"
    address = fip["floating_ip_address"]
    nats = _nat(any_api, router["id"])
    assert ("dnat_and_snat", address, fixed) in nats
    (dnat,) = [r for r in any_api.rows("NAT") if r["type"] == "dnat_and_snat"]
    assert dnat["logical_port"] == frozenset({port["id"]})
    assert dnat["external_ids"]["neutron:fip_id"] == fip["id"]
    error = any_api.error(
        "POST", "/v2.0/floatingips", {"floatingip": {"floating_network_id": net["id"]}}, 400
    )
    assert "not a valid external network" in error["message"]
    body = {"floatingip": {"port_id": None}}
    shown = any_api.call("PUT", f"/v2.0/floatingips/{fip['id']}", body, expect=200)["floatingip"]
    assert shown["port_id"] is None and shown["status"] == "DOWN"
    assert not [r for r in any_api.rows("NAT") if r["type"] == "dnat_and_snat"]
    any_api.call("DELETE", f"/v2.0/floatingips/{fip['id']}", expect=204)
    assert any_api.call("GET", "/v2.0/floatingips")["floatingips"] == []


def test_floating_ip_needs_a_router(api: Api) -> None:
    ext, _ = api.external()
    net, _ = api.network()
    port = api.create("port", network_id=net["id"])
    body = {"floatingip": {"floating_network_id": ext["id"], "port_id": port["id"]}}
    error = api.error("POST", "/v2.0/floatingips", body, 404)
    assert error["type"] == "ExternalGatewayForFloatingIPNotFound"
    assert not [p for p in api.rows("Logical_Switch_Port") if "fip" in str(p["external_ids"])]


def test_floating_ip_blocks_gateway_removal(api: Api) -> None:
    router, net, subnet, ext, _ = _router_with_gateway(api)
    port = api.create("port", network_id=net["id"])
    api.create("floatingip", floating_network_id=ext["id"], port_id=port["id"])
    body = {"router": {"external_gateway_info": None}}
    error = api.error("PUT", f"/v2.0/routers/{router['id']}", body, 409)
    assert error["type"] == "RouterExternalGatewayInUseByFloatingIp"
    body2 = {"subnet_id": subnet["id"]}
    path = f"/v2.0/routers/{router['id']}/remove_router_interface"
    assert api.error("PUT", path, body2, 409)["type"] == "RouterInterfaceInUseByFloatingIP"
