"""The `_Server` database: one `Database` row per database the server serves.

Clients such as ovn-northd, ovn-controller and the `ovs` IDL monitor it to
learn whether a database is there, connected and (in a cluster) the leader.
pyovn's server is standalone, so every database is connected and leader.
"""

import json

from pyovn.ovsdb.database import Change, Database
from pyovn.ovsdb.datum import new_uuid
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.schemas import schema_path

__all__ = ["ServerDatabase"]


class ServerDatabase:
    def __init__(self) -> None:
        self.db = Database(DatabaseSchema.from_file(schema_path("_server")))

    def add(self, schema: DatabaseSchema) -> list[Change]:
        """Add the row of a newly served database; returns the change made."""
        table = self.db.tables["Database"]
        row = table.new_row()
        row.update(
            name=schema.name,
            model="standalone",
            connected=True,
            leader=True,
            schema=frozenset({json.dumps(schema.to_json(), separators=(",", ":"))}),
            _version=new_uuid(),
        )
        changes = [Change("Database", new_uuid(), None, row)]
        self.db.apply(changes)
        return changes
