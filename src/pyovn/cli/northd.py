"""`pyovn northd`: the NB -> SB compiler daemon (a drop-in for ovn-northd)."""

import asyncio
import logging
import signal
from pathlib import Path
from typing import Annotated

import typer

from pyovn.cli.db import setup_logging, write_pidfile
from pyovn.gc_tuning import tune_for_daemon
from pyovn.northd.daemon import Northd

DEFAULT_NB = "unix:/var/run/ovn/ovnnb_db.sock"
DEFAULT_SB = "unix:/var/run/ovn/ovnsb_db.sock"


def northd_command(
    ovnnb_db: Annotated[
        str, typer.Option("--ovnnb-db", help="NB remote(s), comma-separated")
    ] = DEFAULT_NB,
    ovnsb_db: Annotated[
        str, typer.Option("--ovnsb-db", help="SB remote(s), comma-separated")
    ] = DEFAULT_SB,
    pidfile: Annotated[Path | None, typer.Option(help="write the process id here")] = None,
    log_file: Annotated[Path | None, typer.Option(help="log here instead of stderr")] = None,
    full_recompute: Annotated[
        bool, typer.Option("--full-recompute", help="recompute every datapath on every change")
    ] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Compile the Northbound DB into Southbound logical flows, incrementally."""
    setup_logging(log_file, verbose)
    asyncio.run(_run(ovnnb_db, ovnsb_db, pidfile, not full_recompute))


async def _run(nb: str, sb: str, pidfile: Path | None, incremental: bool) -> None:
    tune_for_daemon()
    northd = Northd(nb, sb, incremental=incremental)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, northd.stop)
    write_pidfile(pidfile)
    logging.getLogger("pyovn.northd").info("starting: nb=%s sb=%s", nb, sb)
    try:
        await northd.run()
    finally:
        await northd.close()
        if pidfile is not None:
            pidfile.unlink(missing_ok=True)
