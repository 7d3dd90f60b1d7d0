"""Reading NB Load_Balancer rows (`pyovn.northd.load_balancer`)."""

from pyovn.northd.load_balancer import Backend, datapath_lb_rows, read_load_balancer
from pyovn.northd.model import Diagnostics


def _row(vips: dict[str, str], protocol: frozenset[str] = frozenset()) -> dict[str, object]:
    return {"name": "lb", "vips": vips, "protocol": protocol, "options": {}}


def test_vips_with_and_without_port_default_to_tcp() -> None:
    lb = read_load_balancer(
        "u1",
        _row({"10.0.0.100:80": "10.0.0.2:8080,10.0.0.3:8080", "10.0.0.101": "10.0.0.4"}),
        Diagnostics(),
    )
    assert lb.protocol == "tcp" and lb.raw_protocol is None
    by_ip = {v.ip: v for v in lb.vips}
    assert by_ip["10.0.0.100"].port == 80
    assert by_ip["10.0.0.100"].backends == (Backend("10.0.0.2", 8080), Backend("10.0.0.3", 8080))
    assert by_ip["10.0.0.100"].backends_text == "10.0.0.2:8080,10.0.0.3:8080"
    assert by_ip["10.0.0.101"].port is None
    assert by_ip["10.0.0.101"].backends_text == "10.0.0.4"


def test_unusable_vips_are_reported_and_skipped_but_kept_for_the_sb() -> None:
    diag = Diagnostics()
    vips = {
        "[fd00::1]:80": "[fd00::2]:80",
        "10.0.0.100:80": "10.0.0.2",
        "10.0.0.5:53": "10.0.0.6:53",
    }
    lb = read_load_balancer("u1", _row(vips, frozenset({"udp"})), diag)
    assert [(v.ip, v.protocol) for v in lb.vips] == [("10.0.0.5", "udp")]
    assert dict(lb.raw_vips) == vips
    assert len(diag.messages) == 2
    assert any("IPv4 VIPs only" in m for m in diag.messages)


def test_datapath_load_balancers_include_those_of_groups() -> None:
    nb = {
        "Load_Balancer": {"a": {}, "b": {}, "c": {}},
        "Load_Balancer_Group": {"g": {"load_balancer": {"b", "c", "gone"}}},
    }
    row = {"load_balancer": {"a", "c"}, "load_balancer_group": {"g"}}
    assert datapath_lb_rows(row, nb) == ["a", "b", "c"]
