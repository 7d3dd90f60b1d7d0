"""ovs-vsctl's verbs (bridges, ports, show and the generic database commands)."""

from typing import Any

from pyovn.cms.ctl.argv import UNLIMITED, Invocation, Verb
from pyovn.cms.ctl.db_verbs import DB_VERBS, lines
from pyovn.cms.ctl.runner import Tool
from pyovn.cms.vsctl import bridge
from pyovn.cms.vsctl.api import VS_CFG, VS_ROW_IDS, VsApi

__all__ = ["VSCTL", "VS_VERBS"]


def _text(command: Any, inv: Invocation) -> str:
    return str(command.result)


def _names(command: Any, inv: Invocation) -> str:
    return lines(command.result)


def _text_line(command: Any, inv: Invocation) -> str:
    return f"{command.result}\n"


def _del_port(p: Any, api: VsApi) -> Any:
    bridge_name, port = (None, p.args[0]) if len(p.args) == 1 else p.args
    return bridge.DelPortCommand(bridge_name, port, p.has("--if-exists"), p.has("--with-iface"))


_VERBS = (
    Verb("init", 0, 0, (), lambda p, api: api.init()),
    Verb("show", 0, 0, (), lambda p, api: api.show(), _text),
    Verb(
        "add-br",
        1,
        3,
        ("--may-exist",),
        lambda p, api: bridge.AddBrCommand(p.args[0], p.has("--may-exist"), p.args[1:]),
    ),
    Verb(
        "del-br",
        1,
        1,
        ("--if-exists",),
        lambda p, api: api.del_br(p.args[0], p.has("--if-exists")),
    ),
    Verb("list-br", 0, 0, (), lambda p, api: bridge.ListBrCommand(), _names),
    Verb(
        "br-exists",
        1,
        1,
        (),
        lambda p, api: bridge.BrExistsCommand(p.args[0]),
        status=lambda command: 0 if command.result else 2,
    ),
    Verb(
        "add-port",
        2,
        UNLIMITED,
        ("--may-exist",),
        lambda p, api: api.add_port(p.args[0], p.args[1], p.args[2:], p.has("--may-exist")),
    ),
    Verb("del-port", 1, 2, ("--if-exists", "--with-iface"), _del_port),
    Verb("list-ports", 1, 1, (), lambda p, api: bridge.ListPortsCommand(p.args[0]), _names),
    Verb(
        "list-ifaces",
        1,
        1,
        (),
        lambda p, api: bridge.ListPortsCommand(p.args[0], interfaces=True),
        _names,
    ),
    Verb("port-to-br", 1, 1, (), lambda p, api: bridge.PortToBrCommand(p.args[0]), _text_line),
    Verb(
        "iface-to-br",
        1,
        1,
        (),
        lambda p, api: bridge.PortToBrCommand(p.args[0], interface=True),
        _text_line,
    ),
)

VS_VERBS: dict[str, Verb] = {**DB_VERBS, **{verb.name: verb for verb in _VERBS}}

VSCTL = Tool(
    name="ovs-vsctl",
    database="Open_vSwitch",
    env_var="OVS_DB",
    default_remote="unix:/var/run/openvswitch/db.sock",
    verbs=VS_VERBS,
    row_ids=VS_ROW_IDS,
    make_api=VsApi,
    counter=VS_CFG,
    waits={"none": (), "vswitchd": ("cur_cfg",)},
    default_wait="vswitchd",
    summary="utility for querying and configuring ovs-vswitchd (pyovn)",
)
