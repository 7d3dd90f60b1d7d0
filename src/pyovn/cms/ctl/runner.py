"""Running one ctl invocation: connect, run every command in one transaction,
wait for the daemons if asked, print the outputs.

`Tool` describes one program (ovn-nbctl, ovn-sbctl, ovs-vsctl): its database,
its default remote, its verbs, how records are named, and its sequence
counter for `--wait`. `run_tool()` is the whole program: it returns the exit
status and raises `CmsError` for the one-line error the caller prints.
"""

import asyncio
import os
import shlex
import ssl
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from pyovn import __version__
from pyovn.cms.api.backend import Backend, CfgCounter, TxnResult
from pyovn.cms.api.refs import RowIds
from pyovn.cms.ctl.argv import GlobalOption, Invocation, Verb, parse_command_line
from pyovn.cms.errors import CmsError, UsageError, WaitTimeoutError
from pyovn.errors import PyovnError
from pyovn.ovsdb.errors import OvsdbError
from pyovn.ovsdb.tls import TlsFiles

__all__ = ["COMMON_OPTIONS", "GlobalOption", "Tool", "console_main", "run_tool"]

COMMON_OPTIONS: tuple[GlobalOption, ...] = (
    GlobalOption(("--db",), True),
    GlobalOption(("--no-wait",)),
    GlobalOption(("--timeout", "-t"), True),
    GlobalOption(("--dry-run",)),
    GlobalOption(("--oneline",)),
    GlobalOption(("--format", "-f"), True),
    GlobalOption(("--data", "-d"), True),
    GlobalOption(("--no-headings",)),
    GlobalOption(("--pretty",)),
    GlobalOption(("--bare",)),
    GlobalOption(("--verbose", "-v")),
    GlobalOption(("--no-syslog",)),
    GlobalOption(("--leader-only",)),
    GlobalOption(("--no-leader-only",)),
    GlobalOption(("--shuffle-remotes",)),
    GlobalOption(("--no-shuffle-remotes",)),
    GlobalOption(("--private-key", "-p"), True),
    GlobalOption(("--certificate", "-c"), True),
    GlobalOption(("--ca-cert", "-C"), True),
    GlobalOption(("--help", "-h")),
    GlobalOption(("--version", "-V")),
)


@dataclass(frozen=True)
class Tool:
    """One ctl program."""

    name: str
    database: str
    env_var: str
    default_remote: str
    verbs: Mapping[str, Verb]
    row_ids: RowIds
    make_api: Callable[[Backend], Any]
    options_env: str | None = None
    counter: CfgCounter | None = None
    #: --wait=WORD -> the counter columns to wait for ("none" waits for nothing).
    waits: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The wait used when no --wait/--no-wait is given (ovs-vsctl waits by default).
    default_wait: str = "none"
    #: --print-wait-time: the text after a wait (backend, result, wait word).
    wait_report: Callable[[Backend, TxnResult, str], str] | None = None
    extra_options: tuple[GlobalOption, ...] = ()
    summary: str = ""


def run_tool(tool: Tool, argv: Sequence[str], out: TextIO | None = None) -> int:
    """Run `tool` with `argv` (no program name); CmsError for the error line."""
    out = out or sys.stdout
    env = os.environ.get(tool.options_env or "", "")
    inv = (
        parse_command_line(
            [*shlex.split(env), *argv], (*COMMON_OPTIONS, *tool.extra_options), tool.verbs
        )
        if not _wants_info(argv)
        else None
    )
    if inv is None:
        out.write(_info(tool, argv))
        return 0
    _apply_formatting(inv)
    timeout = _timeout(inv.options.get("--timeout"))
    comment = f"{tool.name}: {tool.name} " + " ".join(argv)
    try:
        text, warnings, status = asyncio.run(_with_timeout(_run(tool, inv, comment), timeout))
    except OvsdbError as exc:
        raise CmsError(str(exc)) from exc
    for line in warnings:
        print(f"{tool.name}: {line}", file=sys.stderr)
    out.write(text)
    out.flush()
    return int(status)


def _wants_info(argv: Sequence[str]) -> bool:
    for arg in argv:
        if arg in ("--help", "-h", "--version", "-V"):
            return True
        if not arg.startswith("-") or arg == "--":
            return False
    return False


