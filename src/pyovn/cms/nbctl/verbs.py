"""ovn-nbctl's verbs: arity, options, how each builds its command through
`NbApi`, and how its result prints (ovn-nbctl 23.03's exact text)."""

from typing import Any

from pyovn.cms.api.backend import Backend, TxnResult
from pyovn.cms.ctl.argv import UNLIMITED, Invocation, ParsedCommand, Verb
from pyovn.cms.ctl.db_verbs import DB_VERBS, lines, uuid_and_name
from pyovn.cms.ctl.runner import GlobalOption, Tool
from pyovn.cms.errors import UsageError
from pyovn.cms.nbctl.api import NB_CFG, NB_ROW_IDS, NB_WAITS, NbApi
from pyovn.cms.nbctl.routes import RouteLine

__all__ = ["NBCTL", "NB_VERBS"]

Api = NbApi
P = ParsedCommand


def _rows(command: Any, inv: Invocation) -> str:
    return uuid_and_name(command.result)


def _text(command: Any, inv: Invocation) -> str:
    return str(command.result)


def _port_column(column: str) -> Any:
    def show(command: Any, inv: Invocation) -> str:
        port, _ = command.result
        value = port[column]
        if isinstance(value, dict):
            return lines(f"{k}={v}" for k, v in sorted(value.items()))
        if isinstance(value, frozenset):
            return lines(sorted(value))
        return lines([value])

    return show


def _lsp_up(command: Any, inv: Invocation) -> str:
    port, _ = command.result
    return "up\n" if True in port["up"] else "down\n"


def _enabled(command: Any, inv: Invocation) -> str:
    port = command.result[0]
    return "disabled\n" if False in port["enabled"] else "enabled\n"


def _lsp_ls(command: Any, inv: Invocation) -> str:
    _, switch = command.result
    return f"{switch.uuid} ({switch.name})\n"


def _lsp_dhcp(command: Any, inv: Invocation) -> str:
    _, options = command.result
    return f"{options.uuid} ({options['cidr']})\n" if options is not None else ""


def _gateway_chassis(command: Any, inv: Invocation) -> str:
    _, chassis = command.result
    return lines(f"{c['name']} {c['priority']:5d}" for c in chassis)


def _routes(command: Any, inv: Invocation) -> str:
    out: list[str] = []
    groups: dict[tuple[int, str], list[RouteLine]] = command.result
    for version in (4, 6):
        tables = [(key[1], rows) for key, rows in groups.items() if key[0] == version]
        if not tables:
            continue
        if out:
            out.append("")
        out.append(f"IPv{version} Routes")
        for index, (table, rows) in enumerate(tables):
            out.append(f"{'' if index == 0 else chr(10)}Route Table {table or '<main>'}:")
            out.extend(_route_line(line) for line in rows)
    return lines(out)


def _route_line(line: RouteLine) -> str:
    route = line.route
    text = f"{route['ip_prefix']:>25} {route['nexthop']:>25}"
    text += " " + next(iter(route["policy"]), "dst-ip")
    for port in sorted(route["output_port"]):
        text += f" {port}"
    if route["external_ids"].get("ic-learned-route"):
        text += " (learned)"
    if line.ecmp:
        text += " ecmp"
    if route["options"].get("ecmp_symmetric_reply") == "true":
        text += " ecmp-symmetric-reply"
    if route["bfd"]:
        text += " bfd"
    return text


def _nats(command: Any, inv: Invocation) -> str:
    header = (
        f"{'TYPE':<17}{'GATEWAY_PORT':<22}{'EXTERNAL_IP':<19}{'EXTERNAL_PORT':<17}"
        f"{'LOGICAL_IP':<20}{'EXTERNAL_MAC':<21}LOGICAL_PORT"
    )
    rows = []
    for nat, gateway in command.result:
        mac = next(iter(nat["external_mac"]), "")
        port = next(iter(nat["logical_port"]), "")
        text = (
            f"{nat['type'][:13]:<17}{gateway[:18]:<22}{nat['external_ip']:<19}"
            f"{nat['external_port_range'][:13]:<17}{nat['logical_ip'][:16]:<20}"
            f"{mac[:17]:<21}{port}"
        )
        rows.append(text.rstrip())
    return lines([header, *sorted(rows)]) if rows else ""


