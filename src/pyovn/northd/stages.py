"""THE table of logical pipeline stages, exactly as OVN 23.03 numbers them.

northd stamps `table_id`/`stage-name` from it, the controller maps a stage to
its OpenFlow table (8 + ingress index, 42 + egress index) and the tracer
names what it walks through. Nothing else hard-codes a table number.
"""

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "LR_IN",
    "LR_OUT",
    "LS_IN",
    "LS_OUT",
    "STAGES",
    "Pipeline",
    "Stage",
    "stage_by_name",
    "stages_of",
]


class Pipeline(Enum):
    """A logical pipeline: datapath kind and direction."""

    LS_IN = ("switch", "ingress")
    LS_OUT = ("switch", "egress")
    LR_IN = ("router", "ingress")
    LR_OUT = ("router", "egress")

    @property
    def datapath_kind(self) -> str:
        return self.value[0]

    @property
    def direction(self) -> str:
        return self.value[1]


LS_IN = Pipeline.LS_IN
LS_OUT = Pipeline.LS_OUT
LR_IN = Pipeline.LR_IN
LR_OUT = Pipeline.LR_OUT


@dataclass(frozen=True, slots=True)
class Stage:
    pipeline: Pipeline
    table: int
    name: str
    direction: str = ""

    def __post_init__(self) -> None:
        # A plain attribute: flow keys read it for every flow.
        object.__setattr__(self, "direction", self.pipeline.direction)

    def __str__(self) -> str:
        return self.name


_NAMES: dict[Pipeline, tuple[str, ...]] = {
    LS_IN: (
        "ls_in_check_port_sec",
        "ls_in_apply_port_sec",
        "ls_in_lookup_fdb",
        "ls_in_put_fdb",
        "ls_in_pre_acl",
        "ls_in_pre_lb",
        "ls_in_pre_stateful",
        "ls_in_acl_hint",
        "ls_in_acl",
        "ls_in_qos_mark",
        "ls_in_qos_meter",
        "ls_in_lb_aff_check",
        "ls_in_lb",
        "ls_in_lb_aff_learn",
        "ls_in_pre_hairpin",
        "ls_in_nat_hairpin",
        "ls_in_hairpin",
        "ls_in_acl_after_lb",
        "ls_in_stateful",
        "ls_in_arp_rsp",
        "ls_in_dhcp_options",
        "ls_in_dhcp_response",
        "ls_in_dns_lookup",
        "ls_in_dns_response",
        "ls_in_external_port",
        "ls_in_l2_lkup",
        "ls_in_l2_unknown",
    ),
    LS_OUT: (
        "ls_out_pre_acl",
        "ls_out_pre_lb",
        "ls_out_pre_stateful",
        "ls_out_acl_hint",
        "ls_out_acl",
        "ls_out_qos_mark",
        "ls_out_qos_meter",
        "ls_out_stateful",
        "ls_out_check_port_sec",
        "ls_out_apply_port_sec",
    ),
    LR_IN: (
        "lr_in_admission",
        "lr_in_lookup_neighbor",
        "lr_in_learn_neighbor",
        "lr_in_ip_input",
        "lr_in_unsnat",
        "lr_in_defrag",
        "lr_in_lb_aff_check",
        "lr_in_dnat",
        "lr_in_lb_aff_learn",
        "lr_in_ecmp_stateful",
        "lr_in_nd_ra_options",
        "lr_in_nd_ra_response",
        "lr_in_ip_routing_pre",
        "lr_in_ip_routing",
        "lr_in_ip_routing_ecmp",
        "lr_in_policy",
        "lr_in_policy_ecmp",
        "lr_in_arp_resolve",
        "lr_in_chk_pkt_len",
        "lr_in_larger_pkts",
        "lr_in_gw_redirect",
        "lr_in_arp_request",
    ),
    LR_OUT: (
        "lr_out_chk_dnat_local",
        "lr_out_undnat",
        "lr_out_post_undnat",
        "lr_out_snat",
        "lr_out_post_snat",
        "lr_out_egr_loop",
        "lr_out_delivery",
    ),
}

STAGES: tuple[Stage, ...] = tuple(
    Stage(pipeline, index, name)
    for pipeline, names in _NAMES.items()
    for index, name in enumerate(names)
)
_BY_NAME = {stage.name: stage for stage in STAGES}


def stage_by_name(name: str) -> Stage:
    """The stage called `name` (KeyError if OVN has no such stage)."""
    return _BY_NAME[name]


def stages_of(pipeline: Pipeline) -> tuple[Stage, ...]:
    return tuple(s for s in STAGES if s.pipeline is pipeline)


