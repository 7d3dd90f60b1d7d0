"""Actions: parsing and printing in ovs-ofctl syntax, and the 1.0/1.5 spellings."""

from __future__ import annotations

import pytest

from pyovn.dataplane import FlowSyntaxError, format_actions, parse_actions
from pyovn.dataplane import actions as act
from pyovn.dataplane.learn import Learn, LearnLoad, LearnMatch, LearnOutput
from pyovn.dataplane.spelling import openflow10_spelling, openflow15_spelling

# (input, ovs-ofctl's printing, or None when it prints back unchanged).
CASES = [
    ("drop", None),
    ("output:2", None),
    ("2", "output:2"),
    ("output:NXM_NX_REG15[]", None),
    ("output(port=2,max_len=100)", None),
    ("IN_PORT", None),
    ("in_port", "IN_PORT"),
    ("LOCAL", None),
    ("NORMAL", None),
    ("FLOOD", None),
    ("ALL", None),
    ("resubmit(,8)", None),
    ("resubmit(1,8)", None),
    ("resubmit:3", None),
    ("resubmit(,8,ct)", None),
    ("goto_table:5", None),
    ("load:0xb->NXM_NX_REG13[]", None),
    ("load:0->NXM_NX_REG10[12]", None),
    ("load:0xff01->NXM_NX_XXREG0[64..111]", None),
    ("load:0x1->OXM_OF_PKT_REG4[2]", None),
    ("load:10->NXM_NX_REG0[0..7]", "load:0xa->NXM_NX_REG0[0..7]"),
    ("set_field:0xb->reg13", None),
    ("set_field:0/0x1000->reg10", None),
    ("set_field:00:00:00:00:ff:02->eth_src", None),
    ("set_field:00:00:00:00:ff:02->dl_src", "set_field:00:00:00:00:ff:02->eth_src"),
    ("set_field:10.0.0.1->ip_src", None),
    ("set_field:fe80::99->ipv6_dst", None),
    ("set_field:ANY->in_port", None),
    ("set_field:0x10002->tun_metadata0", None),
    ("set_field:8080->tcp_dst", None),
    ("move:NXM_NX_REG10[12]->NXM_NX_XXREG0[111]", None),
    ("move:NXM_OF_IP_DST[]->NXM_NX_XXREG0[96..127]", None),
    ("move:reg0[]->reg1[]", "move:NXM_NX_REG0[]->NXM_NX_REG1[]"),
    ("push:NXM_OF_IN_PORT[]", None),
    ("pop:NXM_OF_ETH_SRC[]", None),
    ("mod_dl_src:00:00:00:00:ff:03", None),
    ("mod_dl_dst:0a:00:00:00:00:fe", None),
    ("mod_nw_src:172.16.0.100", None),
    ("mod_nw_dst:10.0.0.12", None),
    ("mod_tp_src:5353", None),
    ("mod_tp_dst:80", None),
    ("mod_nw_tos:16", None),
    ("mod_vlan_vid:5", None),
    ("mod_vlan_pcp:3", None),
    ("strip_vlan", None),
    ("pop_vlan", None),
    ("push_vlan:0x8100", None),
    ("dec_ttl", None),
    ("dec_ttl()", None),
    ("dec_ttl(1,2)", None),
    ("controller", "CONTROLLER:65535"),
    ("CONTROLLER:65535", None),
    ("controller(userdata=00.00.00.01.00.00.00.00)", None),
    ("controller(userdata=00.00.00.02.00.00.00.00,pause)", None),
    ("controller(reason=no_match,max_len=128)", None),
    ("controller(id=3,meter_id=2)", None),
    ("ct(table=15,zone=NXM_NX_REG13[0..15])", None),
    ("ct(commit,zone=NXM_NX_REG13[0..15],nat(src),exec(load:0->NXM_NX_CT_MARK[0]))", None),
    ("ct(commit,table=16,zone=NXM_NX_REG11[0..15],nat(dst=10.0.0.12))", None),
    ("ct(commit,table=46,zone=NXM_NX_REG12[0..15],nat(src=172.16.0.100))", None),
    ("ct(commit,table=17,zone=NXM_NX_REG13[0..15],nat)", None),
    ("ct(commit,zone=5,nat(src=10.0.0.1-10.0.0.9:1000-2000,persistent,random))", None),
    ("ct(commit,zone=5,nat(dst=[fd00::1]-[fd00::2]:80))", None),
    ("ct(commit,force,zone=7,alg=ftp)", None),
    ("ct(zone=0)", "ct()"),
    ("ct", "ct()"),
    ("ct_clear", None),
    ("conjunction(100,2/2)", None),
    ("clone(ct_clear,load:0->NXM_NX_REG11[],resubmit(,8))", None),
    ("note:01.02", "note:01.02.00.00.00.00"),
    ("note:00.01.02.03.04.05", None),
    ("group:1", None),
    ("check_pkt_larger(1514)->NXM_NX_REG0[6]", None),
    ("meter:3", None),
    ("exit", None),
    ("sample(probability=65535,collector_set_id=1)", None),
    ("set_queue:3", None),
    ("pop_queue", None),
    ("set_tunnel:0x5", None),
    ("set_tunnel64:0x100000005", None),
    (
        "learn(table=69,delete_learned,cookie=0x5,OXM_OF_METADATA[],eth_type=0x800,"
        "NXM_OF_IP_SRC[],ip_dst=10.0.0.10,nw_proto=6,NXM_OF_TCP_SRC[]=NXM_OF_TCP_DST[],"
        "load:0x1->NXM_NX_REG10[7])",
        None,
    ),
    (
        "learn(table=10,priority=5,NXM_OF_ETH_SRC[]=NXM_OF_ETH_DST[],"
        "load:NXM_NX_REG0[]->NXM_NX_REG1[],output:NXM_OF_IN_PORT[])",
        None,
    ),
    (
        "load:0xa->NXM_NX_REG13[],resubmit(,8),move:NXM_NX_REG10[12]->NXM_NX_XXREG0[111]",
        None,
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_actions_print_like_ovs_ofctl(text: str, expected: str | None) -> None:
    parsed = parse_actions(text)
    assert format_actions(parsed) == (expected or text)
    assert parse_actions(format_actions(parsed)) == parsed


def test_load_and_set_field_are_the_same_write() -> None:
    (load,) = parse_actions("load:0xff01->NXM_NX_XXREG0[64..111]")
    (set_field,) = parse_actions(
        "set_field:0xff010000000000000000/0xffffffffffff0000000000000000->xxreg0"
    )
    assert isinstance(load, act.SetField) and isinstance(set_field, act.SetField)
    assert (load.field, load.value, load.mask) == (set_field.field, set_field.value, set_field.mask)


def test_learn_specs_are_typed() -> None:
    (learn,) = parse_actions(
        "learn(table=10,NXM_OF_ETH_SRC[]=NXM_OF_ETH_DST[],ip_dst=10.0.0.10,"
        "load:0x1->NXM_NX_REG10[7],output:NXM_OF_IN_PORT[])"
    )
    assert isinstance(learn, Learn) and learn.table == 10
    kinds = [type(spec) for spec in learn.specs]
    assert kinds == [LearnMatch, LearnMatch, LearnLoad, LearnOutput]


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("frobnicate:1", "frobnicate"),
        ("load:0x1ff->NXM_NX_REG0[0..3]", "0x1ff"),
        ("resubmit(,300)", "300"),
        ("output:99999999", "99999999"),
        ("load:1->NXM_NX_REG99[]", "NXM_NX_REG99"),
        ("move:NXM_NX_REG0[0..3]->NXM_NX_REG1[0..4]", "NXM_NX_REG0[0..3]->NXM_NX_REG1[0..4]"),
        ("ct(commit,zone=5,nat(middle))", "middle"),
        ("ct(bogus)", "bogus"),
        ("conjunction(1,3/2)", "1,3/2"),
        ("controller(reason=whatever)", "whatever"),
        ("multipath(eth_src,50,modulo_n,1,0,NXM_NX_REG0[])", "multipath"),
        ("drop,output:1", "drop"),
        ("resubmit(,8", "resubmit(,8"),
        ("set_field:1->nonexistent", "nonexistent"),
        ("mod_nw_tos:3", "3"),
        ("load:1->NXM_NX_CT_STATE[]", "NXM_NX_CT_STATE[]"),
        ("set_field:6->nw_proto", "nw_proto"),
        ("move:NXM_NX_REG0[0..7]->NXM_OF_IP_PROTO[]", "NXM_OF_IP_PROTO[]"),
    ],
)
def test_bad_actions_name_the_offending_token(text: str, token: str) -> None:
    with pytest.raises(FlowSyntaxError) as caught:
        parse_actions(text)
    assert caught.value.token == token
    assert f"`{token}'" in str(caught.value)