def _acls(command: Any, inv: Invocation) -> str:
    out = []
    for acl in command.result:
        text = f"{acl['direction']:>10} {acl['priority']:5d} ({acl['match']}) {acl['action']}"
        if acl["log"]:
            parts = [f"name={n}" for n in acl["name"]]
            parts += [f"severity={s}" for s in acl["severity"]]
            parts += [f'meter="{m}"' for m in acl["meter"]]
            text += f" log({','.join(parts)})"
        if acl["label"]:
            text += f" label={acl['label']}"
        if acl["options"].get("apply-after-lb") == "true":
            text += " [after-lb]"
        out.append(text)
    return lines(out)


def _dhcp_list(command: Any, inv: Invocation) -> str:
    return lines(row.uuid for row in command.result)


def _dhcp_options(command: Any, inv: Invocation) -> str:
    return lines(f"{k}={v}" for k, v in sorted(command.result["options"].items()))


def _static_macs(command: Any, inv: Invocation) -> str:
    rows = [f"{r['logical_port']:<25}{r['ip']:<25}{r['mac']}" for r in command.result]
    return lines([f"{'LOGICAL_PORT':<25}{'IP':<25}MAC", *rows]) if rows else ""


def _wait_report(backend: Backend, result: TxnResult, wait: str) -> str:
    """--print-wait-time: northd's (and the chassis') delays after the commit, in ms."""
    start = int(result.started * 1000)
    row = next(iter(backend.replica.tables["NB_Global"].rows.values()))
    lines_ = [
        f"Time spent on processing nb_cfg {result.cfg}:",
        f"\tovn-northd delay before processing:\t{row['nb_cfg_timestamp'] - start}ms",
        f"\tovn-northd completion:\t\t\t{row['sb_cfg_timestamp'] - start}ms",
    ]
    if wait == "hv":
        lines_.append(f"\tovn-controller(s) completion:\t\t{row['hv_cfg_timestamp'] - start}ms")
    return lines(lines_)


def _opt(p: P, name: str) -> Any:
    return p.value(name) if p.has(name) else None


def _lsp_add(p: P, api: Api) -> Any:
    if len(p.args) == 3:
        raise UsageError("lsp-add with parent must also specify a tag")
    parent, tag = (p.args[2], p.args[3]) if len(p.args) == 4 else (None, None)
    return api.lsp_add(p.args[0], p.args[1], parent, tag, p.has("--may-exist"))


def _lr_route_add(p: P, api: Api) -> Any:
    bfd: str | bool | None = p.value("--bfd") if p.value("--bfd") else p.has("--bfd")
    return api.lr_route_add(
        *p.args,
        policy=_opt(p, "--policy"),
        ecmp=p.has("--ecmp"),
        ecmp_symmetric_reply=p.has("--ecmp-symmetric-reply"),
        may_exist=p.has("--may-exist"),
        bfd=bfd,
        route_table=_opt(p, "--route-table"),
    )


def _lr_nat_add(p: P, api: Api) -> Any:
    args = list(p.args)
    port_range = args.pop() if p.has("--portrange") and len(args) in (5, 7) else None
    if len(args) not in (4, 6):
        raise UsageError("lr-nat-add with logical_port must also specify external_mac.")
    return api.lr_nat_add(
        *args,
        may_exist=p.has("--may-exist"),
        stateless=p.has("--stateless"),
        gateway_port=_opt(p, "--gateway-port"),
        port_range=port_range,
        add_route=p.has("--add-route"),
    )


