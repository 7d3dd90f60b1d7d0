"""The ovs-vsctl value syntax: parsing, printing, and their round trip."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyovn.cms.api.values import english, format_value, parse_atom, parse_value
from pyovn.cms.errors import ValueSyntaxError
from pyovn.ovsdb.schema import UNLIMITED, AtomicType, BaseType, ColumnType

STRING = BaseType(AtomicType.STRING)
INTEGER = BaseType(AtomicType.INTEGER)
UUID = BaseType(AtomicType.UUID)
STRING_SET = ColumnType(STRING, None, 0, UNLIMITED)
STRING_MAP = ColumnType(STRING, STRING, 0, UNLIMITED)
OPTIONAL_INT = ColumnType(BaseType(AtomicType.INTEGER, min_integer=0, max_integer=4095), None, 0, 1)


@pytest.mark.parametrize(
    ("text", "ctype", "value"),
    [
        ("a,b", STRING_SET, frozenset({"a", "b"})),
        ("[a, b]", STRING_SET, frozenset({"a", "b"})),
        (" a , b ", STRING_SET, frozenset({"a", "b"})),
        ("a b,", STRING_SET, frozenset({"a", "b"})),
        ('"x y","z"', STRING_SET, frozenset({"x y", "z"})),
        ("[]", STRING_SET, frozenset()),
        ("k=v,k2=v2", STRING_MAP, {"k": "v", "k2": "v2"}),
        ('{"a b"="c d"}', STRING_MAP, {"a b": "c d"}),
        ("{}", STRING_MAP, {}),
        ("7", OPTIONAL_INT, frozenset({7})),
        ("[]", OPTIONAL_INT, frozenset()),
        ("1-3", ColumnType(INTEGER, None, 0, UNLIMITED), frozenset({1, 2, 3})),
        ("neutron\\:port", ColumnType(STRING), "neutron:port"),
    ],
)
def test_parse_value(text: str, ctype: ColumnType, value: object) -> None:
    assert parse_value(text, ctype) == value


@pytest.mark.parametrize(
    ("text", "ctype", "message"),
    [
        ("a,,b", STRING_SET, 'a,,b: unexpected "," parsing set of strings'),
        ("[a b", STRING_SET, '[a b: missing "]" at end of data'),
        ("[a],", STRING_SET, '[a],: trailing garbage after "]"'),
        ("a]", ColumnType(STRING), 'a]: unexpected "]" parsing string'),
        ("{a=b,c}", STRING_MAP, 'c}: syntax error at "}" expecting "="'),
        ("a=b]", STRING_MAP, 'a=b]: unexpected "]" parsing map of (string, string) pairs'),
        ("abc", OPTIONAL_INT, '"abc" is not a valid integer or range'),
        ("5000", OPTIONAL_INT, "constraint violation: 5000 is not in the valid range 0 to 4095 "),
        ("[1,2]", OPTIONAL_INT, "[1,2]: 2 value(s) specified but the maximum number is 1"),
        ('"abc', ColumnType(STRING), '"abc: quoted string extends past end of argument'),
        ("1234", ColumnType(UUID), '"1234" is not a valid UUID'),
        ("a,a", STRING_SET, "a,a: set contains duplicate value"),
    ],
)
def test_parse_errors(text: str, ctype: ColumnType, message: str) -> None:
    with pytest.raises(ValueSyntaxError) as info:
        parse_value(text, ctype)
    assert str(info.value).startswith(message)


def test_format_quotes_only_when_needed() -> None:
    one = ColumnType(STRING)
    assert format_value("sw1-lr1", one) == "sw1-lr1"
    for text in ("", "10.0.0.1", "true", "a b", "4c6e3f6e-1111-2222-3333-444455556666"):
        assert format_value(text, one).startswith('"')
    assert format_value(frozenset({"b", "a"}), STRING_SET) == "[a, b]"
    assert format_value({"k": "a b"}, STRING_MAP) == '{k="a b"}'
    assert format_value({"k": "a b"}, STRING_MAP, bare=True) == "k=a b"
    assert format_value(frozenset(), OPTIONAL_INT) == "[]"
    assert format_value(frozenset({5}), OPTIONAL_INT) == "5"


def test_english_names_types() -> None:
    assert english(STRING_SET) == "set of strings"
    assert english(OPTIONAL_INT) == "set of up to 1 integers"
    assert english(ColumnType(STRING, None, 1, UNLIMITED)) == "set of 1 or more strings"
    assert english(STRING_MAP) == "map of (string, string) pairs"


def test_at_names_resolve_through_symbols() -> None:
    seen = []

    def symbols(name: str) -> str:
        seen.append(name)
        return "12345678-1234-1234-1234-123456789012"

    assert parse_atom("@row", UUID, symbols) == "12345678-1234-1234-1234-123456789012"
    assert seen == ["@row"]


strings = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(st.frozensets(strings, max_size=5))
def test_sets_round_trip(value: frozenset[str]) -> None:
    assert parse_value(format_value(value, STRING_SET), STRING_SET) == value


@given(st.dictionaries(strings, strings, max_size=5))
def test_maps_round_trip(value: dict[str, str]) -> None:
    assert parse_value(format_value(value, STRING_MAP), STRING_MAP) == value


def test_package_exports_its_public_face() -> None:
    import pyovn.cms

    for name in pyovn.cms.__all__:
        assert hasattr(pyovn.cms, name), name
    assert issubclass(pyovn.cms.CmsError, Exception)
