"""OVSDB remote names, as every OVS/OVN tool spells them.

Active (connect):  `unix:PATH`, `tcp:IP:PORT`, `ssl:IP:PORT`
Passive (listen):  `punix:PATH`, `ptcp:PORT[:IP]`, `pssl:PORT[:IP]`

A comma-separated list (`tcp:127.0.0.1:6641,tcp:127.0.0.1:6643`) names the
members of a cluster; `parse_remotes` splits it.
"""

from dataclasses import dataclass

from pyovn.ovsdb.errors import OvsdbError

__all__ = ["Remote", "RemoteError", "parse_remote", "parse_remotes"]


class RemoteError(OvsdbError):
    """A remote name that cannot be understood."""


@dataclass(frozen=True, slots=True)
class Remote:
    """A parsed remote: `kind` is unix, tcp or ssl; `passive` for listeners."""

    kind: str
    passive: bool
    path: str = ""
    host: str = ""
    port: int = 0

    def __str__(self) -> str:
        prefix = ("p" if self.passive else "") + self.kind
        if self.kind == "unix":
            return f"{prefix}:{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.passive:
            return f"{prefix}:{self.port}:{host}" if self.host else f"{prefix}:{self.port}"
        return f"{prefix}:{host}:{self.port}"


def _port(text: str, name: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise RemoteError(f"{name}: {text!r} is not a valid port number")
    return int(text)


def _split_host_port(rest: str, name: str) -> tuple[str, str]:
    if rest.startswith("["):
        host, sep, tail = rest[1:].partition("]")
        if not sep or not tail.startswith(":"):
            raise RemoteError(f"{name}: bad [IPv6]:PORT")
        return host, tail[1:]
    host, sep, port = rest.rpartition(":")
    if not sep:
        raise RemoteError(f"{name}: expected HOST:PORT")
    return host, port


def parse_remote(name: str) -> Remote:
    """Parse one remote name; RemoteError names the problem (on one line)."""
    try:
        return _parse(name)
    except RemoteError as exc:
        if name.isprintable():
            raise
        # Quote names with control characters, so the error stays one line.
        raise RemoteError(str(exc).replace(name, repr(name))) from None


def _parse(name: str) -> Remote:
    kind, sep, rest = name.partition(":")
    if not sep:
        raise RemoteError(f"{name}: a remote looks like unix:PATH, tcp:IP:PORT or punix:PATH")
    passive = kind.startswith("p") and kind in ("punix", "ptcp", "pssl")
    base = kind[1:] if passive else kind
    if base not in ("unix", "tcp", "ssl"):
        raise RemoteError(
            f"{name}: unknown remote type {kind!r} (unix, tcp, ssl, punix, ptcp, pssl)"
        )
    if base == "unix":
        if not rest:
            raise RemoteError(f"{name}: missing socket path")
        return Remote("unix", passive, path=rest)
    if passive:
        port_text, _, host = rest.partition(":")
        host = host.strip("[]")
        return Remote(base, True, host=host, port=_port(port_text, name))
    host, port_text = _split_host_port(rest, name)
    if not host:
        raise RemoteError(f"{name}: missing host")
    return Remote(base, False, host=host, port=_port(port_text, name))


def parse_remotes(names: str) -> list[Remote]:
    """Parse a comma-separated list of remotes."""
    parts = [p.strip() for p in names.split(",") if p.strip()]
    if not parts:
        raise RemoteError("no remote given")
    return [parse_remote(p) for p in parts]
