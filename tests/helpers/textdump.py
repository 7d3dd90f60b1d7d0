"""Canonical forms of the text that ovn-nbctl, ovn-sbctl and ovsdb-client print.

Those tools list rows in hash order, which differs from run to run even
against the same server, so comparing their output needs UUIDs masked and
rows put in order: paragraphs (blank-line separated) and the children of every
indented line are sorted.
"""

import re

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def canonical_dump(text: str) -> str:
    paragraphs = [p for p in UUID.sub("<uuid>", text).split("\n\n") if p.strip()]
    return "\n".join(sorted(_sorted_tree(p.splitlines()) for p in paragraphs))


def _sorted_tree(lines: list[str]) -> str:
    items = []
    i = 0
    while i < len(lines):
        depth = len(lines[i]) - len(lines[i].lstrip())
        j = i + 1
        while j < len(lines) and len(lines[j]) - len(lines[j].lstrip()) > depth:
            j += 1
        items.append(lines[i] + "\n" + _sorted_tree(lines[i + 1 : j]))
        i = j
    return "".join(sorted(items))
