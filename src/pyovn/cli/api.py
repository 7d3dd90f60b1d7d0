"""`pyovn api`: the Neutron-style REST API (and the network's web page)."""

import os
from pathlib import Path
from typing import Annotated

import typer

from pyovn.cli.db import setup_logging, write_pidfile
from pyovn.cli.tls_options import CaCertOption, CertificateOption, PrivateKeyOption
from pyovn.cms.errors import UsageError
from pyovn.ovsdb.tls import TlsFiles

__all__ = ["api_command"]

DEFAULT_NB = "unix:/var/run/ovn/ovnnb_db.sock"


def _listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--listen {text}: expected HOST:PORT (e.g. 127.0.0.1:9696)")
    return host.strip("[]") or "127.0.0.1", int(port)


def api_command(
    nb_db: Annotated[
        str, typer.Option("--nb-db", help="NB remote(s), comma-separated (default $OVN_NB_DB)")
    ] = "",
    sb_db: Annotated[
        str,
        typer.Option("--sb-db", help="SB remote, for the page's bindings and packet traces"),
    ] = "",
    listen: Annotated[str, typer.Option(help="HOST:PORT to serve on")] = "127.0.0.1:9696",
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file", help="tokens: 'TOKEN PROJECT_ID' or 'TOKEN PROJECT_ID admin' a line"
        ),
    ] = None,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="no tokens: every caller is an admin")
    ] = False,
    gateway_chassis: Annotated[
        list[str] | None,
        typer.Option("--gateway-chassis", help="chassis for router gateways (repeat, by priority)"),
    ] = None,
    pidfile: Annotated[Path | None, typer.Option(help="write the process id here")] = None,
    log_file: Annotated[Path | None, typer.Option(help="log here instead of stderr")] = None,
    private_key: PrivateKeyOption = None,
    certificate: CertificateOption = None,
    ca_cert: CaCertOption = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Serve a Neutron v2.0 REST API over the OVN Northbound DB (docs at /docs)."""
    import uvicorn

    from pyovn.cms.neutron import ApiSettings, create_app
    from pyovn.cms.neutron.auth import parse_token_file

    if token_file is None and not no_auth:
        raise UsageError("give --token-file FILE, or --no-auth to accept every caller as admin")
    if token_file is not None:
        try:
            parse_token_file(token_file.read_text(), str(token_file))
        except OSError as exc:
            raise UsageError(f"cannot read {token_file}: {exc.strerror}") from exc
    host, port = _listen(listen)
    setup_logging(log_file, verbose)
    settings = ApiSettings(
        nb_remote=nb_db or os.environ.get("OVN_NB_DB") or DEFAULT_NB,
        sb_remote=sb_db or os.environ.get("OVN_SB_DB") or None,
        token_file=token_file,
        gateway_chassis=list(gateway_chassis or []),
        tls=TlsFiles(private_key, certificate, ca_cert),
    )
    if settings.tls.configured:
        settings.tls.client_context()  # bad files: one error line before serving
    write_pidfile(pidfile)
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
    finally:
        if pidfile is not None:
            pidfile.unlink(missing_ok=True)
