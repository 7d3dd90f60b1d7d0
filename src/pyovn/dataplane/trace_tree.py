"""The tree a translation records for `ofproto/trace`, and its layout.

Translation appends nodes as it goes: the flows it matched (`table`), the
actions it executed (`action`), facts about them (`detail`, printed
` -> …`), warnings (` >> …`) and errors (` >>>> … <<<<`). A resubmit's
table node is appended to the list holding the resubmit action, so the
tree has the same shape as ovs-vswitchd's.

Layout follows what ovs-vswitchd prints: a table reached as the last thing
in its list is printed one level out (so tail-resubmit chains stay flush
left, ` 9.`, `10.`, …), while a table whose caller has more to do after it
is printed at the caller's level with its actions two levels in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["TraceNode", "render_nodes"]


@dataclass
class TraceNode:
    """One line of a trace and the lines nested under it."""

    kind: str
    text: str
    children: list[TraceNode] = field(default_factory=list)


def render_nodes(nodes: list[TraceNode], level: int, lines: list[str]) -> None:
    """Append the lines of `nodes`, whose plain items sit at `level`."""
    for index, node in enumerate(nodes):
        last = index == len(nodes) - 1
        pad = "    " * level
        kind = node.kind
        if kind == "table":
            if last:
                lines.append("    " * max(level - 1, 0) + node.text)
                render_nodes(node.children, level, lines)
            else:
                lines.append(pad + node.text)
                render_nodes(node.children, level + 2, lines)
        elif kind == "bucket":
            lines.append(pad + node.text)
            render_nodes(node.children, level + 2, lines)
        elif kind == "thaw":
            lines.append(pad + node.text)
            render_nodes(node.children, level + 1, lines)
        elif kind == "bridge":
            # A patch port's peer bridge nests like a resubmitted table.
            outer = "    " * max(level - 1, 0) if last else pad
            lines.extend(("", outer + node.text, outer + "-" * len(node.text)))
            render_nodes(node.children, level if last else level + 2, lines)
        elif kind == "detail":
            lines.append(f"{pad} -> {node.text}")
        elif kind == "warn":
            lines.append(f"{pad} >> {node.text}")
        elif kind == "error":
            lines.append(f"{pad} >>>> {node.text} <<<<")
        else:
            lines.append(pad + node.text)
            render_nodes(node.children, level + 1, lines)