def test_error_position_points_into_the_text() -> None:
    with pytest.raises(FlowSyntaxError) as caught:
        parse_actions("load:0x1->NXM_NX_REG14[],resubmit(,8),frob")
    assert caught.value.position == len("load:0x1->NXM_NX_REG14[],resubmit(,8),")


@pytest.mark.parametrize(
    ("openflow10", "openflow15"),
    [
        ("load:0xb->NXM_NX_REG13[]", "set_field:0xb->reg13"),
        ("load:0->NXM_NX_REG10[12]", "set_field:0/0x1000->reg10"),
        ("load:0xffff->NXM_OF_IN_PORT[]", "set_field:ANY->in_port"),
        ("load:0x1->OXM_OF_PKT_REG4[2]", "set_field:0x4/0x4->xreg4"),
        ("mod_dl_src:00:00:00:00:ff:02", "set_field:00:00:00:00:ff:02->eth_src"),
        ("mod_nw_src:172.16.0.100", "set_field:172.16.0.100->ip_src"),
        (
            "load:0x99->NXM_NX_IPV6_DST[0..63],load:0xfe80000000000000->NXM_NX_IPV6_DST[64..127]",
            "set_field:::99/::ffff:ffff:ffff:ffff->ipv6_dst,"
            "set_field:fe80::/ffff:ffff:ffff:ffff::->ipv6_dst",
        ),
        (
            "ct(commit,zone=NXM_NX_REG13[0..15],nat(src),exec(load:0->NXM_NX_CT_MARK[0]))",
            "ct(commit,zone=NXM_NX_REG13[0..15],nat(src),exec(set_field:0/0x1->ct_mark))",
        ),
        ("clone(load:0x1->NXM_NX_REG14[])", "clone(set_field:0x1->reg14)"),
    ],
)
def test_openflow10_and_15_spellings(openflow10: str, openflow15: str) -> None:
    """What ovn-controller (OpenFlow 1.5) installs vs what dump-flows (1.0) shows."""
    native = openflow15_spelling(parse_actions(openflow10))
    assert format_actions(native) == openflow15
    if "IPV6" not in openflow10:
        assert format_actions(openflow10_spelling(native)) == openflow10


def test_wide_set_field_is_split_into_64_bit_loads_for_openflow10() -> None:
    """As `ovs-ofctl add-flow` does for set_field of an IPv6 address."""
    loads = openflow10_spelling(parse_actions("set_field:fe80::99->ipv6_dst"))
    assert format_actions(loads) == (
        "load:0x99->NXM_NX_IPV6_DST[0..63],load:0xfe80000000000000->NXM_NX_IPV6_DST[64..127]"
    )
