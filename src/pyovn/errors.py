"""The root of every pyovn exception family.

Each package has its own family under `PyovnError` (see the package's
`errors.py`); the `pyovn` command turns any of them into one line on stderr
and a non-zero exit status.
"""

__all__ = ["PyovnError"]


class PyovnError(Exception):
    """Base class of all errors pyovn raises on purpose."""
