"""`pyovn up / down / status / demo / vswitchd`: a local cloud in a run directory."""

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from pyovn.cli.db import setup_logging

RundirOption = Annotated[
    Path | None,
    typer.Option("--rundir", help="run directory (default: $PYOVN_RUNDIR or /tmp/pyovn-UID)"),
]


def _rundir(path: Path | None) -> Path:
    from pyovn.cloud.rundir import default_rundir

    return path or default_rundir()


def up_command(
    chassis: Annotated[
        int, typer.Option("--chassis", help="how many chassis (hv1 is the gateway)")
    ] = 2,
    rundir: RundirOption = None,
) -> None:
    """Start NB and SB DB servers, northd and N chassis, each its own process."""
    from pyovn.cloud.up import cloud_up

    path = _rundir(rundir)
    asyncio.run(cloud_up(path, chassis, report=typer.echo))
    typer.echo(f"cloud running in {path}; `pyovn vm --help` to drive VMs, `pyovn down` to stop")


def down_command(rundir: RundirOption = None) -> None:
    """Stop every daemon of the cloud (by pid file)."""
    from pyovn.cloud.up import cloud_down

    stopped = cloud_down(_rundir(rundir))
    typer.echo(f"stopped {len(stopped)} daemons" + (f": {', '.join(stopped)}" if stopped else ""))


def status_command(rundir: RundirOption = None) -> None:
    """Show which daemons of the cloud are running."""
    from pyovn.cloud.rundir import RunDir

    run = RunDir(_rundir(rundir))
    running = run.running()
    if not running:
        typer.echo(f"no daemons running in {run.path}")
        raise typer.Exit(1)
    for name, pid in running.items():
        typer.echo(f"{name:20s} pid {pid}")


def demo_command(
    chassis: Annotated[int, typer.Option("--chassis", help="how many chassis (2 or more)")] = 2,
    rundir: Annotated[
        Path | None, typer.Option("--rundir", help="keep the run directory here")
    ] = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="leave the cloud running at the end")
    ] = False,
) -> None:
    """Play the seed scenario on a fresh multi-chassis cloud, step by step."""
    from pyovn.cloud.demo import run_demo

    code = run_demo(chassis=chassis, rundir=rundir, keep=keep)
    raise typer.Exit(code)


def vswitchd_command(
    ovs_database: Annotated[str, typer.Argument(help="the chassis's Open_vSwitch DB remote")],
    underlay: Annotated[str, typer.Option(help="this chassis's tunnel (underlay) address")],
    name: Annotated[str, typer.Option(help="the chassis's name")] = "chassis",
    rundir: Annotated[
        Path, typer.Option(help="directory for br-int.mgmt and hypervisor.sock")
    ] = Path("."),
    pidfile: Annotated[Path | None, typer.Option(help="write the process id here")] = None,
    log_file: Annotated[Path | None, typer.Option(help="log here instead of stderr")] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Run a simulated ovs-vswitchd (bridges, Geneve, VMs) for one chassis."""
    from pyovn.cloud.daemons import run_vswitchd

    setup_logging(log_file, verbose)
    asyncio.run(run_vswitchd(ovs_database, underlay, rundir.resolve(), name, pidfile))
