"""Hypothesis: whatever the microflow, the tracer answers or raises TraceError."""

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from pyovn.trace import TraceError, trace
from tests.trace.synthetic import FORWARDING, switch_sb

SB = switch_sb(FORWARDING)
WORDS = [
    'inport == "p1"',
    'inport == "p9"',
    'outport == "p2"',
    "eth.src == 00:00:00:00:00:01",
    "eth.dst == ff:ff:ff:ff:ff:ff",
    "ip4",
    "ip6",
    "ip4.src == 10.0.0.1",
    "ip4.dst == 10.0.0.0/8",
    "tcp.dst == 80",
    "tcp",
    "udp.src == 68",
    "ip.ttl == 1",
    "arp.op == 1",
    "ct.est",
    "!ct.new",
    "reg0[3] == 1",
    "vlan.vid == 5",
    "ip.frag",
    "(",
    ")",
    "&&",
    "||",
    "!",
    "==",
    "{",
    "}",
    "1",
    '"',
    "$as",
    "@pg",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8))
def test_word_salad_never_escapes_the_error_family(words: list[str]) -> None:
    text = " && ".join(words) if len(words) % 2 else " ".join(words)
    try:
        result = trace(SB, "d1", text)
    except TraceError as exc:
        assert "\n" not in str(exc)
    else:
        assert result.verdict in ("output", "drop", "loop")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_never_escapes_the_error_family(text: str) -> None:
    with contextlib.suppress(TraceError):
        trace(SB, "d1", 'inport == "p1" && ' + text)
