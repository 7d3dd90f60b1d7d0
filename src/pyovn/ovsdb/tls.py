"""TLS for OVSDB remotes (`ssl:` and `pssl:`), configured as OVS tools do.

Every OVS/OVN program takes the same three files: `--private-key`,
`--certificate` and `--ca-cert`. Both sides always present a certificate
and both verify the peer's against the CA (OVS's `stream-ssl` requires a
peer certificate in both directions), so a client without a certificate
signed by the CA is refused during the handshake. Host names are not
checked: OVS identifies peers by certificate, not by name.

The identity of a client, for RBAC, is the Common Name of its certificate
(`ovs-pki -u req+sign CHASSIS switch` makes CN=CHASSIS).
"""

import asyncio
import logging
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyovn.ovsdb.errors import OvsdbError

__all__ = ["TlsError", "TlsFiles", "peer_common_name", "quiet_tls_failures"]

log = logging.getLogger(__name__)


class TlsError(OvsdbError):
    """The key, certificate or CA certificate cannot be used."""


@dataclass(frozen=True)
class TlsFiles:
    """The three files of an OVS SSL configuration (any may be missing)."""

    private_key: str | None = None
    certificate: str | None = None
    ca_cert: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.private_key or self.certificate or self.ca_cert)

    def _check(self) -> tuple[str, str, str]:
        # ovsdb-server and the ctl tools name each missing option; so do we.
        missing = [
            option
            for option, value in (
                ("--private-key", self.private_key),
                ("--certificate", self.certificate),
                ("--ca-cert", self.ca_cert),
            )
            if not value
        ]
        if missing:
            raise TlsError(f"SSL needs {', '.join(missing)}")
        assert self.private_key and self.certificate and self.ca_cert
        for path in (self.private_key, self.certificate, self.ca_cert):
            if not Path(path).is_file():
                raise TlsError(f"{path}: no such file")
        return self.private_key, self.certificate, self.ca_cert

    def server_context(self) -> ssl.SSLContext:
        """A context for `pssl:` listeners that demands a client certificate."""
        return self._context(ssl.PROTOCOL_TLS_SERVER)

    def client_context(self) -> ssl.SSLContext:
        """A context for `ssl:` connections that verifies the server."""
        return self._context(ssl.PROTOCOL_TLS_CLIENT)

    def _context(self, protocol: int) -> ssl.SSLContext:
        key, cert, ca = self._check()
        context = ssl.SSLContext(protocol)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_REQUIRED
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(cert, key)
        except ssl.SSLError as exc:
            raise TlsError(
                f"{cert} / {key}: not a matching certificate and key ({exc.reason})"
            ) from None
        try:
            context.load_verify_locations(ca)
        except ssl.SSLError as exc:
            raise TlsError(f"{ca}: not a CA certificate ({exc.reason})") from None
        return context


def peer_common_name(peercert: dict[str, Any] | None) -> str | None:
    """The CN of a verified peer certificate (`SSLObject.getpeercert()`)."""
    if not peercert:
        return None
    for rdn in peercert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


def quiet_tls_failures() -> None:
    """Log a failed TLS handshake as one line, not a traceback.

    asyncio reports a handshake that a client botched (no certificate, an
    untrusted one, plain text on a pssl: port) through the loop's exception
    handler, which prints a traceback; for a server that is a routine event.
    """
    loop = asyncio.get_running_loop()
    default = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, ssl.SSLError | ConnectionError):
            peer = context.get("transport")
            where = peer.get_extra_info("peername") if peer is not None else None
            log.warning("SSL connection from %s refused: %s", where or "?", exc)
            return
        if default is not None:
            default(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