def _info(tool: Tool, argv: Sequence[str]) -> str:
    if any(a in ("--version", "-V") for a in argv):
        return f"{tool.name} (pyovn) {__version__}\n"
    lines = [f"{tool.name}: {tool.summary}", f"usage: {tool.name} [OPTIONS] COMMAND [ARG...]", ""]
    for verb in sorted(tool.verbs.values(), key=lambda v: v.name):
        options = " ".join(f"[{o.rstrip('=?')}]" for o in verb.options)
        lines.append(f"  {options + ' ' if options else ''}{verb.name}")
    return "\n".join(lines) + "\n"


def _apply_formatting(inv: Invocation) -> None:
    fmt = inv.formatting
    if "--bare" in inv.options:
        fmt.format, fmt.data, fmt.headings = "list", "bare", False
    if inv.options.get("--format") is not None:
        fmt.set_format(str(inv.options["--format"]))
    if inv.options.get("--data") is not None:
        fmt.set_data(str(inv.options["--data"]))
    if "--no-headings" in inv.options:
        fmt.headings = False
    fmt.pretty = "--pretty" in inv.options


def _timeout(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"value {text} on -t or --timeout is invalid") from None
    if value < 0:
        raise UsageError(f"value {text} on -t or --timeout is invalid")
    return float(value) or None


async def _with_timeout(coro: Any, timeout: float | None) -> Any:
    try:
        return await asyncio.wait_for(coro, timeout)
    except TimeoutError:
        raise WaitTimeoutError(f"timed out after {timeout:g} seconds") from None


def _wait_word(tool: Tool, inv: Invocation) -> str:
    if "--no-wait" in inv.options:
        return "none"
    word = inv.options.get("--wait")
    if word is None:
        return tool.default_wait
    if word not in tool.waits:
        quoted = [f'"{w}"' for w in tool.waits]
        choices = ", ".join(quoted[:-1]) + f", or {quoted[-1]}" if len(quoted) > 1 else quoted[0]
        raise UsageError(f"argument to --wait must be {choices}")
    return word


def _ssl_context(inv: Invocation) -> ssl.SSLContext | None:
    files = TlsFiles(*(inv.options.get(o) for o in ("--private-key", "--certificate", "--ca-cert")))
    return files.client_context() if files.configured else None


async def _run(tool: Tool, inv: Invocation, comment: str) -> tuple[str, list[str], int]:
    wait = _wait_word(tool, inv)
    remote = inv.options.get("--db") or os.environ.get(tool.env_var) or tool.default_remote
    backend = Backend(
        remote,
        tool.database,
        tool.row_ids,
        leader_only="--no-leader-only" not in inv.options,
        ssl_context=_ssl_context(inv),
        shuffle="--no-shuffle-remotes" not in inv.options,
    )
    api = tool.make_api(backend)
    commands = []
    for parsed in inv.commands:
        assert parsed.verb.build is not None
        commands.append(parsed.verb.build(parsed, api))
    await backend.connect()
    try:
        counter = tool.counter if wait != "none" else None
        result = await backend.execute(
            commands,
            dry_run="--dry-run" in inv.options,
            counter=counter,
            comment=comment,
            wait_for=tool.waits.get(wait, ()),
        )
    finally:
        await backend.close()
    texts = []
    status: int = 0
    for parsed, command in zip(inv.commands, commands, strict=True):
        if parsed.verb.status is not None:
            status = max(status, parsed.verb.status(command))
        text = parsed.verb.show(command, inv) if parsed.verb.show is not None else ""
        if "--oneline" in inv.options:
            text = text.rstrip("\n").replace("\\", "\\\\").replace("\n", "\\n") + "\n"
        texts.append(text)
    if "--print-wait-time" in inv.options and tool.wait_report is not None and result.cfg:
        texts.append(tool.wait_report(backend, result, wait))
    return "".join(texts), backend.warnings, status


def console_main(tool: Tool, prog: str, argv: Sequence[str] | None = None) -> int:
    """A console script: run the tool, print a pyovn error as one line, return the status."""
    try:
        return run_tool(tool, sys.argv[1:] if argv is None else argv)
    except PyovnError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
