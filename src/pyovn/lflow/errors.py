"""Errors raised by `pyovn.lflow`.

Everything the package raises on purpose derives from `LflowError`::

    PyovnError
     └── LflowError
          ├── LflowParseError          text of a match or actions is wrong (.position, .token)
          │    ├── LflowSyntaxError     does not follow the grammar (.expected)
          │    │    └── UnknownActionError   an action name the 23.03 parser does not know
          │    └── LflowTypeError       grammatical, but wrong against the symbol table
          │         ├── UnknownFieldError
          │         ├── WidthMismatchError    constant or field too wide / widths differ
          │         ├── TypeMismatchError     string vs integer, nominal field with `<`, ...
          │         └── ReadOnlyFieldError    assignment to eth.type, ip.proto, ...
          ├── LflowEvalError           a packet or environment cannot answer a question
          │    └── UnresolvedNameError       unknown $address_set, @port_group or port name
          └── LflowCompileError        a flow cannot be translated to OpenFlow

Messages follow OVN's wording where OVN has one ("Syntax error at `foo'
expecting field name."), so people who know ovn-trace recognise them.
"""

from __future__ import annotations

from pyovn.errors import PyovnError

__all__ = [
    "LflowCompileError",
    "LflowError",
    "LflowEvalError",
    "LflowParseError",
    "LflowSyntaxError",
    "LflowTypeError",
    "ReadOnlyFieldError",
    "TypeMismatchError",
    "UnknownActionError",
    "UnknownFieldError",
    "UnresolvedNameError",
    "WidthMismatchError",
]


class LflowError(PyovnError):
    """Base of every error of the logical-flow language package."""


class LflowParseError(LflowError):
    """The text of a match or of actions is wrong.

    `position` is the 0-based character offset of the offending token in the
    parsed text and `token` its spelling ("" at the end of the input).
    """

    def __init__(self, message: str, *, position: int, token: str) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.token = token


class LflowSyntaxError(LflowParseError):
    """The text does not follow the grammar; `expected` says what would."""

    def __init__(self, message: str, *, position: int, token: str, expected: str) -> None:
        super().__init__(message, position=position, token=token)
        self.expected = expected


class UnknownActionError(LflowSyntaxError):
    """A word in action position that is no action of OVN 23.03."""


class LflowTypeError(LflowParseError):
    """Grammatical text that breaks a rule of the symbol table."""


class UnknownFieldError(LflowTypeError):
    """A field or predicate name that the symbol table does not define."""


class WidthMismatchError(LflowTypeError):
    """A constant wider than its field, or two fields of different widths."""


class TypeMismatchError(LflowTypeError):
    """String where an integer is needed (or the reverse), or an operator the
    field's level of measurement does not allow."""


class ReadOnlyFieldError(LflowTypeError):
    """An action writes to a field that may only be read."""


class LflowEvalError(LflowError):
    """Evaluation on a packet cannot proceed."""


class UnresolvedNameError(LflowEvalError):
    """An address set, port group or logical port name the environment lacks."""


class LflowCompileError(LflowError):
    """A logical flow cannot be translated to OpenFlow."""
