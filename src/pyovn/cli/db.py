"""`pyovn db`: serve, create and query OVSDB databases."""

import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from pyovn.cli.tls_options import CertificateOption, PrivateKeyOption
from pyovn.gc_tuning import tune_for_daemon
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.errors import OvsdbError
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.ovsdb.server import OvsdbServer
from pyovn.ovsdb.storage import LogFile, write_new_database
from pyovn.ovsdb.tls import TlsFiles, quiet_tls_failures
from pyovn.schemas import SCHEMA_FILES, schema_path

db_app = typer.Typer(help="OVSDB databases: serve, create, query.", no_args_is_help=True)


def load_schema(name_or_path: str) -> DatabaseSchema:
    """A bundled schema by short name (ovn-nb, ovn-sb, vswitch) or a file path."""
    if name_or_path in SCHEMA_FILES:
        return DatabaseSchema.from_file(schema_path(name_or_path))
    return DatabaseSchema.from_file(name_or_path)


def setup_logging(log_file: Path | None, verbose: bool) -> None:
    level = logging.DEBUG if verbose else logging.INFO
    fmt = "%(asctime)s|%(name)s|%(levelname)s|%(message)s"
    if log_file is not None:
        logging.basicConfig(filename=str(log_file), level=level, format=fmt)
    else:
        logging.basicConfig(stream=sys.stderr, level=level, format=fmt)


def write_pidfile(pidfile: Path | None) -> None:
    if pidfile is not None:
        pidfile.write_text(f"{os.getpid()}\n")


@db_app.command("create")
def create_command(
    db_file: Annotated[Path, typer.Argument(help="database file to create")],
    schema: Annotated[str, typer.Argument(help="schema file or ovn-nb / ovn-sb / vswitch")],
) -> None:
    """Create a database file holding only its schema (like ovsdb-tool create)."""
    write_new_database(db_file, load_schema(schema))


@db_app.command("serve")
def serve_command(
    db_files: Annotated[list[Path] | None, typer.Argument(help="database files to serve")] = None,
    db: Annotated[
        list[Path] | None, typer.Option("--db", help="database file (repeatable)")
    ] = None,
    schema: Annotated[
        list[str] | None,
        typer.Option(
            "--schema", help="schema for the --db of the same position; creates it if missing"
        ),
    ] = None,
    remote: Annotated[
        list[str] | None,
        typer.Option(
            "--remote",
            help="punix:PATH, ptcp:PORT[:IP], pssl:PORT[:IP] or db:DB,TABLE,COLUMN (repeatable)",
        ),
    ] = None,
    private_key: PrivateKeyOption = None,
    certificate: CertificateOption = None,
    ca_cert: Annotated[
        str | None, typer.Option("--ca-cert", "-C", help="CA certificate clients must be signed by")
    ] = None,
    pidfile: Annotated[Path | None, typer.Option(help="write the process id here")] = None,
    log_file: Annotated[Path | None, typer.Option(help="log here instead of stderr")] = None,
    no_fsync: Annotated[bool, typer.Option("--no-fsync", help="do not fsync commits")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Serve databases over OVSDB until SIGTERM/SIGINT (like ovsdb-server)."""
    setup_logging(log_file, verbose)
    files = list(db_files or []) + list(db or [])
    schemas = list(schema or [])
    if not files:
        raise typer.BadParameter("give at least one database file")
    if len(schemas) > len(files):
        raise typer.BadParameter("more --schema options than database files")
    for index, path in enumerate(files):
        if not path.exists():
            if index >= len(schemas):
                raise OvsdbError(f"{path}: no such database file (give --schema to create it)")
            write_new_database(path, load_schema(schemas[index]))
    tls = TlsFiles(private_key, certificate, ca_cert)
    if tls.configured:
        tls.server_context()  # bad files: one error line before anything starts
    asyncio.run(_serve(files, list(remote or []), pidfile, not no_fsync, tls))


async def _serve(
    files: list[Path], remotes: list[str], pidfile: Path | None, fsync: bool, tls: TlsFiles
) -> None:
    tune_for_daemon()
    quiet_tls_failures()
    server = OvsdbServer(tls=tls)
    for path in files:
        served = server.add_database_file(path, fsync=fsync)
        logging.getLogger("pyovn.db").info("serving %s from %s", served.name, path)
    for name in remotes:
        await server.listen(name)
    write_pidfile(pidfile)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.close()
        if pidfile is not None:
            pidfile.unlink(missing_ok=True)


@db_app.command("compact")
def compact_command(db_file: Annotated[Path, typer.Argument(help="database file")]) -> None:
    """Rewrite a database file (not in use) as one snapshot."""
    storage = LogFile(db_file)
    before = storage.size
    storage.compact()
    after = storage.size
    storage.close()
    typer.echo(f"{db_file}: {before} -> {after} bytes")


@db_app.command("transact")
def transact_command(
    remote: Annotated[str, typer.Argument(help="unix:PATH or tcp:IP:PORT")],
    transaction: Annotated[str, typer.Argument(help='JSON array: ["DB", op, ...]')],
) -> None:
    """Run one transaction and print the result array (like ovsdb-client transact)."""
    try:
        params = json.loads(transaction)
    except ValueError as exc:
        raise OvsdbError(f"transaction is not valid JSON: {exc}") from None
    if not isinstance(params, list) or not params or not isinstance(params[0], str):
        raise OvsdbError('transaction must be a JSON array ["DB", op, ...]')
    result = asyncio.run(_call(remote, "transact", params))
    typer.echo(json.dumps(result))


@db_app.command("list-dbs")
def list_dbs_command(
    remote: Annotated[str, typer.Argument(help="unix:PATH or tcp:IP:PORT")],
) -> None:
    """List the databases a server serves."""
    for name in asyncio.run(_call(remote, "list_dbs", [])):
        typer.echo(name)


async def _call(remote: str, method: str, params: list[Any]) -> Any:
    client = OvsdbClient(remote, reconnect=False)
    await client.connect(timeout=5)
    try:
        return await client.call(method, params, timeout=60)
    finally:
        await client.close()
