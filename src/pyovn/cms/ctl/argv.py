"""The command line of the ctl tools (ovn-nbctl(8), "OPTIONS" and "COMMANDS").

    TOOL [GLOBAL-OPTIONS] [--] [CMD-OPTIONS] COMMAND [ARG...] [-- [CMD-OPTIONS] COMMAND ...]

Global options come first and end at the first non-option or `--`; an option
that is not global but belongs to some command (`--may-exist`) is kept for
the first command, as the real tools allow. Each command after a `--` may
carry its own options (`-- --id=@x create ...`). Every command's arity and
options are checked against its `Verb` before anything connects.
"""

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyovn.cms.ctl.formats import Formatting
from pyovn.cms.errors import UsageError

__all__ = ["GlobalOption", "Invocation", "ParsedCommand", "Verb", "parse_command_line"]

UNLIMITED = sys.maxsize


@dataclass(frozen=True)
class Verb:
    """One command of a tool: its arity, its options and how to build and print it.

    `options` lists option names; a trailing `=` means the option takes a
    value (`--columns=`), `=?` an optional value (`--bfd=?`).
    `build(parsed, api)` returns the command object; `show(command, inv)` its
    output text.
    """

    name: str
    min_args: int
    max_args: int
    options: tuple[str, ...] = ()
    build: Callable[["ParsedCommand", Any], Any] | None = None
    show: Callable[[Any, "Invocation"], str] | None = None
    #: The exit status the command's result asks for (ovs-vsctl br-exists: 2).
    status: Callable[[Any], int] | None = None


@dataclass(frozen=True)
class GlobalOption:
    """A global option; `takes_value` for `--db X` / `--db=X`."""

    names: tuple[str, ...]
    takes_value: bool = False


@dataclass
class ParsedCommand:
    verb: Verb
    args: list[str]
    options: dict[str, str | None]
    text: str

    def has(self, option: str) -> bool:
        return option in self.options

    def value(self, option: str) -> str | None:
        return self.options.get(option)


@dataclass
class Invocation:
    """A whole command line: global options (by their first name) and commands."""

    options: dict[str, str | None] = field(default_factory=dict)
    commands: list[ParsedCommand] = field(default_factory=list)
    formatting: Formatting = field(default_factory=Formatting)


def _option_spec(verb: Verb) -> dict[str, str]:
    """option name -> "" (flag), "=" (value required) or "=?" (value optional)."""
    spec: dict[str, str] = {}
    for option in verb.options:
        if option.endswith("=?"):
            spec[option[:-2]] = "=?"
        elif option.endswith("="):
            spec[option[:-1]] = "="
        else:
            spec[option] = ""
    return spec


def parse_command_line(
    argv: Sequence[str], globals_: Sequence[GlobalOption], verbs: Mapping[str, Verb]
) -> Invocation:
    """Split and check `argv` (without the program name)."""
    by_name = {name: opt for opt in globals_ for name in opt.names}
    local_names = {name for verb in verbs.values() for name in _option_spec(verb)}
    inv = Invocation()
    first_locals: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg[:2], "", arg[2:])
        option = by_name.get(name)
        if option is None:
            if name in local_names:
                first_locals.append(arg)
                i += 1
                continue
            raise UsageError(f"unrecognized option '{arg}'")
        i += 1
        if option.takes_value:
            if not eq and not value:
                if i >= len(argv):
                    raise UsageError(f"option '{name}' requires an argument")
                value = argv[i]
                i += 1
            inv.options[option.names[0]] = value
        else:
            if eq:
                raise UsageError(f"option '{name}' doesn't allow an argument")
            inv.options[option.names[0]] = None
    segments = _split(list(argv[i:]))
    if first_locals:
        segments = [[*first_locals, *(segments[0] if segments else [])], *segments[1:]]
    for segment in segments:
        if segment:
            inv.commands.append(_parse_command(segment, verbs))
    if not inv.commands:
        raise UsageError("missing command name (use --help for help)")
    return inv


def _split(args: list[str]) -> list[list[str]]:
    segments: list[list[str]] = [[]]
    for arg in args:
        if arg == "--":
            segments.append([])
        else:
            segments[-1].append(arg)
    return segments


def _parse_command(segment: list[str], verbs: Mapping[str, Verb]) -> ParsedCommand:
    options_text: list[str] = []
    while segment and segment[0].startswith("--"):
        options_text.append(segment.pop(0))
    if not segment:
        raise UsageError("missing command name (use --help for help)")
    name, args = segment[0], segment[1:]
    verb = verbs.get(name)
    if verb is None:
        raise UsageError(f"unknown command '{name}'; use --help for help")
    spec = _option_spec(verb)
    options: dict[str, str | None] = {}
    for text in options_text:
        key, eq, value = text.partition("=")
        kind = spec.get(key)
        if kind is None:
            raise UsageError(f"'{name}' command has no '{key}' option")
        if key in options:
            raise UsageError(f"'{key}' option specified multiple times")
        if kind == "=" and not eq:
            raise UsageError(f"'{name}' command requires argument to '{key}' option")
        if kind == "" and eq:
            raise UsageError(f"'{name}' command has no argument for '{key}' option")
        options[key] = value if eq else None
    if len(args) < verb.min_args:
        raise UsageError(f"'{name}' command requires at least {verb.min_args} arguments")
    if len(args) > verb.max_args:
        raise UsageError(f"'{name}' command takes at most {verb.max_args} arguments")
    return ParsedCommand(verb, list(args), options, " ".join(segment))
