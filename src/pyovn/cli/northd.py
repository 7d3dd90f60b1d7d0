"""`pyovn northd`: the NB -> SB compiler daemon (a drop-in for ovn-northd).

Several instances may run against the same databases; the one holding the
SB lock is active, the others stand by (OVN's high availability). Each
answers `status`, `pause`, `resume`, `is-paused` and `exit` on its control
socket (OVS's unixctl protocol, so `ovn-appctl -t SOCKET status` works as
well as `pyovn northd status`).
"""

import asyncio
import logging
import os
import signal
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

import typer

from pyovn.cli.db import setup_logging, write_pidfile
from pyovn.cli.tls_options import CaCertOption, CertificateOption, PrivateKeyOption
from pyovn.gc_tuning import tune_for_daemon
from pyovn.northd.daemon import Northd
from pyovn.ovsdb.errors import ClientError
from pyovn.ovsdb.tls import TlsFiles
from pyovn.ovsdb.unixctl import UnixctlServer, unixctl_call

DEFAULT_NB = "unix:/var/run/ovn/ovnnb_db.sock"
DEFAULT_SB = "unix:/var/run/ovn/ovnsb_db.sock"

northd_app = typer.Typer(
    help="Compile the Northbound DB into Southbound logical flows, incrementally.",
    invoke_without_command=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _rundir() -> Path:
    return Path(os.environ.get("OVN_RUNDIR", "/var/run/ovn"))


def default_unixctl(pidfile: Path | None) -> Path:
    """Next to the pidfile, else $OVN_RUNDIR/pyovn-northd.PID.ctl (as ovn-northd)."""
    if pidfile is not None:
        return pidfile.with_suffix(".ctl")
    return _rundir() / f"pyovn-northd.{os.getpid()}.ctl"


@northd_app.callback()
def northd_command(
    ctx: typer.Context,
    ovnnb_db: Annotated[
        str, typer.Option("--ovnnb-db", help="NB remote(s), comma-separated")
    ] = DEFAULT_NB,
    ovnsb_db: Annotated[
        str, typer.Option("--ovnsb-db", help="SB remote(s), comma-separated")
    ] = DEFAULT_SB,
    pidfile: Annotated[Path | None, typer.Option(help="write the process id here")] = None,
    log_file: Annotated[Path | None, typer.Option(help="log here instead of stderr")] = None,
    unixctl: Annotated[
        Path | None, typer.Option("--unixctl", help="control socket (default: next to --pidfile)")
    ] = None,
    private_key: PrivateKeyOption = None,
    certificate: CertificateOption = None,
    ca_cert: CaCertOption = None,
    full_recompute: Annotated[
        bool, typer.Option("--full-recompute", help="recompute every datapath on every change")
    ] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Compile the Northbound DB into Southbound logical flows, incrementally."""
    if ctx.invoked_subcommand is not None:
        return
    setup_logging(log_file, verbose)
    tls = TlsFiles(private_key, certificate, ca_cert)
    context = tls.client_context() if tls.configured else None
    northd = Northd(ovnnb_db, ovnsb_db, incremental=not full_recompute, ssl_context=context)
    asyncio.run(_run(northd, pidfile, unixctl or default_unixctl(pidfile)))


async def _run(northd: Northd, pidfile: Path | None, unixctl: Path) -> None:
    tune_for_daemon()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, northd.stop)
    control = UnixctlServer(unixctl, _commands(northd))
    log = logging.getLogger("pyovn.northd")
    try:
        await control.start()
    except OSError as exc:
        log.warning("no control socket at %s: %s", unixctl, exc.strerror or exc)
    write_pidfile(pidfile)
    log.info("starting: nb=%s sb=%s", northd.nb_client.remotes, northd.sb_client.remotes)
    try:
        await northd.run()
    finally:
        await control.close()
        await northd.close()
        if pidfile is not None:
            pidfile.unlink(missing_ok=True)


def _commands(northd: Northd) -> dict[str, Callable[[list[str]], str]]:
    def later(coro_fn: Callable[[], Coroutine[Any, Any, None]]) -> str:
        task = asyncio.get_running_loop().create_task(coro_fn())
        _background.add(task)
        task.add_done_callback(_background.discard)
        return ""

    def exit_command(args: list[str]) -> str:
        northd.stop()
        return ""

    return {
        "status": lambda args: northd.status(),
        "pause": lambda args: later(northd.pause),
        "resume": lambda args: later(northd.resume),
        "is-paused": lambda args: f"{'true' if northd.paused else 'false'}\n",
        "exit": exit_command,
    }


_background: set[asyncio.Task[None]] = set()


@northd_app.command("status")
def status_command(
    target: Annotated[
        Path | None,
        typer.Option("--unixctl", "-t", help="the northd's control socket"),
    ] = None,
) -> None:
    """Print whether a running northd is active, standby or paused."""
    typer.echo(asyncio.run(unixctl_call(_find_target(target), "status", [])), nl=False)


def _find_target(target: Path | None) -> Path:
    if target is not None:
        return target
    found = sorted(_rundir().glob("pyovn-northd.*.ctl"))
    if len(found) != 1:
        where = f"{_rundir()}/pyovn-northd.*.ctl"
        raise ClientError(f"{len(found)} control sockets match {where}; name one with --unixctl")
    return found[0]
