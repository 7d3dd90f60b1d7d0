"""The package's public face."""

from __future__ import annotations

import pyovn.dataplane
from pyovn.dataplane import errors
from pyovn.errors import PyovnError


def test_all_names_exist_and_are_sorted() -> None:
    names = pyovn.dataplane.__all__
    assert names == sorted(names, key=lambda name: (name[0].islower(), name))
    for name in names:
        assert hasattr(pyovn.dataplane, name), name


def test_one_exception_family_drawn_in_errors_docstring() -> None:
    family = [
        errors.FlowSyntaxError,
        errors.FlowError,
        errors.PacketError,
        errors.ConntrackError,
        errors.FabricError,
    ]
    for error in family:
        assert issubclass(error, errors.DataplaneError)
        assert error.__name__ in (errors.__doc__ or "")
    assert issubclass(errors.DataplaneError, PyovnError)
