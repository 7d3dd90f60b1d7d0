"""pyovn.ovsdb: the OVSDB protocol (RFC 7047) — schemas, data, transactions,
monitors, the on-disk log, a server and a client with a local replica."""

from pyovn.ovsdb.database import Change, Database
from pyovn.ovsdb.errors import (
    ClientError,
    ConnectionClosedError,
    OvsdbError,
    ProtocolError,
    SchemaError,
    StorageError,
    TransactionError,
)
from pyovn.ovsdb.remote import Remote, RemoteError, parse_remote, parse_remotes
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.ovsdb.server import OvsdbServer
from pyovn.ovsdb.storage import LogFile, write_new_database

__all__ = [
    "Change",
    "ClientError",
    "ConnectionClosedError",
    "Database",
    "DatabaseSchema",
    "LogFile",
    "OvsdbError",
    "OvsdbServer",
    "ProtocolError",
    "Remote",
    "RemoteError",
    "SchemaError",
    "StorageError",
    "TransactionError",
    "parse_remote",
    "parse_remotes",
    "write_new_database",
]
