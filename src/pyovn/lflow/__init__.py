"""OVN's logical-flow language: matches, actions, symbols, evaluation, OpenFlow.

Text in, trees out, and back::

    parse_match(text) -> Expr                 format_match(expr) -> str
    parse_actions(text) -> ActionList         format_actions(actions) -> str

Both parsers keep the exact spelling (constants, braces, whitespace,
comments), so `format_*(parse_*(s)) == s` for text written by real
ovn-northd; trees built in code print canonically.  Errors are
`LflowSyntaxError` (with `.position`, `.token`, `.expected`) or an
`LflowTypeError` subclass when a symbol-table rule is broken (see
`errors.py` for the tree).

`SYMBOLS` is the symbol table (`fields.py`).  `match_packet()` and
`execute_actions()` evaluate flows on a `Packet` for the tracer and the
simulator; `compile_flow()` translates a logical flow to OpenFlow in
`ovs-ofctl` syntax, as ovn-controller does; `read_lflow_dump()` and
`check_lflow_dump()` read `ovn-sbctl lflow-list` output.
"""

from pyovn.lflow.action_parser import parse_action_list as parse_actions
from pyovn.lflow.actions import Action, ActionList, format_actions
from pyovn.lflow.errors import (
    LflowCompileError,
    LflowError,
    LflowEvalError,
    LflowParseError,
    LflowSyntaxError,
    LflowTypeError,
    ReadOnlyFieldError,
    TypeMismatchError,
    UnknownActionError,
    UnknownFieldError,
    UnresolvedNameError,
    WidthMismatchError,
)
from pyovn.lflow.evaluate import Environment, execute_actions, match_packet
from pyovn.lflow.events import (
    ControllerEvent,
    CtEvent,
    DropEvent,
    Event,
    FieldSetEvent,
    LookupEvent,
    NestedEvent,
    NextEvent,
    OutputEvent,
    StopEvent,
)
from pyovn.lflow.expr import Expr, FieldRef
from pyovn.lflow.fields import SYMBOLS, Symbol, lookup_symbol
from pyovn.lflow.lflow_dump import DumpCheck, DumpedFlow, check_lflow_dump, read_lflow_dump
from pyovn.lflow.packet import Packet
from pyovn.lflow.parser import parse_expression as parse_match
from pyovn.lflow.printer import format_match
from pyovn.lflow.to_openflow import (
    CompileContext,
    CompiledFlows,
    OpenFlowFlow,
    TableLayout,
    compile_flow,
)

__all__ = [
    "SYMBOLS",
    "Action",
    "ActionList",
    "CompileContext",
    "CompiledFlows",
    "ControllerEvent",
    "CtEvent",
    "DropEvent",
    "DumpCheck",
    "DumpedFlow",
    "Environment",
    "Event",
    "Expr",
    "FieldRef",
    "FieldSetEvent",
    "LflowCompileError",
    "LflowError",
    "LflowEvalError",
    "LflowParseError",
    "LflowSyntaxError",
    "LflowTypeError",
    "LookupEvent",
    "NestedEvent",
    "NextEvent",
    "OpenFlowFlow",
    "OutputEvent",
    "Packet",
    "ReadOnlyFieldError",
    "StopEvent",
    "Symbol",
    "TableLayout",
    "TypeMismatchError",
    "UnknownActionError",
    "UnknownFieldError",
    "UnresolvedNameError",
    "WidthMismatchError",
    "check_lflow_dump",
    "compile_flow",
    "execute_actions",
    "format_actions",
    "format_match",
    "lookup_symbol",
    "match_packet",
    "parse_actions",
    "parse_match",
    "read_lflow_dump",
]
