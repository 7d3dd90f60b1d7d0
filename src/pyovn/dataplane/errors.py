"""The data-plane simulator's exception family.

Every error `pyovn.dataplane` raises on purpose derives from `DataplaneError`::

    PyovnError
    └── DataplaneError
        ├── FlowSyntaxError      flow, match, action or group text that does not parse;
        │                        carries the offending token and its position
        ├── FlowError            a well-formed flow the switch refuses (bad table,
        │                        inconsistent prerequisites, unknown group)
        ├── PacketError          bytes or field maps that are not a packet we can build
        ├── ConntrackError       NAT address/port pools exhausted, bad zone
        └── FabricError          tunnel/chassis set-up problems (address in use, unknown peer)

Translation problems that OVS reports as a packet outcome (resubmit depth
exceeded, too many resubmits) are *not* exceptions: they are recorded in the
translation result and shown in the trace, as ovs-vswitchd does.
"""

from pyovn.errors import PyovnError

__all__ = [
    "ConntrackError",
    "DataplaneError",
    "FabricError",
    "FlowError",
    "FlowSyntaxError",
    "PacketError",
]


class DataplaneError(PyovnError):
    """Base class of every error raised by `pyovn.dataplane`."""


class FlowSyntaxError(DataplaneError):
    """Text that is not valid ovs-ofctl flow, match, action or group syntax."""

    def __init__(self, message: str, token: str = "", position: int | None = None) -> None:
        self.message = message
        self.token = token
        self.position = position
        where = f" at position {position}" if position is not None else ""
        shown = f" (offending token `{token}'{where})" if token else where
        super().__init__(f"{message}{shown}")


class FlowError(DataplaneError):
    """A syntactically valid flow that the switch cannot accept."""


class PacketError(DataplaneError):
    """A packet that cannot be built from, or converted to, bytes or fields."""


class ConntrackError(DataplaneError):
    """A connection-tracking failure such as an exhausted NAT pool."""


class FabricError(DataplaneError):
    """A failure setting up or using the simulated tunnel fabric."""
