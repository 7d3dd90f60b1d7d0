"""pyovn's copies of the OVSDB schemas OVN 23.03 speaks (interface facts).

`schema_path("ovn-nb")` gives the file; the names are the ones OVN's tools use.
"""

from importlib import resources
from pathlib import Path

__all__ = ["SCHEMA_FILES", "schema_path"]

#: short name -> file name, for the databases pyovn serves.
SCHEMA_FILES: dict[str, str] = {
    "ovn-nb": "ovn-nb.ovsschema",
    "ovn-sb": "ovn-sb.ovsschema",
    "vswitch": "vswitch.ovsschema",
    "_server": "_server.ovsschema",
}


def schema_path(name: str) -> Path:
    """Path of a bundled schema by short name (`ovn-nb`, `ovn-sb`, `vswitch`, `_server`)."""
    try:
        file_name = SCHEMA_FILES[name]
    except KeyError:
        known = ", ".join(sorted(SCHEMA_FILES))
        raise ValueError(f"unknown schema {name!r} (known: {known})") from None
    return Path(str(resources.files(__name__).joinpath(file_name)))
