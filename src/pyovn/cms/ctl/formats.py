"""Printing `list`/`find` results the way the OVS/OVN ctl tools do.

Formats (`--format`): list (default; one `column : value` per line, records
separated by a blank line), table (aligned columns under a dashed rule),
csv (RFC 4180), json (`{"data": ..., "headings": ...}`) and html. Cells
(`--data`) are in "string" syntax, "bare" (no punctuation, no quotes) or
"json" (wire form; always so in the json format). `--pretty` indents json the
way OVS does, closing brackets on the line of the last element.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from pyovn.cms.api.db_commands import DbTable
from pyovn.cms.api.values import format_value, value_to_json
from pyovn.cms.errors import UsageError
from pyovn.ovsdb.schema import ColumnType

__all__ = ["FORMATS", "Formatting", "format_table", "json_text"]

FORMATS = ("list", "table", "csv", "json", "html")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DATA_STYLES = ("string", "bare", "json")


@dataclass
class Formatting:
    """The table-formatting options of one invocation."""

    format: str = "list"
    data: str = "string"
    headings: bool = True
    pretty: bool = False

    def set_format(self, text: str) -> None:
        if text not in FORMATS:
            raise UsageError(f"unknown output format {text}")
        self.format = text

    def set_data(self, text: str) -> None:
        if text not in DATA_STYLES:
            raise UsageError(f"unknown data format {text}")
        self.data = text


def json_text(value: Any, pretty: bool = False, indent: int = 0) -> str:
    """JSON as OVS prints it: compact, or indented with brackets kept close."""
    if not pretty:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    pad = "  " * (indent + 1)
    if isinstance(value, dict) and value:
        members = [
            f"{pad}{json.dumps(k, ensure_ascii=False)}: {json_text(v, True, indent + 1)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(members) + "}"
    if isinstance(value, list) and value:
        elements = [pad + json_text(v, True, indent + 1) for v in value]
        return "[\n" + ",\n".join(elements) + "]"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _cell(value: Any, ctype: ColumnType, style: str) -> str:
    if style == "json":
        return json_text(value_to_json(value, ctype))
    return format_value(value, ctype, bare=style == "bare")


def format_table(table: DbTable, fmt: Formatting) -> str:
    """The text of one `list`/`find` result."""
    if fmt.format == "json":
        return _json(table, fmt)
    cells = [
        [_cell(v, t, fmt.data) for v, t in zip(row, table.types, strict=True)] for row in table.rows
    ]
    if fmt.format == "list":
        return _list(table.headings, cells, fmt.headings)
    if fmt.format == "table":
        return _aligned(table.headings, cells, fmt.headings)
    if fmt.format == "csv":
        return _csv(table.headings, cells, fmt.headings)
    return _html(table.headings, cells, fmt.headings)


def _list(headings: list[str], rows: list[list[str]], show_headings: bool) -> str:
    records = []
    for row in rows:
        if show_headings:
            lines = [f"{h:<20}: {c}" for h, c in zip(headings, row, strict=True)]
        else:
            lines = list(row)
        records.append("".join(line + "\n" for line in lines))
    return "\n".join(records)


def _aligned(headings: list[str], rows: list[list[str]], show_headings: bool) -> str:
    widths = [len(h) for h in headings]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

    def line(cells: list[str]) -> str:
        return " ".join(f"{c:<{w}}" for c, w in zip(cells, widths, strict=True)).rstrip() + "\n"

    out = []
    if show_headings:
        out.append(line(headings))
        out.append(line(["-" * w for w in widths]))
    out.extend(line(row) for row in rows)
    return "".join(out)


def _csv_cell(text: str) -> str:
    if any(ch in text for ch in '",\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv(headings: list[str], rows: list[list[str]], show_headings: bool) -> str:
    lines = [headings] if show_headings else []
    lines.extend(rows)
    return "".join(",".join(_csv_cell(c) for c in line) + "\n" for line in lines)


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _html_cell(heading: str, text: str) -> str:
    """A cell's HTML: UUIDs become anchors (the row's own) or links (references)."""
    if heading == "_uuid":
        return f'<a name="{_escape(text)}">{_escape(text[:8])}</a>'
    return _UUID.sub(lambda m: f'<a href="#{m[0]}">{m[0][:8]}</a>', _escape(text))


def _html(headings: list[str], rows: list[list[str]], show_headings: bool) -> str:
    out = ["<table border=1>\n"]
    if show_headings:
        out.append("  <tr>\n")
        out.extend(f"    <th>{_escape(h)}</th>\n" for h in headings)
        out.append("  </tr>\n")
    for row in rows:
        out.append("  <tr>\n")
        out.extend(f"    <td>{_html_cell(h, c)}</td>\n" for h, c in zip(headings, row, strict=True))
        out.append("  </tr>\n")
    out.append("</table>\n")
    return "".join(out)


def _json(table: DbTable, fmt: Formatting) -> str:
    data = [
        [value_to_json(v, t) for v, t in zip(row, table.types, strict=True)] for row in table.rows
    ]
    body: dict[str, Any] = {"data": data}
    if fmt.headings:
        body["headings"] = table.headings
    return json_text(body, fmt.pretty) + "\n"
