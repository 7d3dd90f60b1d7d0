"""Security groups: port groups, ACLs with Neutron's matches, remote groups."""

from typing import Any

from tests.api.conftest import Api


def _acls(api: Api, sg_id: str) -> dict[str, tuple[str, int, str]]:
    group = api.row("Port_Group", "pg_" + sg_id.replace("-", "_"))
    rows = [r for r in api.rows("ACL") if r["_uuid"] in group["acls"]]
    return {
        r["external_ids"]["neutron:security_group_rule_id"]: (
            r["direction"],
            r["priority"],
            r["match"],
        )
        for r in rows
    }


def _rule(api: Api, sg: Any, **attrs: Any) -> Any:
    return api.create("security_group_rule", security_group_id=sg["id"], **attrs)


def test_group_with_default_egress_rules(any_api: Api) -> None:
    sg = any_api.create("security_group", name="web")
    pg = "pg_" + sg["id"].replace("-", "_")
    acls = _acls(any_api, sg["id"])
    assert sorted(acls.values()) == [
        ("from-lport", 1002, f"inport == @{pg} && ip4"),
        ("from-lport", 1002, f"inport == @{pg} && ip6"),
    ]
    assert {r["direction"] for r in sg["security_group_rules"]} == {"egress"}
    assert all(a["action"] == "allow-related" for a in any_api.rows("ACL"))


def test_rule_matches(api: Api) -> None:
    sg = api.create("security_group", name="web")
    other = api.create("security_group", name="admins")
    pg = "pg_" + sg["id"].replace("-", "_")
    cases = [
        (
            dict(direction="ingress", protocol="tcp", port_range_min=22, port_range_max=22),
            f"outport == @{pg} && ip4 && tcp && tcp.dst == 22",
        ),
        (
            dict(
                direction="ingress",
                protocol="udp",
                port_range_min=1000,
                port_range_max=2000,
                remote_ip_prefix="192.168.1.0/24",
            ),
            f"outport == @{pg} && ip4 && ip4.src == 192.168.1.0/24 && udp && udp.dst >= 1000"
            " && udp.dst <= 2000",
        ),
        (
            dict(direction="ingress", protocol="icmp", port_range_min=8, port_range_max=0),
            f"outport == @{pg} && ip4 && icmp4 && icmp4.type == 8 && icmp4.code == 0",
        ),
        (
            dict(direction="ingress", ethertype="IPv6", remote_group_id=other["id"]),
            f"outport == @{pg} && ip6 && ip6.src == $pg_{other['id'].replace('-', '_')}_ip6",
        ),
        (
            dict(direction="egress", protocol="47", remote_ip_prefix="10.0.0.0/8"),
            f"inport == @{pg} && ip4 && ip4.dst == 10.0.0.0/8 && ip.proto == 47",
        ),
    ]
    for attrs, match in cases:
        rule = _rule(api, sg, **attrs)
        assert _acls(api, sg["id"])[rule["id"]][2] == match
        assert (
            api.call("GET", f"/v2.0/security-group-rules/{rule['id']}")["security_group_rule"]
            == rule
        )


def test_bad_and_duplicate_rules(api: Api) -> None:
    sg = api.create("security_group", name="web")
    base = {"security_group_id": sg["id"], "direction": "ingress"}
    cases = [
        ({"protocol": "banana"}, 400, "not supported"),
        ({"protocol": "tcp", "port_range_min": 90, "port_range_max": 80}, 400, "port range"),
        ({"protocol": "gre", "port_range_min": 1, "port_range_max": 2}, 400, "port_range"),
        ({"remote_ip_prefix": "10.0.0.0/33"}, 400, "not a valid IP prefix"),
        ({"remote_ip_prefix": "2001:db8::/64"}, 400, "Conflicting value ethertype"),
        ({"remote_group_id": "nope"}, 404, "could not be found"),
        ({"direction": "sideways"}, 400, "direction"),
    ]
    for attrs, status, words in cases:
        error = api.error(
            "POST", "/v2.0/security-group-rules", {"security_group_rule": {**base, **attrs}}, status
        )
        assert words in error["message"], (attrs, error)
    _rule(api, sg, direction="ingress", protocol="tcp", port_range_min=22, port_range_max=22)
    body = {
        "security_group_rule": {
            **base,
            "protocol": "tcp",
            "port_range_min": 22,
            "port_range_max": 22,
        }
    }
    assert api.error("POST", "/v2.0/security-group-rules", body, 409)["type"] == (
        "SecurityGroupRuleExists"
    )


def test_ports_join_groups_and_group_in_use(api: Api) -> None:
    net, _ = api.network()
    sg = api.create("security_group", name="web")
    port = api.create("port", network_id=net["id"], security_groups=[sg["id"]])
    lsp = api.row("Logical_Switch_Port", port["id"])
    group = api.row("Port_Group", "pg_" + sg["id"].replace("-", "_"))
    assert group["ports"] == frozenset({lsp["_uuid"]})
    assert lsp["external_ids"]["neutron:security_group_ids"] == sg["id"]
    drop = api.row("Port_Group", "neutron_pg_drop")
    drops = sorted(
        (a["direction"], a["priority"], a["match"], a["action"])
        for a in api.rows("ACL")
        if a["_uuid"] in drop["acls"]
    )
    assert drops == [
        ("from-lport", 1001, "inport == @neutron_pg_drop && ip", "drop"),
        ("to-lport", 1001, "outport == @neutron_pg_drop && ip", "drop"),
    ]
    error = api.error("DELETE", f"/v2.0/security-groups/{sg['id']}", None, 409)
    assert error["type"] == "SecurityGroupInUse"
    api.call("PUT", f"/v2.0/ports/{port['id']}", {"port": {"security_groups": []}}, expect=200)
    api.call("DELETE", f"/v2.0/security-groups/{sg['id']}", expect=204)
    assert not [g for g in api.rows("Port_Group") if g["name"].endswith(sg["id"][-4:])]


def test_rule_delete_and_group_update(api: Api) -> None:
    sg = api.create("security_group", name="web")
    rule = _rule(api, sg, direction="ingress", protocol="tcp", port_range_min=80, port_range_max=80)
    api.call("DELETE", f"/v2.0/security-group-rules/{rule['id']}", expect=204)
    assert rule["id"] not in _acls(api, sg["id"])
    body = {"security_group": {"name": "www", "description": "front"}}
    shown = api.call("PUT", f"/v2.0/security-groups/{sg['id']}", body, expect=200)
    assert shown["security_group"]["name"] == "www"
    group = api.row("Port_Group", "pg_" + sg["id"].replace("-", "_"))
    assert group["external_ids"]["pyovn:name"] == "www"
