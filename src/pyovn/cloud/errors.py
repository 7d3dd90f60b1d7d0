"""Errors of pyovn.cloud.

PyovnError
└── CloudError   a local deployment cannot be started, loaded or stopped
"""

from pyovn.errors import PyovnError

__all__ = ["CloudError"]


class CloudError(PyovnError):
    """A run directory, daemon or demo step failed; the message says which."""
