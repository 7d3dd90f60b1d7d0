"""`pyovn demo` (= `make demo`): the seed scenario on a fresh multi-chassis cloud.

Starts a cloud with `pyovn up`'s machinery (every daemon its own process)
in a temporary run directory, plays `SeedScenario`, prints each step —
the commands it stands for and its checks, expected against observed —
with rich, and stops the cloud on exit, on error and on Ctrl-C. The exit
status is 0 only if every check passed.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from pyovn.cloud.errors import CloudError
from pyovn.cloud.nb import Northbound
from pyovn.cloud.scenario import SeedScenario, Step
from pyovn.cloud.up import cloud_down, cloud_up
from pyovn.cloud.vmctl import CloudClient

__all__ = ["print_step", "run_demo"]


def print_step(console: Console, number: int, step: Step) -> None:
    """One step: its commands, then a table of checks."""
    mark = "[green]✓[/]" if step.ok else "[red]✗[/]"
    console.rule(f"{mark} [bold]Step {number}[/] · {step.title}  [dim]({step.seconds:.1f} s)[/]")
    for command in step.commands:
        style = "dim" if command.startswith(("#", "(")) else "cyan"
        console.print(
            f"  [{style}]$ {command}[/]" if style == "cyan" else f"  [dim]{command}[/]",
            highlight=False,
        )
    table = Table(show_edge=False, pad_edge=False, box=None)
    table.add_column("", width=2)
    table.add_column("check")
    table.add_column("expected")
    table.add_column("observed")
    for check in step.checks:
        table.add_row(
            "[green]✓[/]" if check.ok else "[red]✗[/]",
            check.what,
            check.expected,
            check.observed if check.ok else f"[red]{check.observed}[/]",
        )
    if step.checks:
        console.print(table)


async def _demo(console: Console, rundir: Path, chassis: int) -> bool:
    console.print(
        Panel.fit(
            f"[bold]pyovn demo[/]: the seed scenario on {chassis} chassis\n"
            "NB + SB OVSDB servers, northd, and per chassis an Open_vSwitch DB,\n"
            "a simulated vswitchd and pyovn controller: each its own process,\n"
            "OVSDB over unix sockets, Geneve over UDP.",
        )
    )
    console.rule("[bold]Step 0[/] · pyovn up")
    await cloud_up(rundir, chassis, report=lambda line: console.print(f"  {line}", highlight=False))
    nb = Northbound(f"unix:{rundir}/nb.sock")
    await nb.start()
    counter = iter(range(1, 100))
    try:
        scenario = SeedScenario(
            nb, CloudClient(rundir), lambda step: print_step(console, next(counter), step)
        )
        steps = await scenario.run()
    finally:
        await nb.close()
    checks = [check for step in steps for check in step.checks]
    failed = [check for check in checks if not check.ok]
    if failed:
        await _save_diagnostics(rundir)
    expected_steps = 9
    ok = not failed and len(steps) == expected_steps
    verdict = "[green]all checks passed[/]" if ok else f"[red]{len(failed)} check(s) failed[/]"
    console.rule(
        f"{verdict}: {len(checks) - len(failed)}/{len(checks)} checks in {len(steps)} steps"
    )
    return ok


async def _save_diagnostics(rundir: Path) -> None:
    """Keep each chassis's flows and tunnel counters next to its logs."""
    client = CloudClient(rundir)
    for chassis in client.chassis_names:
        directory = rundir / chassis
        try:
            flows = await client.call(chassis, {"cmd": "flows"})
            tunnels = await client.call(chassis, {"cmd": "tunnels"})
        except CloudError:
            continue
        (directory / "br-int.flows").write_text("\n".join(flows["flows"]) + "\n")
        (directory / "tunnels.json").write_text(json.dumps(tunnels, indent=1) + "\n")


def run_demo(chassis: int = 2, rundir: Path | None = None, keep: bool = False) -> int:
    """Run the demo; returns the exit status."""
    console = Console()
    own = rundir is None
    path = Path(tempfile.mkdtemp(prefix="pyovn-demo-")) if rundir is None else rundir
    started = time.monotonic()
    ok = False
    try:
        ok = asyncio.run(_demo(console, path, max(chassis, 2)))
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]")
        return 130
    finally:
        if keep and ok:
            console.print(f"cloud left running in {path} (`pyovn down --rundir {path}`)")
        else:
            stopped = cloud_down(path)
            console.print(
                f"[dim]stopped {len(stopped)} daemons in {time.monotonic() - started:.1f} s[/]"
            )
            if own and ok:
                shutil.rmtree(path, ignore_errors=True)
            elif not ok:
                console.print(f"[dim]logs kept in {path}[/]")
    return 0 if ok else 1
