"""Errors of pyovn.ovsdb.

PyovnError
└── OvsdbError
    ├── SchemaError        a schema file or schema JSON is malformed
    ├── TransactionError   an RFC 7047 error object: `error` name + `details`
    │                      (returned to the client, never fatal to the server)
    ├── ProtocolError      a peer broke JSON-RPC framing or message rules;
    │                      the connection is closed
    ├── StorageError       the database file cannot be read or written
    ├── RemoteError        a remote name that cannot be parsed (remote.py)
    ├── TlsError           an unusable key, certificate or CA file (tls.py)
    └── ClientError        a client-side failure (connection lost, RPC error)
        ├── ConnectionClosedError
        └── MemberUnusable a cluster member that is not the leader, not
                           connected or behind (cluster.py)
"""

from typing import Any

from pyovn.errors import PyovnError

__all__ = [
    "ClientError",
    "ConnectionClosedError",
    "OvsdbError",
    "ProtocolError",
    "SchemaError",
    "StorageError",
    "TransactionError",
]


class OvsdbError(PyovnError):
    """Base class of every OVSDB error pyovn raises."""


class SchemaError(OvsdbError):
    """A schema is not valid OVSDB schema JSON."""


class TransactionError(OvsdbError):
    """An RFC 7047 <error>: one of the RFC's error names plus human details.

    `syntax` is the offending JSON text, when the error is about a piece of the
    request, as ovsdb-server reports it.
    """

    def __init__(self, error: str, details: str | None = None, syntax: Any = None) -> None:
        super().__init__(f"{error}: {details}" if details else error)
        self.error = error
        self.details = details
        self.syntax = syntax

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"error": self.error}
        if self.details is not None:
            obj["details"] = self.details
        if self.syntax is not None:
            obj["syntax"] = self.syntax
        return obj


class ProtocolError(OvsdbError):
    """The peer sent something that is not valid OVSDB JSON-RPC."""


class StorageError(OvsdbError):
    """A database file is missing, unreadable, or corrupt beyond its last record."""


class ClientError(OvsdbError):
    """A client-side OVSDB failure (RPC error reply, unusable remote)."""


class ConnectionClosedError(ClientError):
    """The connection to the server was closed before the reply arrived."""
