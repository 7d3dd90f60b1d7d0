"""`pyovn demo`: the demo deployment, printed as a tree (thin: see pyovn.cloud)."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pyovn.cloud import run_demo, topology_tree
from pyovn.cloud.demo import DEFAULT_RUN_DIR


def demo_command(
    run_dir: Annotated[
        Path, typer.Option("--run-dir", help="where the databases, sockets and logs go")
    ] = DEFAULT_RUN_DIR,
) -> None:
    """Start NB and SB databases, load a small topology over OVSDB, show it, stop."""
    result = run_demo(run_dir)
    console = Console()
    console.print(topology_tree(result.snapshot, f"OVN Northbound at {result.nb_remote}"))
    counts = ", ".join(f"{what} {n}" for what, n in result.snapshot.counts().items())
    console.print(f"loaded over OVSDB, read back through a monitor: {counts}")
    console.print(f"OVN Southbound at {result.sb_remote} serves {', '.join(result.sb_databases)}")
    console.print(f"servers stopped; databases and logs are in {result.run_dir}")
