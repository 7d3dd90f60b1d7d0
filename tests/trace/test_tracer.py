"""The tracer on small Southbound contents built in memory (no database)."""

import json

import pytest

import pyovn.trace as api
from pyovn.trace import (
    MicroflowError,
    NodeKind,
    TraceOptions,
    UnknownDatapathError,
    UnknownPortError,
    render,
    render_rich,
    trace,
)
from tests.trace.synthetic import FORWARDING, switch_sb

BROADCAST = (
    'inport == "p1" && eth.src == 00:00:00:00:00:01 && eth.dst == ff:ff:ff:ff:ff:ff '
    "&& ip4.src == 10.0.0.1 && ip4.dst == 10.0.0.2 && ip.ttl == 3"
)
TO_P3 = BROADCAST.replace("ff:ff:ff:ff:ff:ff", "00:00:00:00:00:03")


def test_public_api() -> None:
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert missing == []
    assert {"trace", "render", "SouthboundSnapshot", "Trace", "TraceError"} <= set(api.__all__)
    assert api.parse_ct_states(["new", "est,rpl"]) == (0x01, 0x0A)
    with pytest.raises(api.TraceError, match="unknown ct_state flag 'old'"):
        api.parse_ct_states(["old"])


def test_flood_outputs_every_member_but_the_inport() -> None:
    result = trace(switch_sb(FORWARDING), "d1", BROADCAST)
    assert result.verdict == "output"
    assert [d.port for d in result.deliveries] == ["p2", "p3"]
    text = render(result)
    assert 'multicast(dp="d1", mcgroup="_MC_flood")' in text
    assert "/* omitting output because inport == outport && !flags.loopback */" in text
    assert render(result, "minimal").splitlines()[1:] == ['output("p2");', 'output("p3");']


def test_rewrites_reach_the_final_headers() -> None:
    result = trace(switch_sb(FORWARDING), None, TO_P3)
    (delivery,) = result.deliveries
    assert delivery.fields["dl_src"] == "00:00:00:00:00:99"
    assert delivery.fields["nw_ttl"] == "2"
    assert delivery.fields["reg15"] == "0x3"
    minimal = render(result, "minimal").splitlines()[1:]
    assert minimal == ["eth.src = 00:00:00:00:00:99;", "ip.ttl--;", 'output("p3");']


def test_port_security_drops_a_spoofed_source() -> None:
    spoofed = BROADCAST.replace("ip4.src == 10.0.0.1", "ip4.src == 10.0.0.9")
    result = trace(switch_sb(FORWARDING), "d1", spoofed)
    assert result.verdict == "drop"
    steps = result.steps()
    assert [(s.table, s.match, s.actions) for s in steps][-1] == (1, "reg0[15] == 1", "drop;")


def test_structured_steps_and_json() -> None:
    result = trace(switch_sb(FORWARDING), "d1", TO_P3)
    steps = result.steps()
    assert [(s.pipeline, s.table, s.stage, s.priority) for s in steps] == [
        ("ingress", 0, "ls_in_t0", 50),
        ("ingress", 2, "ls_in_t2", 50),
        ("egress", 0, "ls_out_t0", 0),
    ]
    data = json.loads(json.dumps(result.to_json()))
    assert data["verdict"] == "output"
    assert data["outputs"][0]["port"] == "p3"
    assert data["steps"][1]["match"] == "eth.dst == 00:00:00:00:00:03"
    assert data["tree"][0]["kind"] == "pipeline"


def test_no_match_is_an_implicit_drop() -> None:
    sb = switch_sb([("ingress", 0, 10, "arp", "next;")])
    result = trace(sb, "d1", 'inport == "p1" && ip4')
    assert result.verdict == "drop"
    assert render(result).splitlines()[-1] == " 0. no match (implicit drop)"


@pytest.mark.parametrize(
    "actions",
    ["next(table=0);", "reg0 = 1; next;", "clone { next(table=0); }; next(table=0);"],
)
def test_a_looping_trace_stops_with_loop_detected(actions: str) -> None:
    sb = switch_sb([("ingress", 0, 10, "1", actions), ("ingress", 1, 10, "1", "next(table=0);")])
    result = trace(sb, "d1", 'inport == "p1" && ip4', options=TraceOptions(max_lookups=2000))
    assert result.verdict == "loop"
    errors = [n.text for n in result.walk() if n.kind is NodeKind.ERROR]
    assert errors and errors[0].startswith("*** loop detected")
    assert "loop detected" in render(result)


