"""The command object: one verb's work inside a transaction.

A command reads and changes rows through the `TxnContext` it is given and
leaves what it found in `result`. It must not block or talk to the server:
the transaction may run it several times (once per attempt) before one
attempt commits, and only the last run's `result` counts.
"""

from abc import ABC, abstractmethod
from typing import Any

from pyovn.cms.api.txn import TxnContext

__all__ = ["Command", "ReadCommand"]


class Command(ABC):
    """Base class of every command; subclasses implement `run`."""

    result: Any = None
    #: Bump the --wait counter even when nothing changes (ovn-nbctl sync).
    forces_cfg_bump: bool = False

    @abstractmethod
    def run(self, ctx: TxnContext) -> None:
        """Do the work against `ctx`, set `self.result`, raise CmsError on bad input."""

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "result")
        return f"{type(self).__name__}({fields})"


class ReadCommand(Command):
    """A command that only reads (list, show, get); never makes a transaction."""
