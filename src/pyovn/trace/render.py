"""ovn-trace's three text forms of a trace, plus a colour view for people.

* detailed: a section per pipeline and transformation, underlined, with
  each table visited and its actions. A node is indented one step when it
  is not the last of its list (or is an action or comment), and its
  children two steps, so tail calls (`next;` as the last action) do not
  indent deeper and deeper.
* summary: tables and packet changes are dropped; the rest prints like a
  program, `name { ... };`.
* minimal: only changes to packet data, transformations, comments that
  state assumptions, and outputs to logical ports.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyovn.trace.model import NodeKind, Trace, TraceNode

__all__ = ["FORMATS", "render", "render_rich"]

FORMATS = ("detailed", "summary", "minimal")
_TERMINAL = {NodeKind.ACTION, NodeKind.OUTPUT, NodeKind.MODIFY, NodeKind.ERROR}
_TITLES = {NodeKind.PIPELINE, NodeKind.TRANSFORMATION}
_SUMMARY_PRUNED = {NodeKind.TABLE, NodeKind.MODIFY}
_MINIMAL_PRUNED = {NodeKind.ACTION, NodeKind.PIPELINE, NodeKind.TABLE, NodeKind.OUTPUT}


def _details(nodes: list[TraceNode], level: int, lines: list[str]) -> None:
    last = len(nodes) - 1
    for index, node in enumerate(nodes):
        if node.kind is NodeKind.MODIFY:
            continue
        more = int(index < last or node.always_indent or node.kind in _TERMINAL)
        indent = " " * ((level + more) * 4)
        if node.kind in _TITLES:
            lines.append("")
            lines.append(indent + node.text)
            lines.append(indent + "-" * len(node.text))
        else:
            lines.append(indent + node.text)
        _details(node.children, level + 2 * more, lines)


def _pruned(nodes: Iterable[TraceNode], drop: set[NodeKind]) -> list[TraceNode]:
    """`nodes` with each node of a kind in `drop` replaced by its children."""
    out: list[TraceNode] = []
    for node in nodes:
        children = _pruned(node.children, drop)
        if node.kind in drop:
            out.extend(children)
        else:
            out.append(TraceNode(node.kind, node.text, children, node.always_indent, node.step))
    return out


def _program(nodes: list[TraceNode], level: int, lines: list[str]) -> None:
    indent = " " * (level * 4)
    for node in nodes:
        end = "" if node.kind is NodeKind.ACTION else ";"
        if node.children:
            lines.append(f"{indent}{node.text} {{")
            _program(node.children, level + 1, lines)
            lines.append(f"{indent}}}{end}")
        else:
            lines.append(f"{indent}{node.text}{end}")


def render(trace: Trace, form: str = "detailed") -> str:
    """`trace` as ovn-trace prints it: the flow line, then the `form` body."""
    lines = [f"# {trace.flow_line}"]
    lines.extend(render_body(trace, form))
    return "\n".join(lines) + "\n"


def render_body(trace: Trace, form: str) -> list[str]:
    lines: list[str] = []
    if form == "detailed":
        _details(trace.nodes, 0, lines)
    elif form == "summary":
        _program(_pruned(trace.nodes, _SUMMARY_PRUNED), 0, lines)
    elif form == "minimal":
        _program(_pruned(trace.nodes, _MINIMAL_PRUNED), 0, lines)
    else:
        raise ValueError(f"unknown trace form {form!r}; use one of {', '.join(FORMATS)}")
    return lines


def render_many(trace: Trace, forms: Iterable[str]) -> str:
    """Several forms, each after a banner (`# Summary trace.`), as ovn-trace does."""
    chosen = [f for f in FORMATS if f in set(forms)] or ["detailed"]
    if len(chosen) == 1:
        return render(trace, chosen[0])
    lines = [f"# {trace.flow_line}"]
    for form in chosen:
        lines.append(f"# {form.capitalize()} trace.")
        lines.extend(render_body(trace, form))
    return "\n".join(lines) + "\n"


_STYLES = {
    NodeKind.PIPELINE: "bold cyan",
    NodeKind.TRANSFORMATION: "bold magenta",
    NodeKind.TABLE: "yellow",
    NodeKind.ACTION: "",
    NodeKind.OUTPUT: "green",
    NodeKind.MODIFY: "bold green",
    NodeKind.ERROR: "bold red",
}


def render_rich(trace: Trace) -> object:
    """A `rich` renderable: the trace as a tree, coloured by node kind,
    with the verdict and each output's final headers underneath."""
    from rich.console import Group
    from rich.text import Text
    from rich.tree import Tree

    def add(parent: Tree, nodes: list[TraceNode]) -> None:
        for node in nodes:
            if node.kind is NodeKind.MODIFY:
                continue
            branch = parent.add(Text(node.text, style=_STYLES[node.kind]))
            children = node.children
            # A table's last child continues the same pipeline (a tail call):
            # show it beside the table, not under it, as the detailed form does.
            tail = children[-1:] if node.kind is NodeKind.TABLE else []
            if tail and tail[0].kind is not NodeKind.TABLE:
                tail = []
            add(branch, children[: len(children) - len(tail)])
            add(parent, tail)

    tree = Tree(Text(trace.flow_line, style="dim"))
    add(tree, trace.nodes)
    verdict = Text(f"verdict: {trace.verdict}", style="bold")
    outputs = [
        Text(f'  {d.port} ({d.datapath}, type "{d.port_type}"): {d.flow}', style="green")
        for d in trace.deliveries
    ]
    return Group(tree, verdict, *outputs)
