"""Connection tracking and NAT, as the `ct` datapath action applies them."""

from __future__ import annotations

from pyovn.dataplane import Bridge, Conntrack, Packet, parse_actions
from pyovn.dataplane.actions import Ct, Nat
from pyovn.dataplane.conntrack import CS


def _nat(text: str) -> Nat:
    (action,) = parse_actions(f"ct(commit,{text})")
    assert isinstance(action, Ct) and action.nat is not None
    return action.nat


def _tcp(src: str, dst: str, sport: int, dport: int, flags: int) -> Packet:
    return Packet.from_flow_text(
        f"tcp,nw_src={src},nw_dst={dst},tcp_src={sport},tcp_dst={dport},tcp_flags={flags}"
    )


def _echo(src: str, dst: str, icmp_type: int, echo_id: int = 7) -> Packet:
    packet = Packet.from_flow_text(f"icmp,nw_src={src},nw_dst={dst},icmp_type={icmp_type}")
    packet.extra["icmp_id"] = echo_id
    return packet


def test_new_then_reply_then_established() -> None:
    ct = Conntrack()
    request = _echo("10.0.0.1", "10.0.0.2", 8)
    assert ct.execute(request, 5) == CS.TRK | CS.NEW
    assert ct.connections() == []  # not committed
    assert ct.execute(request, 5, commit=True) == CS.TRK | CS.NEW
    assert ct.execute(_echo("10.0.0.2", "10.0.0.1", 0), 5) == CS.TRK | CS.EST | CS.RPL
    assert ct.execute(_echo("10.0.0.1", "10.0.0.2", 8), 5) == CS.TRK | CS.EST
    assert ct.execute(_echo("10.0.0.1", "10.0.0.2", 8), 6) == CS.TRK | CS.NEW  # other zone


def test_ct_fields_are_set_on_the_packet() -> None:
    ct = Conntrack()
    syn = _tcp("10.0.0.1", "10.0.0.2", 40000, 80, 0x002)
    ct.execute(syn, 9, commit=True, mark=(0x5, 0xFF), label=(1 << 100, 1 << 100))
    reply = _tcp("10.0.0.2", "10.0.0.1", 80, 40000, 0x012)
    ct.execute(reply, 9)
    assert reply["ct_state"] == CS.TRK | CS.EST | CS.RPL and reply["ct_zone"] == 9
    assert reply["ct_mark"] == 5 and reply["ct_label"] == 1 << 100
    assert reply["ct_nw_src"] == syn["nw_src"] and reply["ct_tp_dst"] == 80
    assert reply["ct_nw_proto"] == 6


def test_tcp_handshake_states_and_invalid_packets() -> None:
    ct = Conntrack()
    assert ct.execute(_tcp("1.1.1.1", "2.2.2.2", 1000, 22, 0x010), 1) == CS.TRK | CS.INV
    assert ct.execute(_tcp("1.1.1.1", "2.2.2.2", 1000, 22, 0x002), 1, commit=True) & CS.NEW
    assert ct.execute(_tcp("1.1.1.1", "2.2.2.2", 1000, 22, 0x002), 1) == CS.TRK | CS.NEW
    assert ct.execute(_tcp("2.2.2.2", "1.1.1.1", 22, 1000, 0x012), 1) & CS.EST
    ct.execute(_tcp("1.1.1.1", "2.2.2.2", 1000, 22, 0x010), 1)
    (conn,) = ct.connections()
    assert conn.tcp_state == "ESTABLISHED"
    assert ct.dump() == (
        "tcp,orig=(src=1.1.1.1,dst=2.2.2.2,sport=1000,dport=22),"
        "reply=(src=2.2.2.2,dst=1.1.1.1,sport=22,dport=1000),zone=1,"
        "protoinfo=(state=ESTABLISHED)"
    )
    assert ct.execute(_echo("1.1.1.1", "2.2.2.2", 0), 1) == CS.TRK | CS.INV


def test_snat_rewrites_and_reply_is_un_natted() -> None:
    ct = Conntrack()
    nat = _nat("nat(src=172.16.0.100)")
    out = _tcp("10.0.0.11", "8.8.8.8", 40000, 53, 0x002)
    assert ct.execute(out, 1, commit=True, nat=nat) == CS.TRK | CS.NEW | CS.SNAT
    assert (out["ip_src"], out["tcp_src"]) == (Packet.build(ip_src="172.16.0.100")["ip_src"], 40000)
    back = _tcp("8.8.8.8", "172.16.0.100", 53, 40000, 0x012)
    assert ct.execute(back, 1, nat=Nat()) == CS.TRK | CS.EST | CS.RPL | CS.SNAT
    assert (back["ip_dst"], back["tcp_dst"]) == (Packet.build(ip_dst="10.0.0.11")["ip_dst"], 40000)
    untranslated = _tcp("8.8.8.8", "172.16.0.100", 53, 40000, 0x010)
    ct.execute(untranslated, 1)  # no nat in the ct action: no rewrite
    assert untranslated["ip_dst"] == Packet.build(ip_dst="172.16.0.100")["ip_dst"]