def test_ct_states_are_used_in_order_then_default() -> None:
    sb = switch_sb(
        [
            ("ingress", 0, 10, "1", "ct_next;"),
            ("ingress", 1, 10, "ct.new", "ct_next;"),
            ("ingress", 2, 10, "ct.est", 'outport = "p2"; output;'),
            ("egress", 0, 0, "1", "output;"),
        ]
    )
    result = trace(sb, "d1", 'inport == "p1" && ip4', ct_states=api.parse_ct_states(["new"]))
    assert result.verdict == "output"
    titles = [n.text for n in result.walk() if n.kind is NodeKind.TRANSFORMATION]
    assert titles == [
        "ct_next(ct_state=new|trk)",
        "ct_next(ct_state=est|trk /* default (use --ct to customize) */)",
    ]


def test_nat_sets_the_address_and_continues() -> None:
    sb = switch_sb(
        [
            ("ingress", 0, 10, "ip4", "ct_dnat(192.168.0.5);"),
            ("ingress", 1, 10, "ip4.dst == 192.168.0.5", 'outport = "p2"; output;'),
            ("egress", 0, 0, "1", "output;"),
        ]
    )
    result = trace(sb, "d1", 'inport == "p1" && ip4 && ip4.dst == 10.0.0.2')
    assert result.deliveries[0].fields["nw_dst"] == "192.168.0.5"
    assert "ct_dnat(ip4.dst=192.168.0.5)" in render(result, "minimal")


def test_rich_view_names_the_verdict() -> None:
    from rich.console import Console

    console = Console(record=True, width=200)
    console.print(render_rich(trace(switch_sb(FORWARDING), "d1", TO_P3)))
    text = console.export_text()
    assert "verdict: output" in text
    assert 'egress(dp="d1", inport="p1", outport="p3")' in text


@pytest.mark.parametrize(
    ("microflow", "error", "position"),
    [
        ('inport == "p1" && ip4.src == ', MicroflowError, 29),
        ('inport == "nope" && ip4', UnknownPortError, 10),
        ('inport == "p1" && tcp.dst == 80', MicroflowError, None),
        ('inport == "p1" && ip4 && ip6', MicroflowError, None),
        ('inport == "p1" && ip4.src > 10.0.0.1', MicroflowError, None),
        ("ip4 && eth.src == 00:00:00:00:00:01", MicroflowError, None),
        ('inport == "p1" && bogus == 1', MicroflowError, 18),
    ],
)
def test_bad_microflows_raise_one_clear_error(
    microflow: str, error: type[Exception], position: int | None
) -> None:
    with pytest.raises(error) as info:
        trace(switch_sb(FORWARDING), "d1", microflow)
    assert isinstance(info.value, MicroflowError)
    assert info.value.position == position
    assert "\n" not in str(info.value)


def test_unknown_datapath() -> None:
    with pytest.raises(UnknownDatapathError, match='unknown datapath "d9"'):
        trace(switch_sb(FORWARDING), "d9", 'inport == "p1"')


@pytest.mark.parametrize(
    ("lb_dst", "address", "port"),
    [
        (None, "10.0.0.2", "8080"),
        ("10.0.0.3:80", "10.0.0.3", "8080"),
        ("10.9.9.9", "10.0.0.2", "8080"),
    ],
)
def test_load_balancer_picks_a_backend(lb_dst: str | None, address: str, port: str) -> None:
    sb = switch_sb(
        [
            ("ingress", 0, 10, "tcp", "ct_lb_mark(backends=10.0.0.2:8080,10.0.0.3:8080);"),
            ("ingress", 1, 10, "ct.trk", 'outport = "p2"; output;'),
            ("egress", 0, 0, "1", "output;"),
        ]
    )
    flow = 'inport == "p1" && ip4.dst == 10.0.0.100 && tcp.dst == 80'
    result = trace(sb, "d1", flow, options=TraceOptions(lb_dst=lb_dst))
    fields = result.deliveries[0].fields
    assert (fields["nw_dst"], fields["tp_dst"]) == (address, port)
    assert "ct_state=est|trk|dnat" in result.deliveries[0].flow
