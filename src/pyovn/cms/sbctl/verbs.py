"""ovn-sbctl's verbs (show, lflow-list, chassis-*, lsp-bind/unbind, and the
generic database commands)."""

from typing import Any

from pyovn.cms.ctl.argv import UNLIMITED, Invocation, Verb
from pyovn.cms.ctl.db_verbs import DB_VERBS
from pyovn.cms.ctl.runner import Tool
from pyovn.cms.errors import UsageError
from pyovn.cms.sbctl.api import SB_ROW_IDS, SbApi
from pyovn.cms.sbctl.lflow import format_lflows

__all__ = ["SBCTL", "SB_VERBS"]


def _text(command: Any, inv: Invocation) -> str:
    return str(command.result)


def _lflows(command: Any, inv: Invocation) -> str:
    return format_lflows(command.result, with_uuid=command.with_uuid)


def _lflow_list(p: Any, api: SbApi) -> Any:
    for option in ("--ovs", "--stats", "--vflows"):
        if p.has(option):
            raise UsageError(f"lflow-list {option} is not supported by pyovn")
    command = api.lflow_list(p.args)
    command.with_uuid = p.has("--uuid")
    return command


_VERBS = (
    Verb("init", 0, 0, (), lambda p, api: api.init()),
    Verb("show", 0, 0, (), lambda p, api: api.show(), _text),
    Verb(
        "chassis-add",
        3,
        3,
        ("--may-exist",),
        lambda p, api: api.chassis_add(*p.args, may_exist=p.has("--may-exist")),
    ),
    Verb(
        "chassis-del",
        1,
        1,
        ("--if-exists",),
        lambda p, api: api.chassis_del(p.args[0], if_exists=p.has("--if-exists")),
    ),
    Verb(
        "lsp-bind",
        2,
        2,
        ("--may-exist",),
        lambda p, api: api.lsp_bind(*p.args, may_exist=p.has("--may-exist")),
    ),
    Verb(
        "lsp-unbind",
        1,
        1,
        ("--if-exists",),
        lambda p, api: api.lsp_unbind(p.args[0], if_exists=p.has("--if-exists")),
    ),
    Verb(
        "lflow-list",
        0,
        UNLIMITED,
        ("--uuid", "--ovs=?", "--stats", "--vflows"),
        _lflow_list,
        _lflows,
    ),
    Verb(
        "dump-flows",
        0,
        UNLIMITED,
        ("--uuid", "--ovs=?", "--stats", "--vflows"),
        _lflow_list,
        _lflows,
    ),
)

SB_VERBS: dict[str, Verb] = {**DB_VERBS, **{verb.name: verb for verb in _VERBS}}

SBCTL = Tool(
    name="ovn-sbctl",
    database="OVN_Southbound",
    env_var="OVN_SB_DB",
    default_remote="unix:/var/run/ovn/ovnsb_db.sock",
    verbs=SB_VERBS,
    row_ids=SB_ROW_IDS,
    make_api=SbApi,
    options_env="OVN_SBCTL_OPTIONS",
    summary="OVN southbound DB management utility (pyovn)",
)
