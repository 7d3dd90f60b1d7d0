"""pyovn's bundled schemas against the real ones from the Debian packages
(OVN 23.03.1, OVS 3.1): the same tables and columns with the same types,
indexes, root flags and row limits. The coverage is printed."""

import json
from pathlib import Path
from typing import Any

import pytest

from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.schemas import schema_path
from tests.helpers.daemons import REAL_SCHEMAS

NAMES = ["ovn-nb", "ovn-sb", "vswitch"]


def _coverage(ours: DatabaseSchema, real: DatabaseSchema) -> dict[str, Any]:
    tables_missing = sorted(set(real.tables) - set(ours.tables))
    tables_extra = sorted(set(ours.tables) - set(real.tables))
    columns_total = columns_present = 0
    missing: list[str] = []
    different: list[str] = []
    for name, table in real.tables.items():
        mine = ours.tables.get(name)
        for cname, column in table.user_columns.items():
            columns_total += 1
            if mine is None or cname not in mine.columns:
                missing.append(f"{name}.{cname}")
                continue
            columns_present += 1
            if mine.columns[cname] != column:
                different.append(f"{name}.{cname}")
        if mine is not None and (
            mine.is_root != table.is_root
            or mine.max_rows != table.max_rows
            or sorted(mine.indexes) != sorted(table.indexes)
        ):
            different.append(f"{name} (root/maxRows/indexes)")
    return {
        "tables": (len(real.tables) - len(tables_missing), len(real.tables)),
        "columns": (columns_present, columns_total),
        "tables_missing": tables_missing,
        "tables_extra": tables_extra,
        "columns_missing": missing,
        "different": different,
    }


@pytest.mark.parametrize("name", NAMES)
def test_bundled_schema_matches_debian(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    real_file = REAL_SCHEMAS[name]
    if not real_file.exists():
        pytest.skip(f"{real_file} is not installed (Debian ovn-common/openvswitch-common)")
    ours = DatabaseSchema.from_file(schema_path(name))
    real = DatabaseSchema.from_file(real_file)
    cov = _coverage(ours, real)
    with capsys.disabled():
        print(
            f"\n{name}: {real.name} {ours.version} (real {real.version}): "
            f"tables {cov['tables'][0]}/{cov['tables'][1]}, "
            f"columns {cov['columns'][0]}/{cov['columns'][1]}; missing tables "
            f"{cov['tables_missing'] or 'none'}, "
            f"missing columns {cov['columns_missing'] or 'none'}, "
            f"extra tables {cov['tables_extra'] or 'none'}, "
            f"different {cov['different'] or 'none'}"
        )
    assert (ours.name, ours.version) == (real.name, real.version)
    assert cov["tables"][0] == cov["tables"][1] and not cov["tables_extra"]
    assert cov["columns"][0] == cov["columns"][1]
    assert cov["different"] == []


@pytest.mark.parametrize("name", NAMES)
def test_schema_json_round_trip(name: str) -> None:
    """to_json() of a parsed schema parses back to the same schema."""
    schema = DatabaseSchema.from_file(schema_path(name))
    again = DatabaseSchema.from_json(json.loads(json.dumps(schema.to_json())))
    assert again.tables == schema.tables and again.version == schema.version


def test_real_schema_files_parse_with_docs(tmp_path: Path) -> None:
    """The Debian files carry "doc" members and checksums; they parse as-is."""
    for name in NAMES:
        if REAL_SCHEMAS[name].exists():
            schema = DatabaseSchema.from_file(REAL_SCHEMAS[name])
            assert schema.cksum and schema.tables
