"""Errors of pyovn.northd.

    PyovnError
    └── NorthdError
        ├── AddressError   a MAC/IP/CIDR a user wrote in the NB is malformed
        └── ConfigError    an NB row is inconsistent (dangling peer, bad NAT)

Both are reported once per row in the log and the row (or the bad part) is
skipped; they never stop the rest of the compile.
"""

from pyovn.errors import PyovnError

__all__ = ["AddressError", "ConfigError", "NorthdError"]


class NorthdError(PyovnError):
    """Base class of northd's errors."""


class AddressError(NorthdError):
    """A malformed address in an NB row."""


class ConfigError(NorthdError):
    """An NB configuration that cannot be compiled as written."""
