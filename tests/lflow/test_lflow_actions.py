"""Table-driven tests of actions: one row per action form of OVN 23.03.

Each row is the logical action text and the OpenFlow actions it compiles
to on logical-switch datapath 1, ingress table 10 (OpenFlow table 18), with
ports p1=1, p2=2, vm1=3 and vip=9.  The encodings (register moves, stack
staging for lookups, zones, controller userdata opcodes and nested OpenFlow
1.5 bodies) were checked against what the real ovn-controller 23.03
installs (see test_lflow_oracle.py, which compares whole topologies).
"""

from __future__ import annotations

import pytest

from pyovn.lflow import CompileContext, format_actions, parse_actions
from pyovn.lflow.of_ir import render_actions
from pyovn.lflow.to_openflow import compile_actions

ACTION_OPENFLOW: list[tuple[str, str]] = [
    (
        "next;",
        "resubmit(,19)",
    ),
    (
        "next(3);",
        "resubmit(,11)",
    ),
    (
        "next(pipeline=egress, table=5);",
        "resubmit(,47)",
    ),
    (
        "next(pipeline=egress,table=5);",
        "resubmit(,47)",
    ),
    (
        "next(table=5, pipeline=ingress);",
        "resubmit(,13)",
    ),
    (
        "next(pipeline=ingress);",
        "resubmit(,19)",
    ),
    (
        "output;",
        "resubmit(,37)",
    ),
    (
        "drop;",
        "drop",
    ),
    (
        "/* drop */",
        "drop",
    ),
    (
        "next; ",
        "resubmit(,19)",
    ),
    (
        'outport = "vm1";',
        "load:0x3->NXM_NX_REG15[]",
    ),
    (
        "outport = inport;",
        "move:NXM_NX_REG14[]->NXM_NX_REG15[]",
    ),
    (
        "outport <-> inport;",
        "push:NXM_NX_REG14[],push:NXM_NX_REG15[],pop:NXM_NX_REG14[],pop:NXM_NX_REG15[]",
    ),
    (
        "eth.dst = eth.src;",
        "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]",
    ),
    (
        "eth.src = 00:00:00:00:ff:01;",
        "mod_dl_src:00:00:00:00:ff:01",
    ),
    (
        "reg0 = 0;",
        "load:0->NXM_NX_XXREG0[96..127]",
    ),
    (
        "reg0[3] = 1;",
        "load:0x1->NXM_NX_XXREG0[99]",
    ),
    (
        "xreg0[0..47] = 00:00:00:00:ff:01;",
        "load:0xff01->NXM_NX_XXREG0[64..111]",
    ),
    (
        "xxreg1 = fe80::1;",
        "load:0x1->NXM_NX_XXREG1[0..63],load:0xfe80000000000000->NXM_NX_XXREG1[64..127]",
    ),
    (
        "reg0 = ip4.dst;",
        "move:NXM_OF_IP_DST[]->NXM_NX_XXREG0[96..127]",
    ),
    (
        "reg1 = 10.0.0.1;",
        "load:0xa000001->NXM_NX_XXREG0[64..95]",
    ),
    (
        "ip4.dst <-> ip4.src;",
        ("push:NXM_OF_IP_SRC[],push:NXM_OF_IP_DST[],pop:NXM_OF_IP_SRC[],pop:NXM_OF_IP_DST[]"),
    ),
    (
        "ip4.dst <-> ip4.src ;",
        ("push:NXM_OF_IP_SRC[],push:NXM_OF_IP_DST[],pop:NXM_OF_IP_SRC[],pop:NXM_OF_IP_DST[]"),
    ),
    (
        "vlan.pcp = 4/4;",
        "load:0x1->NXM_OF_VLAN_TCI[15]",
    ),
    (
        "flags.loopback = 1;",
        "load:0x1->NXM_NX_REG10[0]",
    ),
    (
        "ct_label.label = reg3;",
        "move:NXM_NX_XXREG0[0..31]->NXM_NX_CT_LABEL[96..127]",
    ),
    (
        "ip.ttl--;",
        "dec_ttl()",
    ),
    (
        "ip.ttl = 255;",
        "load:0xff->NXM_NX_IP_TTL[]",
    ),
    (
        "icmp4.frag_mtu = 1500;",
        "controller(userdata=00.00.00.0d.00.00.00.00.05.dc,pause)",
    ),
    (
        "icmp6.frag_mtu = 1500;",
        "controller(userdata=00.00.00.15.00.00.00.00.00.00.05.dc,pause)",
    ),
    (
        "push(reg0);",
        "push:NXM_NX_XXREG0[96..127]",
    ),
    (
        "pop(reg1);",
        "pop:NXM_NX_XXREG0[64..95]",
    ),
    (
        "ct_next;",
        "ct(table=19,zone=NXM_NX_REG13[0..15])",
    ),
    (
        "ct_commit;",
        "ct(commit,zone=NXM_NX_REG13[0..15],nat(src))",
    ),
    (
        "ct_commit { };",
        "ct(commit,zone=NXM_NX_REG13[0..15],nat(src))",
    ),
    (
        "ct_commit { ct_mark.blocked = 1; };",
        "ct(commit,zone=NXM_NX_REG13[0..15],nat(src),exec(load:0x1->NXM_NX_CT_MARK[0]))",
    ),
    (
        "ct_commit { ct_mark.blocked = 0; ct_label.label = reg3; };",
        (
            "ct(commit,zone=NXM_NX_REG13[0..15],nat(src),exec(load:0->NXM_NX_CT_MAR"
            "K[0],move:NXM_NX_XXREG0[0..31]->NXM_NX_CT_LABEL[96..127]))"
        ),
    ),
    (
        "ct_commit(ct_mark=1/1, ct_label=0x5);",
        (
            "ct(commit,zone=NXM_NX_REG13[0..15],nat(src),exec(load:0x1->NXM_NX_CT_M"
            "ARK[0],load:0x5->NXM_NX_CT_LABEL[0..63],load:0->NXM_NX_CT_LABEL[64..12"
            "7]))"
        ),
    ),
    (
        "ct_commit_nat;",
        "ct(commit,table=19,zone=NXM_NX_REG13[0..15],nat)",
    ),
    (
        "ct_clear;",
        "ct_clear",
    ),
    (
        "ct_dnat;",
        "ct(table=19,zone=NXM_NX_REG11[0..15],nat)",
    ),
    (
        "ct_dnat(10.0.0.12);",
        "ct(commit,table=19,zone=NXM_NX_REG11[0..15],nat(dst=10.0.0.12))",
    ),
    (
        "ct_snat(172.16.0.100);",
        "ct(commit,table=19,zone=NXM_NX_REG12[0..15],nat(src=172.16.0.100))",
    ),
    (
        "ct_snat(172.16.0.100,1024-2048);",
        "ct(commit,table=19,zone=NXM_NX_REG12[0..15],nat(src=172.16.0.100:1024-2048))",
    ),
    (
        "ct_snat(fd00::1);",
        "ct(commit,table=19,zone=NXM_NX_REG12[0..15],nat(src=fd00::1))",
    ),
    (
        "ct_dnat_in_czone(10.0.0.12);",
        "ct(commit,table=19,zone=NXM_NX_REG11[0..15],nat(dst=10.0.0.12))",
    ),
    (
        "ct_snat_in_czone;",
        "ct(table=19,zone=NXM_NX_REG11[0..15],nat)",
    ),
    (
        "ct_lb;",
        "ct(table=19,zone=NXM_NX_REG13[0..15],nat)",
    ),
    (
        "ct_lb_mark;",
        "ct(table=19,zone=NXM_NX_REG13[0..15],nat)",
    ),
    (
        "ct_lb_mark(backends=10.0.0.5:8080,10.0.0.6:8080);",
        "group:1",
    ),
    (
        "ct_lb_mark(backends=10.0.0.5,10.0.0.6);",
        "group:1",
    ),
    (
        "ct_lb_mark(backends=[fd00::5]:8080);",
        "group:1",
    ),
    (
        'ct_lb_mark(backends=10.0.0.5:53; hash_fields="ip_dst,ip_src"; force_snat);',
        "group:1",
    ),
    (
        "ct_lb_mark(backends=10.0.0.5:80; skip_snat);",
        "group:1",
    ),
    (
        "ct_lb(10.0.0.5, 10.0.0.6);",
        "group:1",
    ),
    (
        "ct_snat_to_vip;",
        "resubmit(,70)",
    ),
    (
        'clone { outport = "p1"; output; };',
        "clone(load:0x1->NXM_NX_REG15[],resubmit(,37))",
    ),
    (
        'clone {outport = "p1"; output; };',
        "clone(load:0x1->NXM_NX_REG15[],resubmit(,37))",
    ),
    (
        (
            "arp { eth.dst = ff:ff:ff:ff:ff:ff; arp.spa = reg1; arp.tpa = reg0; arp"
            ".op = 1; output; };"
        ),
        (
            "controller(userdata=00.00.00.00.00.00.00.00.00.19.00.10.80.00.06.06.ff"
            ".ff.ff.ff.ff.ff.00.00.00.1c.00.18.00.20.00.40.00.00.00.00.00.01.de.10."
            "80.00.2c.04.00.00.00.00.00.1c.00.18.00.20.00.60.00.00.00.00.00.01.de.1"
            "0.80.00.2e.04.00.00.00.00.00.19.00.10.80.00.2a.02.00.01.00.00.00.00.00"
            ".00.ff.ff.00.10.00.00.23.20.00.0e.ff.f8.25.00.00.00)"
        ),
    ),
    (
        "nd_ns { nd.target = xxreg0; output; };",
        (
            "controller(userdata=00.00.00.09.00.00.00.00.00.1c.00.18.00.80.00.00.00"
            ".00.00.00.00.01.de.10.80.00.3e.10.00.00.00.00.ff.ff.00.10.00.00.23.20."
            "00.0e.ff.f8.25.00.00.00)"
        ),
    ),
    (
        "nd_na { eth.src = 00:00:00:00:00:01; output; };",
        (
            "controller(userdata=00.00.00.03.00.00.00.00.00.19.00.10.80.00.08.06.00"
            ".00.00.00.00.01.00.00.ff.ff.00.10.00.00.23.20.00.0e.ff.f8.25.00.00.00)"
        ),
    ),
    (
        (
            "nd_na_router { eth.src = xreg0[0..47]; ip6.src = nd.target; nd.tll = x"
            "reg0[0..47]; outport = inport; flags.loopback = 1; output; };"
        ),
        (
            "controller(userdata=00.00.00.0c.00.00.00.00.00.1c.00.18.00.30.00.40.00"
            ".00.00.00.00.01.de.10.80.00.08.06.00.00.00.00.00.1c.00.18.00.80.00.00."
            "00.00.00.00.80.00.3e.10.80.00.34.10.00.00.00.00.00.1c.00.18.00.30.00.4"
            "0.00.00.00.00.00.01.de.10.80.00.42.06.00.00.00.00.00.1c.00.18.00.20.00"
            ".00.00.00.00.00.00.01.1c.04.00.01.1e.04.00.00.00.00.00.19.00.10.00.01."
            "15.08.00.00.00.01.00.00.00.01.ff.ff.00.10.00.00.23.20.00.0e.ff.f8.25.0"
            "0.00.00)"
        ),
    ),
    (
        "icmp4 { eth.dst <-> eth.src; icmp4.type = 11; output; };",
        (
            "controller(userdata=00.00.00.0a.00.00.00.00.ff.ff.00.18.00.00.23.20.00"
            ".1b.00.00.00.00.04.06.00.30.00.00.00.00.00.00.ff.ff.00.18.00.00.23.20."
            "00.1b.00.00.00.00.02.06.00.30.00.00.00.00.00.00.ff.ff.00.18.00.00.23.2"
            "0.00.1c.00.00.00.00.04.06.00.30.00.00.00.00.00.00.ff.ff.00.18.00.00.23"
            ".20.00.1c.00.00.00.00.02.06.00.30.00.00.00.00.00.00.00.19.00.10.80.00."
            "26.01.0b.00.00.00.00.00.00.00.ff.ff.00.10.00.00.23.20.00.0e.ff.f8.25.0"
            "0.00.00)"
        ),
    ),
    (
        (
            "icmp4_error { icmp4.type = 3; icmp4.frag_mtu = 1300; next(pipeline=ing"
            "ress, table=0); };"
        ),
        (
            "controller(userdata=00.00.00.0e.00.00.00.00.00.19.00.10.80.00.26.01.03"
            ".00.00.00.00.00.00.00.ff.ff.00.28.00.00.23.20.00.25.00.00.00.00.00.00."
            "00.03.00.0e.00.00.00.0d.00.00.00.00.05.14.00.00.00.04.00.04.00.00.00.0"
            "0.ff.ff.00.10.00.00.23.20.00.0e.ff.f8.08.00.00.00)"
        ),
    ),
    (
        "icmp6 { icmp6.type = 3; output; };",
        (
            "controller(userdata=00.00.00.0a.00.00.00.00.00.19.00.10.80.00.3a.01.03"
            ".00.00.00.00.00.00.00.ff.ff.00.10.00.00.23.20.00.0e.ff.f8.25.00.00.00)"
        ),
    ),
    (
        "icmp6_error { icmp6.type = 2; icmp6.frag_mtu = 1300; output; };",
        (
            "controller(userdata=00.00.00.14.00.00.00.00.00.19.00.10.80.00.3a.01.02"
            ".00.00.00.00.00.00.00.ff.ff.00.28.00.00.23.20.00.25.00.00.00.00.00.00."
            "00.03.00.10.00.00.00.15.00.00.00.00.00.00.05.14.00.04.00.04.00.00.00.0"
            "0.ff.ff.00.10.00.00.23.20.00.0e.ff.f8.25.00.00.00)"
        ),
    ),
    (
        "tcp_reset { eth.dst <-> eth.src; output; };",
        (
            "controller(userdata=00.00.00.0b.00.00.00.00.ff.ff.00.18.00.00.23.20.00"
            ".1b.00.00.00.00.04.06.00.30.00.00.00.00.00.00.ff.ff.00.18.00.00.23.20."
            "00.1b.00.00.00.00.02.06.00.30.00.00.00.00.00.00.ff.ff.00.18.00.00.23.2"
            "0.00.1c.00.00.00.00.04.06.00.30.00.00.00.00.00.00.ff.ff.00.18.00.00.23"
            ".20.00.1c.00.00.00.00.02.06.00.30.00.00.00.00.00.00.ff.ff.00.10.00.00."
            "23.20.00.0e.ff.f8.25.00.00.00)"
        ),
    ),
    (
        "sctp_abort { output; };",
        (
            "controller(userdata=00.00.00.18.00.00.00.00.ff.ff.00.10.00.00.23.20.00"
            ".0e.ff.f8.25.00.00.00)"
        ),
    ),
    (
        "reject { outport <-> inport; next(pipeline=egress,table=5); };",
        (
            "controller(userdata=00.00.00.16.00.00.00.00.ff.ff.00.18.00.00.23.20.00"
            ".1b.00.00.00.01.1c.04.00.20.00.00.00.00.00.00.ff.ff.00.18.00.00.23.20."
            "00.1b.00.00.00.01.1e.04.00.20.00.00.00.00.00.00.ff.ff.00.18.00.00.23.2"
            "0.00.1c.00.00.00.01.1c.04.00.20.00.00.00.00.00.00.ff.ff.00.18.00.00.23"
            ".20.00.1c.00.00.00.01.1e.04.00.20.00.00.00.00.00.00.ff.ff.00.10.00.00."
            "23.20.00.0e.ff.f8.2f.00.00.00)"
        ),
    ),
    (
        "clone { clone { output; }; };",
        "clone(clone(resubmit(,37)))",
    ),
    (
        "get_arp(outport, reg0);",
        (
            "push:NXM_NX_REG0[],push:NXM_NX_XXREG0[96..127],pop:NXM_NX_REG0[],mod_d"
            "l_dst:00:00:00:00:00:00,resubmit(,66),pop:NXM_NX_REG0[]"
        ),
    ),
    (
        "put_arp(inport, arp.spa, arp.sha);",
        (
            "push:NXM_NX_REG0[],push:NXM_OF_ETH_SRC[],push:NXM_NX_ARP_SHA[],push:NX"
            "M_OF_ARP_SPA[],pop:NXM_NX_REG0[],pop:NXM_OF_ETH_SRC[],controller(userd"
            "ata=00.00.00.01.00.00.00.00),pop:NXM_OF_ETH_SRC[],pop:NXM_NX_REG0[]"
        ),
    ),
    (
        "reg9[2] = lookup_arp(inport, arp.spa, arp.sha);",
        (
            "push:NXM_NX_REG0[],push:NXM_OF_ETH_SRC[],push:NXM_NX_ARP_SHA[],push:NX"
            "M_OF_ARP_SPA[],pop:NXM_NX_REG0[],pop:NXM_OF_ETH_SRC[],load:0->NXM_NX_R"
            "EG10[6],resubmit(,67),move:NXM_NX_REG10[6]->OXM_OF_PKT_REG4[2],pop:NXM"
            "_OF_ETH_SRC[],pop:NXM_NX_REG0[]"
        ),
    ),
    (
        "reg9[2] = lookup_arp_ip(inport, arp.spa);",
        (
            "push:NXM_NX_REG15[],push:NXM_NX_REG0[],push:NXM_OF_ARP_SPA[],push:NXM_"
            "NX_REG14[],pop:NXM_NX_REG15[],pop:NXM_NX_REG0[],push:NXM_OF_ETH_DST[],"
            "load:0->NXM_NX_REG10[6],resubmit(,66),move:NXM_NX_REG10[6]->OXM_OF_PKT"
            "_REG4[2],pop:NXM_OF_ETH_DST[],pop:NXM_NX_REG0[],pop:NXM_NX_REG15[]"
        ),
    ),
    (
        "get_nd(outport, xxreg0);",
        "mod_dl_dst:00:00:00:00:00:00,resubmit(,66)",
    ),
    (
        "put_nd(inport, nd.target, nd.tll);",
        (
            "push:NXM_NX_XXREG0[],push:NXM_OF_ETH_SRC[],push:NXM_NX_ND_TLL[],push:N"
            "XM_NX_ND_TARGET[],pop:NXM_NX_XXREG0[],pop:NXM_OF_ETH_SRC[],controller("
            "userdata=00.00.00.04.00.00.00.00),pop:NXM_OF_ETH_SRC[],pop:NXM_NX_XXRE"
            "G0[]"
        ),
    ),
    (
        "reg9[2] = lookup_nd(inport, ip6.src, nd.sll);",
        (
            "push:NXM_NX_XXREG0[],push:NXM_OF_ETH_SRC[],push:NXM_NX_ND_SLL[],push:N"
            "XM_NX_IPV6_SRC[],pop:NXM_NX_XXREG0[],pop:NXM_OF_ETH_SRC[],load:0->NXM_"
            "NX_REG10[6],resubmit(,67),move:NXM_NX_REG10[6]->OXM_OF_PKT_REG4[2],pop"
            ":NXM_OF_ETH_SRC[],pop:NXM_NX_XXREG0[]"
        ),
    ),
    (
        "reg9[2] = lookup_nd_ip(inport, ip6.src);",
        (
            "push:NXM_NX_REG15[],push:NXM_NX_XXREG0[],push:NXM_NX_IPV6_SRC[],push:N"
            "XM_NX_REG14[],pop:NXM_NX_REG15[],pop:NXM_NX_XXREG0[],push:NXM_OF_ETH_D"
            "ST[],load:0->NXM_NX_REG10[6],resubmit(,66),move:NXM_NX_REG10[6]->OXM_O"
            "F_PKT_REG4[2],pop:NXM_OF_ETH_DST[],pop:NXM_NX_XXREG0[],pop:NXM_NX_REG1"
            "5[]"
        ),
    ),
    (
        "outport = get_fdb(eth.dst);",
        "load:0->NXM_NX_REG15[],resubmit(,71)",
    ),
    (
        "put_fdb(inport, eth.src);",
        "controller(userdata=00.00.00.19.00.00.00.00)",
    ),
    (
        "reg0[11] = lookup_fdb(inport, eth.src);",
        "load:0->NXM_NX_REG10[8],resubmit(,72),move:NXM_NX_REG10[8]->NXM_NX_XXREG0[107]",
    ),
    (
        "reg0[15] = check_in_port_sec();",
        "load:0->NXM_NX_REG10[12],resubmit(,73),move:NXM_NX_REG10[12]->NXM_NX_XXREG0[111]",
    ),
    (
        "reg0[15] = check_out_port_sec();",
        "load:0->NXM_NX_REG10[12],resubmit(,75),move:NXM_NX_REG10[12]->NXM_NX_XXREG0[111]",
    ),
    (
        "reg0[6] = chk_lb_hairpin();",
        "load:0->NXM_NX_REG10[7],resubmit(,68),move:NXM_NX_REG10[7]->NXM_NX_XXREG0[102]",
    ),
    (
        "reg0[12] = chk_lb_hairpin_reply();",
        "load:0->NXM_NX_REG10[7],resubmit(,69),move:NXM_NX_REG10[7]->NXM_NX_XXREG0[108]",
    ),
    (
        "reg9[1] = check_pkt_larger(1514);",
        "check_pkt_larger(1514)->OXM_OF_PKT_REG4[1]",
    ),
    (
        "reg9[5] = chk_ecmp_nh_mac();",
        "load:0->NXM_NX_REG10[13],resubmit(,76),move:NXM_NX_REG10[13]->OXM_OF_PKT_REG4[5]",
    ),
    (
        "reg9[5] = chk_ecmp_nh();",
        "load:0->NXM_NX_REG10[13],resubmit(,77),move:NXM_NX_REG10[13]->OXM_OF_PKT_REG4[5]",
    ),
    (
        "reg9[6] = chk_lb_aff();",
        "load:0->NXM_NX_REG10[14],resubmit(,78),move:NXM_NX_REG10[14]->OXM_OF_PKT_REG4[6]",
    ),
    (
        (
            "reg0[3] = put_dhcp_opts(offerip = 10.0.0.11, dns_server = {8.8.8.8}, l"
            "ease_time = 3600, netmask = 255.255.255.0, router = 10.0.0.1, server_i"
            "d = 10.0.0.1);"
        ),
        (
            "controller(userdata=00.00.00.02.00.00.00.00.00.01.de.10.00.00.00.63.0a"
            ".00.00.0b.06.04.08.08.08.08.33.04.00.00.0e.10.01.04.ff.ff.ff.00.03.04."
            "0a.00.00.01.36.04.0a.00.00.01,pause)"
        ),
    ),
    (
        (
            "reg0[3] = put_dhcp_opts(offerip = 10.1.0.5, classless_static_route = {"
            '30.0.0.0/24,10.1.0.4, 0.0.0.0/0,10.1.0.1}, domain_name = "ovn.org");'
        ),
        (
            "controller(userdata=00.00.00.02.00.00.00.00.00.01.de.10.00.00.00.63.0a"
            ".01.00.05.79.0d.18.1e.00.00.0a.01.00.04.00.0a.01.00.01.0f.07.6f.76.6e."
            "2e.6f.72.67,pause)"
        ),
    ),
    (
        (
            "reg0[3] = put_dhcpv6_opts(ia_addr = fd00:1::5, dns_server = {fd00:1::5"
            "3}, server_id = 00:00:00:00:01:01);"
        ),
        (
            "controller(userdata=00.00.00.05.00.00.00.00.00.01.de.10.00.00.00.63.00"
            ".05.00.10.fd.00.00.01.00.00.00.00.00.00.00.00.00.00.00.05.00.17.00.10."
            "fd.00.00.01.00.00.00.00.00.00.00.00.00.00.00.53.00.02.00.06.00.00.00.0"
            "0.01.01,pause)"
        ),
    ),
    (
        (
            'reg0[5] = put_nd_ra_opts(addr_mode = "slaac", slla = 00:00:00:00:01:01'
            ", mtu = 1400, prefix = fd00:1::/64);"
        ),
        (
            "controller(userdata=00.00.00.08.00.00.00.00.00.01.de.10.00.00.00.65.86"
            ".00.00.00.ff.00.ff.ff.00.00.00.00.00.00.00.00.01.01.00.00.00.00.01.01."
            "05.01.00.00.00.00.05.78.03.04.40.c0.ff.ff.ff.ff.ff.ff.ff.ff.00.00.00.0"
            "0.fd.00.00.01.00.00.00.00.00.00.00.00.00.00.00.00,pause)"
        ),
    ),
    (
        "reg0[4] = dns_lookup();",
        "controller(userdata=00.00.00.06.00.00.00.00.00.01.de.10.00.00.00.64,pause)",
    ),
    (
        "handle_svc_check(inport);",
        "controller(userdata=00.00.00.12.00.00.00.00)",
    ),
    (
        "handle_dhcpv6_reply;",
        "controller(userdata=00.00.00.13.00.00.00.00)",
    ),
    (
        "handle_bfd_msg();",
        "controller(userdata=00.00.00.17.00.00.00.00)",
    ),
    (
        "igmp;",
        "controller(userdata=00.00.00.10.00.00.00.00)",
    ),
    (
        'bind_vport("vip", inport);',
        "controller(userdata=00.00.00.11.00.00.00.00.00.00.00.09)",
    ),
    (
        'log(name="acl1", severity=alert, verdict=drop, meter="m1");',
        "controller(userdata=00.00.00.07.00.00.00.00.01.01.61.63.6c.31,meter_id=1)",
    ),
    (
        "log(severity=info, verdict=allow);",
        "controller(userdata=00.00.00.07.00.00.00.00.00.06)",
    ),
    (
        (
            'trigger_event(event = "empty_lb_backends", vip = "30.0.0.5:80", protoc'
            'ol = "tcp", load_balancer = "c0f71323-c4a7-4261-8a42-a39c5c38abfa");'
        ),
        (
            "controller(userdata=00.00.00.0f.00.00.00.00.00.00.00.00.00.01.00.0b.33"
            ".30.2e.30.2e.30.2e.35.3a.38.30.00.02.00.03.74.63.70.00.03.00.24.63.30."
            "66.37.31.33.32.33.2d.63.34.61.37.2d.34.32.36.31.2d.38.61.34.32.2d.61.3"
            "3.39.63.35.63.33.38.61.62.66.61)"
        ),
    ),
    (
        "set_queue(10);",
        "set_queue:10",
    ),
    (
        "set_meter(100);",
        "meter:1",
    ),
    (
        "set_meter(100, 1000);",
        "meter:1",
    ),
    (
        "reg8[16..31] = select(1, 2);",
        "group:1",
    ),
    (
        "reg8[16..31] = select(1=20, 2=30, 3=50);",
        "group:1",
    ),
    (
        'fwd_group(liveness="true", childports="p1", "p2");',
        "group:1",
    ),
    (
        'fwd_group(childports="p1");',
        "group:1",
    ),
    (
        ('commit_lb_aff(vip = "30.0.0.6:80", backend = "10.1.0.5:80", proto = tcp, timeout = 60);'),
        (
            "learn(table=78,idle_timeout=60,delete_learned,OXM_OF_METADATA[],eth_ty"
            "pe=0x800,NXM_OF_IP_SRC[],ip_dst=30.0.0.6,nw_proto=6,tcp_dst=80,load:0x"
            "1->NXM_NX_REG10[14],load:0xa010005->NXM_NX_REG4[],load:0x50->NXM_NX_RE"
            "G8[0..15])"
        ),
    ),
    (
        "commit_ecmp_nh(ipv6 = false, proto = tcp);",
        (
            "learn(table=76,idle_timeout=20,hard_timeout=30,delete_learned,OXM_OF_M"
            "ETADATA[],NXM_OF_ETH_SRC[],eth_type=0x800,NXM_OF_IP_SRC[],NXM_OF_IP_DS"
            "T[],nw_proto=6,NXM_OF_TCP_SRC[],NXM_OF_TCP_DST[],load:0x1->NXM_NX_REG1"
            "0[13]),learn(table=77,idle_timeout=20,hard_timeout=30,delete_learned,O"
            "XM_OF_METADATA[],eth_type=0x800,NXM_OF_IP_SRC[]=NXM_OF_IP_DST[],NXM_OF"
            "_IP_DST[]=NXM_OF_IP_SRC[],nw_proto=6,NXM_OF_TCP_SRC[]=NXM_OF_TCP_DST[]"
            ",NXM_OF_TCP_DST[]=NXM_OF_TCP_SRC[],load:0x1->NXM_NX_REG10[13])"
        ),
    ),
    (
        "sample(probability=100,collector_set=1,obs_domain=2,obs_point=3);",
        "sample(probability=100,collector_set_id=1,obs_domain_id=33554433,obs_point_id=3)",
    ),
    (
        "ct_lb_mark(backends=fd00::5:80);",
        "group:1",
    ),
    (
        "clone { output; };",
        "clone(resubmit(,37))",
    ),
]