def _acl_add(p: P, api: Api) -> Any:
    return api.acl_add(
        *p.args,
        type=_opt(p, "--type"),
        log=p.has("--log"),
        meter=_opt(p, "--meter"),
        severity=_opt(p, "--severity"),
        name=_opt(p, "--name"),
        label=_opt(p, "--label"),
        may_exist=p.has("--may-exist"),
        apply_after_lb=p.has("--apply-after-lb"),
    )


def _acl_del(p: P, api: Api) -> Any:
    args: list[str | None] = [*p.args, *([None] * (4 - len(p.args)))]
    return api.acl_del(p.args[0], args[1], args[2], args[3], type_=_opt(p, "--type"))


_VERBS = (
    Verb("init", 0, 0, (), lambda p, api: api.init()),
    Verb("sync", 0, 0, (), lambda p, api: api.sync()),
    Verb("show", 0, 1, (), lambda p, api: api.show(*p.args), _text),
    Verb(
        "ls-add",
        0,
        1,
        ("--may-exist", "--add-duplicate"),
        lambda p, api: api.ls_add(
            *p.args, may_exist=p.has("--may-exist"), add_duplicate=p.has("--add-duplicate")
        ),
    ),
    Verb("ls-del", 1, 1, ("--if-exists",), lambda p, a: a.ls_del(p.args[0], p.has("--if-exists"))),
    Verb("ls-list", 0, 0, (), lambda p, api: api.ls_list(), _rows),
    Verb("lsp-add", 2, 4, ("--may-exist",), _lsp_add),
    Verb(
        "lsp-del", 1, 1, ("--if-exists",), lambda p, a: a.lsp_del(p.args[0], p.has("--if-exists"))
    ),
    Verb("lsp-list", 1, 1, (), lambda p, api: api.lsp_list(p.args[0]), _rows),
    Verb(
        "lsp-set-addresses",
        1,
        UNLIMITED,
        (),
        lambda p, api: api.lsp_set_addresses(p.args[0], p.args[1:]),
    ),
    Verb(
        "lsp-get-addresses",
        1,
        1,
        (),
        lambda p, api: api.lsp_get(p.args[0]),
        _port_column("addresses"),
    ),
    Verb(
        "lsp-set-port-security",
        1,
        UNLIMITED,
        (),
        lambda p, api: api.lsp_set_port_security(p.args[0], p.args[1:]),
    ),
    Verb(
        "lsp-get-port-security",
        1,
        1,
        (),
        lambda p, api: api.lsp_get(p.args[0]),
        _port_column("port_security"),
    ),
    Verb("lsp-get-up", 1, 1, (), lambda p, api: api.lsp_get(p.args[0]), _lsp_up),
    Verb("lsp-set-enabled", 2, 2, (), lambda p, api: api.lsp_set_enabled(*p.args)),
    Verb("lsp-get-enabled", 1, 1, (), lambda p, api: api.lsp_get(p.args[0]), _enabled),
    Verb("lsp-set-type", 2, 2, (), lambda p, api: api.lsp_set_type(*p.args)),
    Verb("lsp-get-type", 1, 1, (), lambda p, api: api.lsp_get(p.args[0]), _port_column("type")),
    Verb(
        "lsp-set-options",
        1,
        UNLIMITED,
        (),
        lambda p, api: api.lsp_set_options(p.args[0], p.args[1:]),
    ),
    Verb(
        "lsp-get-options", 1, 1, (), lambda p, api: api.lsp_get(p.args[0]), _port_column("options")
    ),
    Verb("lsp-set-dhcpv4-options", 1, 2, (), lambda p, api: api.lsp_set_dhcpv4_options(*p.args)),
    Verb(
        "lsp-get-dhcpv4-options",
        1,
        1,
        (),
        lambda p, api: api.lsp_get(p.args[0], "dhcpv4_options"),
        _lsp_dhcp,
    ),
    Verb("lsp-set-dhcpv6-options", 1, 2, (), lambda p, api: api.lsp_set_dhcpv6_options(*p.args)),
    Verb(
        "lsp-get-dhcpv6-options",
        1,
        1,
        (),
        lambda p, api: api.lsp_get(p.args[0], "dhcpv6_options"),
        _lsp_dhcp,
    ),
    Verb("lsp-get-ls", 1, 1, (), lambda p, api: api.lsp_get(p.args[0], "ls"), _lsp_ls),
    Verb(
        "lsp-get-parent",
        1,
        1,
        (),
        lambda p, api: api.lsp_get(p.args[0]),
        _port_column("parent_name"),
    ),
    Verb("lsp-get-tag", 1, 1, (), lambda p, api: api.lsp_get(p.args[0]), _port_column("tag")),
    Verb(
        "lr-add",
        0,
        1,
        ("--may-exist", "--add-duplicate"),
        lambda p, api: api.lr_add(
            *p.args, may_exist=p.has("--may-exist"), add_duplicate=p.has("--add-duplicate")
        ),
    ),
    Verb("lr-del", 1, 1, ("--if-exists",), lambda p, a: a.lr_del(p.args[0], p.has("--if-exists"))),
    Verb("lr-list", 0, 0, (), lambda p, api: api.lr_list(), _rows),
    Verb(
        "lrp-add",
        4,
        UNLIMITED,
        ("--may-exist",),
        lambda p, api: api.lrp_add(*p.args[:3], p.args[3:], may_exist=p.has("--may-exist")),
    ),
    Verb(
        "lrp-del", 1, 1, ("--if-exists",), lambda p, a: a.lrp_del(p.args[0], p.has("--if-exists"))
    ),
    Verb("lrp-list", 1, 1, (), lambda p, api: api.lrp_list(p.args[0]), _rows),
    Verb("lrp-set-enabled", 2, 2, (), lambda p, api: api.lrp_set_enabled(*p.args)),
    Verb("lrp-get-enabled", 1, 1, (), lambda p, api: api.lrp_get(p.args[0]), _enabled),
    Verb("lrp-set-gateway-chassis", 2, 3, (), lambda p, a: a.lrp_set_gateway_chassis(*p.args)),
    Verb("lrp-del-gateway-chassis", 2, 2, (), lambda p, a: a.lrp_del_gateway_chassis(*p.args)),
    Verb("lrp-get-gateway-chassis", 1, 1, (), lambda p, a: a.lrp_get(p.args[0]), _gateway_chassis),
    Verb(
        "lr-route-add",
        3,
        4,
        (
            "--may-exist",
            "--ecmp",
            "--ecmp-symmetric-reply",
            "--policy=",
            "--route-table=",
            "--bfd=?",
        ),
        _lr_route_add,
    ),
    Verb(
        "lr-route-del",
        1,
        4,
        ("--if-exists", "--policy=", "--route-table="),
        lambda p, api: api.lr_route_del(
            *p.args,
            policy=_opt(p, "--policy"),
            route_table=_opt(p, "--route-table"),
            if_exists=p.has("--if-exists"),
        ),
    ),
    Verb(
        "lr-route-list",
        1,
        1,
        ("--route-table=",),
        lambda p, api: api.lr_route_list(p.args[0], _opt(p, "--route-table")),
        _routes,
    ),
    Verb(
        "lr-nat-add",
        4,
        7,
        ("--may-exist", "--stateless", "--portrange", "--add-route", "--gateway-port="),
        _lr_nat_add,
    ),
    Verb(
        "lr-nat-del",
        1,
        4,
        ("--if-exists",),
        lambda p, api: api.lr_nat_del(*p.args, if_exists=p.has("--if-exists")),
    ),
    Verb("lr-nat-list", 1, 1, (), lambda p, api: api.lr_nat_list(p.args[0]), _nats),
    Verb(
        "lb-add",
        3,
        4,
        ("--may-exist", "--add-duplicate", "--reject", "--event"),
        lambda p, api: api.lb_add(
            *p.args,
            may_exist=p.has("--may-exist"),
            add_duplicate=p.has("--add-duplicate"),
            reject=p.has("--reject"),
            event=p.has("--event"),
        ),
    ),
    Verb(
        "lb-del",
        1,
        2,
        ("--if-exists",),
        lambda p, a: a.lb_del(*p.args, if_exists=p.has("--if-exists")),
    ),
    Verb(
        "ls-lb-add",
        2,
        2,
        ("--may-exist",),
        lambda p, a: a.ls_lb_add(*p.args, may_exist=p.has("--may-exist")),
    ),
    Verb(
        "ls-lb-del",
        1,
        2,
        ("--if-exists",),
        lambda p, a: a.ls_lb_del(*p.args, if_exists=p.has("--if-exists")),
    ),
    Verb(
        "lr-lb-add",
        2,
        2,
        ("--may-exist",),
        lambda p, a: a.lr_lb_add(*p.args, may_exist=p.has("--may-exist")),
    ),
    Verb(
        "lr-lb-del",
        1,
        2,
        ("--if-exists",),
        lambda p, a: a.lr_lb_del(*p.args, if_exists=p.has("--if-exists")),
    ),
    Verb(
        "acl-add",
        5,
        5,
        (
            "--log",
            "--may-exist",
            "--type=",
            "--name=",
            "--severity=",
            "--meter=",
            "--label=",
            "--apply-after-lb",
        ),
        _acl_add,
    ),
    Verb("acl-del", 1, 4, ("--type=",), _acl_del),
    Verb(
        "acl-list",
        1,
        1,
        ("--type=",),
        lambda p, api: api.acl_list(p.args[0], _opt(p, "--type")),
        _acls,
    ),
    Verb("pg-add", 1, UNLIMITED, (), lambda p, api: api.pg_add(p.args[0], p.args[1:])),
    Verb("pg-set-ports", 2, UNLIMITED, (), lambda p, a: a.pg_set_ports(p.args[0], p.args[1:])),
    Verb("pg-del", 1, 1, (), lambda p, api: api.pg_del(p.args[0])),
    Verb(
        "dhcp-options-create",
        1,
        UNLIMITED,
        (),
        lambda p, api: api.dhcp_options_create(p.args[0], p.args[1:]),
    ),
    Verb(
        "dhcp-options-set-options",
        1,
        UNLIMITED,
        (),
        lambda p, api: api.dhcp_options_set_options(p.args[0], p.args[1:]),
    ),
    Verb("dhcp-options-del", 1, 1, (), lambda p, api: api.dhcp_options_del(p.args[0])),
    Verb("dhcp-options-list", 0, 0, (), lambda p, api: api.dhcp_options_list(), _dhcp_list),
    Verb(
        "dhcp-options-get-options",
        1,
        1,
        (),
        lambda p, api: api.dhcp_options_get(p.args[0]),
        _dhcp_options,
    ),
    Verb(
        "static-mac-binding-add",
        3,
        3,
        ("--may-exist",),
        lambda p, api: api.static_mac_binding_add(*p.args, may_exist=p.has("--may-exist")),
    ),
    Verb(
        "static-mac-binding-del",
        2,
        2,
        ("--if-exists",),
        lambda p, api: api.static_mac_binding_del(*p.args, if_exists=p.has("--if-exists")),
    ),
    Verb(
        "static-mac-binding-list",
        0,
        0,
        (),
        lambda p, api: api.static_mac_binding_list(),
        _static_macs,
    ),
)

NB_VERBS: dict[str, Verb] = {**DB_VERBS, **{verb.name: verb for verb in _VERBS}}

NBCTL = Tool(
    name="ovn-nbctl",
    database="OVN_Northbound",
    env_var="OVN_NB_DB",
    default_remote="unix:/var/run/ovn/ovnnb_db.sock",
    verbs=NB_VERBS,
    row_ids=NB_ROW_IDS,
    make_api=NbApi,
    options_env="OVN_NBCTL_OPTIONS",
    counter=NB_CFG,
    waits=NB_WAITS,
    extra_options=(GlobalOption(("--wait",), True), GlobalOption(("--print-wait-time",))),
    summary="OVN northbound DB management utility (pyovn)",
    wait_report=_wait_report,
)