def test_snat_port_allocation_avoids_collisions() -> None:
    """The next free port upwards, as the userspace datapath picks it (checked live)."""
    ct = Conntrack()
    nat = _nat("nat(src=172.16.0.100)")
    first = _tcp("10.0.0.11", "8.8.8.8", 40000, 53, 0x002)
    second = _tcp("10.0.0.12", "8.8.8.8", 40000, 53, 0x002)
    ct.execute(first, 1, commit=True, nat=nat)
    ct.execute(second, 1, commit=True, nat=nat)
    assert first["tcp_src"] == 40000 and second["tcp_src"] == 40001
    assert first["ip_src"] == second["ip_src"]


def test_an_exhausted_nat_range_leaves_the_packet_untranslated() -> None:
    ct = Conntrack()
    ranged = _nat("nat(src=172.16.0.100:1000-1001)")
    packets = [_tcp(f"10.0.1.{host}", "8.8.8.8", 5555, 53, 0x002) for host in range(3)]
    states = [ct.execute(packet, 2, commit=True, nat=ranged) for packet in packets]
    assert [packet["tcp_src"] for packet in packets] == [1000, 1001, 5555]
    assert (
        states[2] == CS.TRK | CS.NEW
        and packets[2]["ip_src"] == _tcp("10.0.1.2", "8.8.8.8", 1, 1, 2)["ip_src"]
    )
    assert len(ct.connections()) == 2 and len(ct.nat_failures) == 1


def test_icmp_echo_ids_are_not_renumbered() -> None:
    ct = Conntrack()
    nat = _nat("nat(src=172.16.0.100)")
    a, b = _echo("10.0.0.1", "8.8.8.8", 8, 7), _echo("10.0.0.2", "8.8.8.8", 8, 7)
    ct.execute(a, 1, commit=True, nat=nat)
    ct.execute(b, 1, commit=True, nat=nat)
    assert a["ip_src"] == Packet.build(ip_src="172.16.0.100")["ip_src"]
    assert b["ip_src"] == Packet.build(ip_src="10.0.0.2")["ip_src"] and b.extra["icmp_id"] == 7
    reply = _echo("8.8.8.8", "172.16.0.100", 0, 7)
    ct.execute(reply, 1, nat=Nat())
    assert reply["ip_dst"] == Packet.build(ip_dst="10.0.0.1")["ip_dst"]


def test_dnat_and_its_reply() -> None:
    ct = Conntrack()
    nat = _nat("nat(dst=10.0.0.12:8080)")
    request = _tcp("172.16.0.254", "172.16.0.110", 33333, 80, 0x002)
    assert ct.execute(request, 3, commit=True, nat=nat) & CS.DNAT
    assert (request["ip_dst"], request["tcp_dst"]) == (
        Packet.build(ip_dst="10.0.0.12")["ip_dst"],
        8080,
    )
    reply = _tcp("10.0.0.12", "172.16.0.254", 8080, 33333, 0x012)
    assert ct.execute(reply, 3, nat=Nat()) == CS.TRK | CS.EST | CS.RPL | CS.DNAT
    assert (reply["ip_src"], reply["tcp_src"]) == (
        Packet.build(ip_src="172.16.0.110")["ip_src"],
        80,
    )
    assert "reply=(src=10.0.0.12,dst=172.16.0.254,sport=8080,dport=33333)" in ct.dump()


def test_icmp_errors_are_related_to_their_connection() -> None:
    ct = Conntrack()
    probe = Packet.from_flow_text(
        "udp,nw_src=10.0.0.1,nw_dst=10.0.0.2,udp_src=5000,udp_dst=9,nw_ttl=64"
    )
    ct.execute(probe, 4, commit=True)
    quoted = probe.to_bytes()[14 : 14 + 28]
    error = Packet.from_flow_text(
        "icmp,nw_src=10.0.0.2,nw_dst=10.0.0.1,icmp_type=3,icmp_code=3", quoted
    )
    assert ct.execute(error, 4) == CS.TRK | CS.REL | CS.RPL


def test_force_commit_on_a_reply_starts_a_new_connection() -> None:
    ct = Conntrack()
    ct.execute(_tcp("1.1.1.1", "2.2.2.2", 1, 2, 0x002), 1, commit=True)
    reverse = _tcp("2.2.2.2", "1.1.1.1", 2, 1, 0x002)
    assert ct.execute(reverse, 1, commit=True, force=True) == CS.TRK | CS.NEW
    (conn,) = ct.connections()
    assert conn.original.src == reverse["nw_src"]


def test_ct_through_flows_recirculates_with_the_state() -> None:
    bridge = Bridge("br0")
    for number in (1, 2):
        bridge.add_port(f"p{number}", number)
    bridge.add_flows(
        "table=0,ip,actions=ct(table=1,zone=7)\n"
        "table=1,ct_state=+new+trk,ip,in_port=1,actions=ct(commit,zone=7,exec(load:0x3->NXM_NX_CT_MARK[])),output:2\n"
        "table=1,ct_state=+est+trk,ct_mark=3,ip,in_port=2,actions=output:1\n"
        "table=1,priority=0,actions=drop"
    )
    request = _echo("10.0.0.1", "10.0.0.2", 8)
    assert [d.ofport for d in bridge.receive(request, 1).deliveries] == [2]
    reply = _echo("10.0.0.2", "10.0.0.1", 0)
    execution = bridge.receive(reply, 2)
    assert [d.ofport for d in execution.deliveries] == [1] and execution.passes == 2
    assert "zone=7,mark=3" in bridge.datapath.conntrack.dump()
    unsolicited = _echo("10.0.0.2", "10.0.0.1", 0, 99)
    assert bridge.receive(unsolicited, 2).dropped
