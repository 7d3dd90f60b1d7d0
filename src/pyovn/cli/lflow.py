"""`pyovn lflow`: check lflow-list dumps, compile logical flows to OpenFlow.

    pyovn lflow check FILE|-           # parse + reprint every match and action
    pyovn lflow compile --datapath-key 1 --port vm1=1 --port vm2=2 \\
        --pipeline ingress --table-id 8 --priority 2002 MATCH ACTIONS
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pyovn.lflow import CompileContext, check_lflow_dump, compile_flow
from pyovn.lflow.errors import LflowError

__all__ = ["lflow_app"]

lflow_app = typer.Typer(
    name="lflow",
    help="OVN's logical-flow language: check dumps, compile flows to OpenFlow.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@lflow_app.command("check")
def check_command(
    file: Annotated[str, typer.Argument(help="ovn-sbctl lflow-list output, or - for stdin")],
    no_roundtrip: Annotated[
        bool, typer.Option("--no-roundtrip", help="only parse; do not require exact reprint")
    ] = False,
) -> None:
    """Parse every match and action of an lflow-list dump; list failures."""
    if file == "-":
        lines = sys.stdin.read().splitlines()
    else:
        try:
            lines = Path(file).read_text().splitlines()
        except OSError as exc:
            raise LflowError(f"cannot read {file}: {exc.strerror}") from exc
    result = check_lflow_dump(lines, roundtrip=not no_roundtrip)
    for failure in result.failures:
        typer.echo(str(failure))
    typer.echo(f"{result.parsed} parsed, {result.failed} failed")
    if result.failed:
        raise typer.Exit(1)


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise LflowError(f"{what} must look like NAME=VALUE, not {value!r}")
        out[name] = rest
    return out


def _int(text: str, what: str) -> int:
    try:
        return int(text, 0)
    except ValueError as exc:
        raise LflowError(f"{what}: {text!r} is not an integer") from exc


@lflow_app.command("compile")
def compile_command(
    match: Annotated[str, typer.Argument(help="match expression")],
    actions: Annotated[str, typer.Argument(help="actions")],
    datapath_key: Annotated[int, typer.Option("--datapath-key", help="datapath tunnel key")],
    table_id: Annotated[int, typer.Option("--table-id", help="logical table (stage index)")] = 0,
    pipeline: Annotated[str, typer.Option("--pipeline", help="ingress or egress")] = "ingress",
    priority: Annotated[int, typer.Option("--priority")] = 0,
    port: Annotated[list[str], typer.Option("--port", help="NAME=KEY, repeatable")] = [],  # noqa: B006
    address_set: Annotated[
        list[str], typer.Option("--address-set", help="NAME=ADDR,ADDR,..., repeatable")
    ] = [],  # noqa: B006
    port_group: Annotated[
        list[str], typer.Option("--port-group", help="NAME=PORT,PORT,..., repeatable")
    ] = [],  # noqa: B006
    resident: Annotated[
        list[str], typer.Option("--resident", help="chassis-resident port, repeatable")
    ] = [],  # noqa: B006
    router: Annotated[bool, typer.Option("--router", help="the datapath is a router")] = False,
) -> None:
    """Print the OpenFlow (ovs-ofctl syntax) of one logical flow."""
    if pipeline not in ("ingress", "egress"):
        raise LflowError(f"--pipeline must be ingress or egress, not {pipeline!r}")
    ctx = CompileContext(
        datapath_key=datapath_key,
        pipeline=pipeline,
        table_id=table_id,
        ports={name: _int(key, "--port") for name, key in _pairs(port, "--port").items()},
        address_sets={
            name: [a for a in value.split(",") if a]
            for name, value in _pairs(address_set, "--address-set").items()
        },
        port_groups={
            name: [p for p in value.split(",") if p]
            for name, value in _pairs(port_group, "--port-group").items()
        },
        resident_ports=frozenset(resident),
        is_switch=not router,
    )
    result = compile_flow(match, actions, priority=priority, ctx=ctx)
    for flow in result.flows:
        typer.echo(str(flow))
    for group_id, spec in sorted(result.groups.items()):
        typer.echo(f"group_id={group_id},{spec}")
    for meter_id, spec in sorted(result.meters.items()):
        typer.echo(f"meter={meter_id},{spec}")