# Stage constants under OVN's names, for builders (typed, unlike a globals() loop).
LS_IN_CHECK_PORT_SEC = _BY_NAME["ls_in_check_port_sec"]
LS_IN_APPLY_PORT_SEC = _BY_NAME["ls_in_apply_port_sec"]
LS_IN_LOOKUP_FDB = _BY_NAME["ls_in_lookup_fdb"]
LS_IN_PUT_FDB = _BY_NAME["ls_in_put_fdb"]
LS_IN_PRE_ACL = _BY_NAME["ls_in_pre_acl"]
LS_IN_PRE_LB = _BY_NAME["ls_in_pre_lb"]
LS_IN_PRE_STATEFUL = _BY_NAME["ls_in_pre_stateful"]
LS_IN_ACL_HINT = _BY_NAME["ls_in_acl_hint"]
LS_IN_ACL = _BY_NAME["ls_in_acl"]
LS_IN_QOS_MARK = _BY_NAME["ls_in_qos_mark"]
LS_IN_QOS_METER = _BY_NAME["ls_in_qos_meter"]
LS_IN_LB_AFF_CHECK = _BY_NAME["ls_in_lb_aff_check"]
LS_IN_LB = _BY_NAME["ls_in_lb"]
LS_IN_LB_AFF_LEARN = _BY_NAME["ls_in_lb_aff_learn"]
LS_IN_PRE_HAIRPIN = _BY_NAME["ls_in_pre_hairpin"]
LS_IN_NAT_HAIRPIN = _BY_NAME["ls_in_nat_hairpin"]
LS_IN_HAIRPIN = _BY_NAME["ls_in_hairpin"]
LS_IN_ACL_AFTER_LB = _BY_NAME["ls_in_acl_after_lb"]
LS_IN_STATEFUL = _BY_NAME["ls_in_stateful"]
LS_IN_ARP_RSP = _BY_NAME["ls_in_arp_rsp"]
LS_IN_DHCP_OPTIONS = _BY_NAME["ls_in_dhcp_options"]
LS_IN_DHCP_RESPONSE = _BY_NAME["ls_in_dhcp_response"]
LS_IN_DNS_LOOKUP = _BY_NAME["ls_in_dns_lookup"]
LS_IN_DNS_RESPONSE = _BY_NAME["ls_in_dns_response"]
LS_IN_EXTERNAL_PORT = _BY_NAME["ls_in_external_port"]
LS_IN_L2_LKUP = _BY_NAME["ls_in_l2_lkup"]
LS_IN_L2_UNKNOWN = _BY_NAME["ls_in_l2_unknown"]
LS_OUT_PRE_ACL = _BY_NAME["ls_out_pre_acl"]
LS_OUT_PRE_LB = _BY_NAME["ls_out_pre_lb"]
LS_OUT_PRE_STATEFUL = _BY_NAME["ls_out_pre_stateful"]
LS_OUT_ACL_HINT = _BY_NAME["ls_out_acl_hint"]
LS_OUT_ACL = _BY_NAME["ls_out_acl"]
LS_OUT_QOS_MARK = _BY_NAME["ls_out_qos_mark"]
LS_OUT_QOS_METER = _BY_NAME["ls_out_qos_meter"]
LS_OUT_STATEFUL = _BY_NAME["ls_out_stateful"]
LS_OUT_CHECK_PORT_SEC = _BY_NAME["ls_out_check_port_sec"]
LS_OUT_APPLY_PORT_SEC = _BY_NAME["ls_out_apply_port_sec"]
LR_IN_ADMISSION = _BY_NAME["lr_in_admission"]
LR_IN_LOOKUP_NEIGHBOR = _BY_NAME["lr_in_lookup_neighbor"]
LR_IN_LEARN_NEIGHBOR = _BY_NAME["lr_in_learn_neighbor"]
LR_IN_IP_INPUT = _BY_NAME["lr_in_ip_input"]
LR_IN_UNSNAT = _BY_NAME["lr_in_unsnat"]
LR_IN_DEFRAG = _BY_NAME["lr_in_defrag"]
LR_IN_LB_AFF_CHECK = _BY_NAME["lr_in_lb_aff_check"]
LR_IN_DNAT = _BY_NAME["lr_in_dnat"]
LR_IN_LB_AFF_LEARN = _BY_NAME["lr_in_lb_aff_learn"]
LR_IN_ECMP_STATEFUL = _BY_NAME["lr_in_ecmp_stateful"]
LR_IN_ND_RA_OPTIONS = _BY_NAME["lr_in_nd_ra_options"]
LR_IN_ND_RA_RESPONSE = _BY_NAME["lr_in_nd_ra_response"]
LR_IN_IP_ROUTING_PRE = _BY_NAME["lr_in_ip_routing_pre"]
LR_IN_IP_ROUTING = _BY_NAME["lr_in_ip_routing"]
LR_IN_IP_ROUTING_ECMP = _BY_NAME["lr_in_ip_routing_ecmp"]
LR_IN_POLICY = _BY_NAME["lr_in_policy"]
LR_IN_POLICY_ECMP = _BY_NAME["lr_in_policy_ecmp"]
LR_IN_ARP_RESOLVE = _BY_NAME["lr_in_arp_resolve"]
LR_IN_CHK_PKT_LEN = _BY_NAME["lr_in_chk_pkt_len"]
LR_IN_LARGER_PKTS = _BY_NAME["lr_in_larger_pkts"]
LR_IN_GW_REDIRECT = _BY_NAME["lr_in_gw_redirect"]
LR_IN_ARP_REQUEST = _BY_NAME["lr_in_arp_request"]
LR_OUT_CHK_DNAT_LOCAL = _BY_NAME["lr_out_chk_dnat_local"]
LR_OUT_UNDNAT = _BY_NAME["lr_out_undnat"]
LR_OUT_POST_UNDNAT = _BY_NAME["lr_out_post_undnat"]
LR_OUT_SNAT = _BY_NAME["lr_out_snat"]
LR_OUT_POST_SNAT = _BY_NAME["lr_out_post_snat"]
LR_OUT_EGR_LOOP = _BY_NAME["lr_out_egr_loop"]
LR_OUT_DELIVERY = _BY_NAME["lr_out_delivery"]