def _context() -> CompileContext:
    return CompileContext(datapath_key=1, table_id=10, ports={"p1": 1, "vm1": 3, "p2": 2, "vip": 9})


@pytest.mark.parametrize(("text", "expected"), ACTION_OPENFLOW)
def test_action_compiles_to_openflow(text: str, expected: str) -> None:
    assert format_actions(parse_actions(text)) == text
    assert render_actions(compile_actions(text, _context())) == expected


def test_every_action_keyword_has_a_row() -> None:
    from pyovn.lflow.action_parser import ACTIONS, RESULT_ACTIONS

    texts = " ".join(text for text, _ in ACTION_OPENFLOW)
    assert [name for name in [*ACTIONS, *RESULT_ACTIONS] if name not in texts] == []


@pytest.mark.parametrize(
    ("text", "group"),
    [
        (
            "ct_lb_mark(backends=10.0.0.5:8080,10.0.0.6:8080);",
            "type=select,selection_method=dp_hash,"
            "bucket=bucket_id:0,weight:100,actions=ct(commit,table=19,"
            "zone=NXM_NX_REG13[0..15],nat(dst=10.0.0.5:8080),exec(set_field:0x2/0x2->ct_mark)),"
            "bucket=bucket_id:1,weight:100,actions=ct(commit,table=19,"
            "zone=NXM_NX_REG13[0..15],nat(dst=10.0.0.6:8080),exec(set_field:0x2/0x2->ct_mark))",
        ),
        (
            'ct_lb(backends=[fd00::5]:80; hash_fields="ip_dst,ip_src"; skip_snat);',
            "type=select,selection_method=hash,fields(ip_src,ip_dst),"
            "bucket=bucket_id:0,weight:100,actions=ct(commit,table=19,"
            "zone=NXM_NX_REG13[0..15],nat(dst=[fd00::5]:80),"
            "exec(set_field:0x2/0x2->ct_label,set_field:0x4/0x4->ct_label))",
        ),
        (
            "reg8[16..31] = select(1=20, 2);",
            "type=select,selection_method=dp_hash,selection_method_param=4294967296,"
            "bucket=bucket_id:0,weight:20,actions="
            "set_field:0x1000000000000/0xffff000000000000->xreg4,resubmit(,19),"
            "bucket=bucket_id:1,weight:100,actions="
            "set_field:0x2000000000000/0xffff000000000000->xreg4,resubmit(,19)",
        ),
    ],
)
def test_group_specs(text: str, group: str) -> None:
    from pyovn.lflow import compile_flow

    result = compile_flow("1", text, priority=0, ctx=_context())
    assert dict(result.groups) == {1: group}
    assert result.flows[0].actions == "group:1"


