"""The controller's exception family.

Every error `pyovn.controller` raises on purpose derives from `ControllerError`::

    PyovnError
    └── ControllerError
        ├── ConfigError        the local Open_vSwitch row lacks or garbles what
        │                      ovn-controller needs (system-id, ovn-remote,
        │                      ovn-encap-type/-ip, ovn-bridge-mappings)
        ├── ChannelError       the switch connection (flows, packet-in/out) failed
        │                      or the switch refused a request
        └── PinctrlError       a packet-in that cannot be answered (truncated
                               userdata, a frame that is not what the action needs)

Problems with single logical flows (unknown address sets, unsupported
actions) are not exceptions: the flow is skipped and logged once, as
ovn-controller does.
"""

from pyovn.errors import PyovnError

__all__ = ["ChannelError", "ConfigError", "ControllerError", "PinctrlError"]


class ControllerError(PyovnError):
    """Base class of every error raised by `pyovn.controller`."""


class ConfigError(ControllerError):
    """Missing or malformed chassis configuration in the local Open_vSwitch DB."""


class ChannelError(ControllerError):
    """The OpenFlow-channel to the switch failed or refused a request."""


class PinctrlError(ControllerError):
    """A packet-in that pinctrl cannot answer."""
