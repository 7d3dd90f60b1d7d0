"""`pyovn trace`: ovn-trace over any Southbound DB, plus JSON and batch modes.

pyovn trace [--db SB] [--detailed|--summary|--minimal|--all] [--ct STATE ...]
            [--json | --rich] [DATAPATH] MICROFLOW
pyovn trace --db SB --batch FILE      # one "[options] [DATAPATH] MICROFLOW" per line
pyovn trace --db SB --serve           # JSON lines on stdin -> JSON lines on stdout
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from pyovn.trace import (
    SouthboundSnapshot,
    TraceError,
    TraceOptions,
    parse_ct_states,
    render_many,
    render_rich,
    trace,
)
from pyovn.trace.microflow import check_syntax

__all__ = ["trace_command"]

_DEFAULT_DB = "unix:/var/run/ovn/ovnsb_db.sock"


def _remote(db: str | None) -> str:
    return db or os.environ.get("OVN_SB_DB") or _DEFAULT_DB


def _split(args: list[str]) -> tuple[str | None, str]:
    if len(args) == 1:
        return None, args[0]
    if len(args) == 2:
        return args[0], args[1]
    raise TraceError("expected [DATAPATH] MICROFLOW")


def _forms(detailed: bool, summary: bool, minimal: bool, every: bool) -> list[str]:
    flags = (("detailed", detailed), ("summary", summary), ("minimal", minimal))
    return [name for name, on in flags if on or every] or ["detailed"]


def trace_command(
    args: Annotated[list[str] | None, typer.Argument(help="[DATAPATH] MICROFLOW")] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Southbound DB (default $OVN_SB_DB)")
    ] = None,
    detailed: Annotated[bool, typer.Option("--detailed", help="detailed output")] = False,
    summary: Annotated[bool, typer.Option("--summary", help="summary output")] = False,
    minimal: Annotated[bool, typer.Option("--minimal", help="minimal output")] = False,
    every: Annotated[bool, typer.Option("--all", help="all three forms")] = False,
    ct: Annotated[
        list[str] | None, typer.Option("--ct", help="ct_state flags for the next ct_next")
    ] = None,
    friendly_names: Annotated[
        bool, typer.Option("--friendly-names/--no-friendly-names", help="show friendly names")
    ] = True,
    select_id: Annotated[
        int | None, typer.Option("--select-id", help="select() picks this")
    ] = None,
    lb_dst: Annotated[str | None, typer.Option("--lb-dst", help="load balancer backend")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for programs")] = False,
    rich: Annotated[bool, typer.Option("--rich", help="colour tree for people")] = False,
    batch: Annotated[
        str | None, typer.Option("--batch", help="trace each line of FILE (- for stdin)")
    ] = None,
    serve: Annotated[bool, typer.Option("--serve", help="answer JSON requests on stdin")] = False,
) -> None:
    """Trace a packet through the logical network, as ovn-trace does."""
    options = TraceOptions(
        ct_states=parse_ct_states(ct or []),
        select_id=select_id,
        lb_dst=lb_dst,
        friendly_names=friendly_names,
    )
    forms = _forms(detailed, summary, minimal, every)
    if not (batch or serve or args):
        raise TraceError("expected [DATAPATH] MICROFLOW (or --batch FILE, --serve)")
    if args:
        check_syntax(_split(args)[1])
    sb = SouthboundSnapshot.load(_remote(db))
    if serve:
        for line in _serve(sb, options, sys.stdin):
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        return
    if batch:
        lines = sys.stdin if batch == "-" else _read_lines(batch)
        for text in _batch(sb, options, forms, as_json, lines):
            sys.stdout.write(text)
        return
    datapath, microflow = _split(args or [])
    result = trace(sb, datapath, microflow, options=options)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
    elif rich:
        from rich.console import Console

        Console().print(render_rich(result))
    else:
        sys.stdout.write(render_many(result, forms))


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError as exc:
        raise TraceError(f"cannot read {path}: {exc.strerror}") from exc


def _batch(
    sb: SouthboundSnapshot,
    base: TraceOptions,
    forms: list[str],
    as_json: bool,
    lines: Iterable[str],
) -> Iterator[str]:
    """One trace per line: `[--ct S ...] [--minimal|...] [DATAPATH] MICROFLOW`."""
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            words = shlex.split(line)
            ct, line_forms, rest = _line_options(words)
            options = replace(base, ct_states=parse_ct_states(ct))
            datapath, microflow = _split(rest)
            result = trace(sb, datapath, microflow, options=options)
        except (TraceError, ValueError) as exc:
            yield f"# line {number}: error: {exc}\n"
            continue
        if as_json:
            yield json.dumps(result.to_json()) + "\n"
        else:
            yield render_many(result, line_forms or forms)


def _line_options(words: list[str]) -> tuple[list[str], list[str], list[str]]:
    ct: list[str] = []
    forms: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--ct" and index + 1 < len(words):
            ct.append(words[index + 1])
            index += 1
        elif word.startswith("--ct="):
            ct.append(word[5:])
        elif word in ("--detailed", "--summary", "--minimal"):
            forms.append(word[2:])
        else:
            rest.append(word)
        index += 1
    return ct, forms, rest


def _serve(sb: SouthboundSnapshot, base: TraceOptions, lines: Iterable[str]) -> Iterator[str]:
    """JSON lines: {"datapath", "microflow", "ct": [...], "form"} -> result."""
    for line in lines:
        if not line.strip():
            continue
        yield json.dumps(_answer(sb, base, line))


def _answer(sb: SouthboundSnapshot, base: TraceOptions, line: str) -> dict[str, Any]:
    try:
        request = json.loads(line)
        if not isinstance(request, dict) or "microflow" not in request:
            raise TraceError('a request is a JSON object with "microflow"')
        options = replace(base, ct_states=parse_ct_states(list(request.get("ct", []))))
        result = trace(sb, request.get("datapath"), str(request["microflow"]), options=options)
    except (TraceError, ValueError) as exc:
        return {"ok": False, "error": str(exc)}
    form = str(request.get("form", "json"))
    if form == "json":
        return {"ok": True, "trace": result.to_json()}
    return {"ok": True, "verdict": result.verdict, "output": render_many(result, [form])}