def test_router_zones_and_ct_zero_snat() -> None:
    ctx = CompileContext(datapath_key=4, table_id=7, is_switch=False, ct_zero_snat=False)
    assert render_actions(compile_actions("ct_next;", ctx)) == (
        "ct(table=16,zone=NXM_NX_REG11[0..15])"
    )
    assert render_actions(compile_actions("ct_commit { };", ctx)) == (
        "ct(commit,zone=NXM_NX_REG11[0..15])"
    )
    assert render_actions(compile_actions("ct_snat;", ctx)) == (
        "ct(table=16,zone=NXM_NX_REG12[0..15],nat)"
    )


def test_egress_output_goes_to_table_64() -> None:
    ctx = CompileContext(datapath_key=1, pipeline="egress", table_id=9)
    assert render_actions(compile_actions("output;", ctx)) == "resubmit(,64)"
    assert render_actions(compile_actions("next;", ctx)) == "resubmit(,52)"
    assert render_actions(compile_actions("next(pipeline=ingress, table=0);", ctx)) == (
        "resubmit(,8)"
    )


def test_action_prerequisites_join_the_match() -> None:
    from pyovn.lflow import compile_flow

    ctx = CompileContext(datapath_key=1)
    flows = compile_flow("1", "tcp.dst = 80; next;", priority=0, ctx=ctx).flows
    assert sorted(f.match for f in flows) == ["tcp,metadata=0x1", "tcp6,metadata=0x1"]
    flows = compile_flow("1", "ct_commit { };", priority=0, ctx=ctx).flows
    assert sorted(f.match for f in flows) == ["ip,metadata=0x1", "ipv6,metadata=0x1"]
    flows = compile_flow("1", "arp { output; };", priority=0, ctx=ctx).flows
    assert [f.match for f in flows] == ["ip,metadata=0x1"]
    # Fields inside nested bodies do not add prerequisites (as in OVN).
    flows = compile_flow("1", "clone { tcp.dst = 80; };", priority=0, ctx=ctx).flows
    assert [f.match for f in flows] == ["metadata=0x1"]
