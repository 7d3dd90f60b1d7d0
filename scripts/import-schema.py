#!/usr/bin/env python3
"""Write pyovn's copy of an OVSDB schema from an installed .ovsschema file.

Table names, column names and types are interface facts: pyovn must speak the
same schema as the real OVN 23.03 so that ovn-nbctl, ovn-northd and
ovn-controller accept pyovn's servers. This script re-serialises a schema in
pyovn's layout (sorted tables and columns, one column per line, no checksum)
so that the files under src/pyovn/schemas/ are reviewable and diffable.

    scripts/import-schema.py /usr/share/ovn/ovn-nb.ovsschema src/pyovn/schemas/ovn-nb.ovsschema
"""

import json
import sys


def render(schema: dict) -> str:
    lines = ["{", f'  "name": {json.dumps(schema["name"])},']
    lines.append(f'  "version": {json.dumps(schema["version"])},')
    lines.append('  "tables": {')
    tables = sorted(schema["tables"].items())
    for ti, (tname, table) in enumerate(tables):
        lines.append(f"    {json.dumps(tname)}: {{")
        extra = {k: v for k, v in sorted(table.items()) if k != "columns"}
        for k, v in extra.items():
            lines.append(f"      {json.dumps(k)}: {json.dumps(v, sort_keys=True)},")
        lines.append('      "columns": {')
        cols = sorted(table["columns"].items())
        for ci, (cname, col) in enumerate(cols):
            sep = "," if ci < len(cols) - 1 else ""
            lines.append(f"        {json.dumps(cname)}: {json.dumps(col, sort_keys=True)}{sep}")
        lines.append("      }")
        lines.append("    }" + ("," if ti < len(tables) - 1 else ""))
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: import-schema.py SRC.ovsschema DST.ovsschema")
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    text = render(schema)
    assert json.loads(text)["tables"] == schema["tables"]
    with open(sys.argv[2], "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
