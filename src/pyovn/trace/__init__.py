"""An ovn-trace-compatible tracer over any Southbound database.

    sb = SouthboundSnapshot.load("unix:/run/ovn/ovnsb_db.sock")
    result = trace(sb, "sw1", 'inport == "vm1" && eth.src == ... && ip4.dst == ...',
                   ct_states=parse_ct_states(["new"]))
    print(render(result, "minimal"))      # "detailed" | "summary" | "minimal"
    result.verdict, result.deliveries, result.steps(), result.to_json()

The snapshot is loaded once and serves any number of traces. Output forms
follow ovn-trace(8); `render_rich()` is a colour tree for terminals.
Errors are `TraceError` subclasses (see `errors.py`).
"""

from pyovn.trace.errors import (
    MicroflowError,
    SouthboundError,
    TraceError,
    UnknownDatapathError,
    UnknownPortError,
)
from pyovn.trace.flowline import CT_FLAGS, format_flow_line
from pyovn.trace.logical import CT_DEFAULT, TraceOptions, trace
from pyovn.trace.model import Delivery, NodeKind, Step, Trace, TraceNode
from pyovn.trace.render import FORMATS, render, render_many, render_rich
from pyovn.trace.snapshot import SouthboundSnapshot

__all__ = [
    "CT_DEFAULT",
    "CT_FLAGS",
    "FORMATS",
    "Delivery",
    "MicroflowError",
    "NodeKind",
    "SouthboundError",
    "SouthboundSnapshot",
    "Step",
    "Trace",
    "TraceError",
    "TraceNode",
    "TraceOptions",
    "UnknownDatapathError",
    "UnknownPortError",
    "format_flow_line",
    "parse_ct_states",
    "render",
    "render_many",
    "render_rich",
    "trace",
]


def parse_ct_states(values: "list[str] | tuple[str, ...]") -> tuple[int, ...]:
    """`--ct` arguments ("new", "trk,est", "est rpl") as ct_state bit sets."""
    names = {name: bit for bit, name in CT_FLAGS}
    states = []
    for value in values:
        state = 0
        for word in value.replace(",", " ").split():
            if word not in names:
                raise TraceError(f"unknown ct_state flag {word!r} (use {', '.join(names)})")
            state |= names[word]
        states.append(state)
    return tuple(states)
