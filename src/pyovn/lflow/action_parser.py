"""Parser of actions (the `actions` column of Logical_Flow).

An action list is a sequence of statements, each ending in `;`::

    field = constant;   field = field;   field <-> field;   ip.ttl--;
    field = function(args);                  # lookup_arp, put_dhcp_opts, select, ...
    keyword;  keyword(args);  keyword { actions };

`ACTIONS` maps every keyword of OVN 23.03 to its parse function (the
`OVNACTS` list of OVN).  With `check=True` (the default) fields are
validated against the symbol table as they are read.
"""

from __future__ import annotations

from collections.abc import Callable

from pyovn.lflow import controller_actions as ca
from pyovn.lflow.action_args import ArgParser
from pyovn.lflow.actions import (
    Action,
    ActionList,
    Clone,
    CtClear,
    CtCommit,
    CtCommitNat,
    CtCommitV1,
    CtDnat,
    CtDnatInCzone,
    CtLb,
    CtLbMark,
    CtNat,
    CtNext,
    CtSnat,
    CtSnatInCzone,
    CtSnatToVip,
    DecTtl,
    Drop,
    Exchange,
    KeywordAction,
    Load,
    Move,
    NestedAction,
    Next,
    Output,
    Pop,
    Push,
)
from pyovn.lflow.check import SymbolChecker
from pyovn.lflow.cursor import Cursor
from pyovn.lflow.errors import UnknownActionError
from pyovn.lflow.expr import Constant, StringConst
from pyovn.lflow.lexer import Token, TokenKind, tokenize

__all__ = ["ACTIONS", "RESULT_ACTIONS", "parse_action_list"]

_MAX_DEPTH = 50

_KEYWORDS: tuple[type[KeywordAction], ...] = (
    Output,
    Drop,
    CtNext,
    CtClear,
    CtCommitNat,
    CtSnatToVip,
    ca.Igmp,
    ca.HandleDhcpv6Reply,
)
_NESTED: tuple[type[NestedAction], ...] = (
    Clone,
    ca.Arp,
    ca.NdNa,
    ca.NdNaRouter,
    ca.NdNs,
    ca.Icmp4,
    ca.Icmp4Error,
    ca.Icmp6,
    ca.Icmp6Error,
    ca.TcpReset,
    ca.SctpAbort,
    ca.Reject,
)
_FIELD_CALLS: tuple[type[ca.FieldCall], ...] = (
    ca.GetArp,
    ca.PutArp,
    ca.GetNd,
    ca.PutNd,
    ca.PutFdb,
    ca.HandleSvcCheck,
)
_OPTION_CALLS: tuple[type[ca.OptionsCall], ...] = (
    ca.Log,
    ca.TriggerEvent,
    ca.CommitLbAff,
    ca.CommitEcmpNh,
    ca.Sample,
)
_NATS: tuple[type[CtNat], ...] = (CtDnat, CtSnat, CtDnatInCzone, CtSnatInCzone)

#: `R = name(...)` actions: name -> class.
RESULT_ACTIONS: dict[str, type[Action]] = {
    cls.NAME: cls
    for cls in (
        ca.LookupArp,
        ca.LookupArpIp,
        ca.LookupNd,
        ca.LookupNdIp,
        ca.GetFdb,
        ca.LookupFdb,
        ca.CheckPktLarger,
        ca.ChkLbHairpin,
        ca.ChkLbHairpinReply,
        ca.CheckInPortSec,
        ca.CheckOutPortSec,
        ca.ChkEcmpNhMac,
        ca.ChkEcmpNh,
        ca.ChkLbAff,
        ca.DnsLookup,
        ca.PutDhcpOpts,
        ca.PutDhcpv6Opts,
        ca.PutNdRaOpts,
        ca.Select,
    )
}

Parse = Callable[["_ActionParser", Token], Action]


def parse_action_list(text: str, *, check: bool = True, layout: bool = True) -> ActionList:
    """Parse `text` as actions; the result carries its `Layout` (unless
    `layout` is false: compiling never reprints the text)."""
    cursor = Cursor(tokenize(text))
    parser = _ActionParser(cursor, SymbolChecker() if check else None)
    actions = parser.parse_list(0, top=True)
    return ActionList(actions.actions, cursor.layout() if layout else None)


class _ActionParser(ArgParser):
    __slots__ = ()

    def parse_list(self, depth: int, *, top: bool) -> ActionList:
        cursor = self.cursor
        if depth > _MAX_DEPTH:
            raise cursor.fail("nesting too deep")
        actions: list[Action] = []
        while not (cursor.at_end() if top else cursor.at_punct("}")):
            if cursor.at_end():
                raise cursor.error("`}'")
            actions.append(self.parse_action(depth))
        return ActionList(tuple(actions))

    def parse_action(self, depth: int) -> Action:
        cursor = self.cursor
        token = cursor.token
        if token.kind is not TokenKind.ID:
            raise cursor.error("action")
        following = cursor.peek()
        if following.kind is TokenKind.PUNCT and following.text in ("=", "<->", "[", "--"):
            return self.parse_field_statement(token)
        parse = ACTIONS.get(token.text)
        if parse is None:
            raise UnknownActionError(
                f"Syntax error at `{token.text}' expecting action.",
                position=token.start,
                token=token.text,
                expected="action",
            )
        cursor.advance()
        if token.text in _NESTED_NAMES or token.text == "ct_commit":
            return self.parse_nested_or_commit(token, depth)
        action = parse(self, token)
        cursor.expect(";")
        return action

    def parse_nested_or_commit(self, token: Token, depth: int) -> Action:
        cursor = self.cursor
        name = token.text
        if name == "ct_commit" and cursor.accept(";"):
            return CtCommit(ActionList(), braces=False)
        if name == "ct_commit" and cursor.at_punct("("):
            action: Action = self.parse_ct_commit_v1()
        else:
            cursor.expect("{")
            body = self.parse_list(depth + 1, top=False)
            cursor.expect("}")
            action = CtCommit(body) if name == "ct_commit" else _NESTED_BY_NAME[name](body)
        cursor.expect(";")
        return action

    # ---- field statements ---------------------------------------------------

    def parse_field_statement(self, token: Token) -> Action:
        cursor = self.cursor
        dst = cursor.parse_field()
        if cursor.accept("--"):
            if dst.name != "ip.ttl" or dst.start is not None:
                raise cursor.fail("`--' is only valid for ip.ttl", token)
            cursor.expect(";")
            return DecTtl()
        if cursor.accept("<->"):
            right_token = cursor.token
            right = cursor.parse_field()
            self.check_exchange(dst, token, right, right_token)
            cursor.expect(";")
            return Exchange(dst, right)
        if not cursor.accept("="):
            raise cursor.error("`=' or `<->'")
        rhs = cursor.token
        if rhs.kind is TokenKind.ID and cursor.peek().is_punct("("):
            action = self.parse_result_call(dst, token, rhs)
        elif rhs.kind is TokenKind.ID:
            src = cursor.parse_field()
            self.check_move(dst, token, src, rhs)
            action = Move(dst, src)
        else:
            value = cursor.parse_value()
            if not isinstance(value, Constant | StringConst):
                raise cursor.error("constant", rhs)
            self.check_load(dst, token, value)
            action = Load(dst, value)
        cursor.expect(";")
        return action

    def parse_result_call(self, dst: object, dst_token: Token, name: Token) -> Action:
        cls = RESULT_ACTIONS.get(name.text)
        if cls is None:
            raise UnknownActionError(
                f"Syntax error at `{name.text}' expecting action.",
                position=name.start,
                token=name.text,
                expected="action",
            )
        self.cursor.advance()
        return self.parse_result(cls, dst, dst_token)

    # ---- keyword actions ----------------------------------------------------

    def parse_keyword(self, token: Token) -> Action:
        return _KEYWORD_BY_NAME[token.text]()

    def parse_next(self, token: Token) -> Action:
        cursor = self.cursor
        if not cursor.accept("("):
            return Next()
        if cursor.token.kind is TokenKind.NUMBER:
            number = cursor.expect_int("table number")
            cursor.expect(")")
            return Next(number)
        table: int | None = None
        pipeline: str | None = None
        keywords: list[str] = []
        while True:
            key = cursor.expect_id("`pipeline' or `table'")
            cursor.expect("=")
            if key.text == "pipeline":
                pipeline = self.expect_pipeline()
            elif key.text == "table":
                table = cursor.expect_int("table number")
            else:
                raise cursor.error("`pipeline' or `table'", key)
            keywords.append(key.text)
            if not cursor.accept(","):
                break
        cursor.expect(")")
        canonical = Next(table, pipeline)
        written = Next(table, pipeline, tuple(keywords))
        # Keep the keyword order only where it differs from the canonical text.
        return canonical if _spelled(canonical) == _spelled(written) else written

    def expect_pipeline(self) -> str:
        token = self.cursor.expect_id("`ingress' or `egress'")
        if token.text not in ("ingress", "egress"):
            raise self.cursor.error("`ingress' or `egress'", token)
        return token.text

    def parse_push(self, token: Token) -> Action:
        return Push(self.parenthesized_field(writable=False))

    def parse_pop(self, token: Token) -> Action:
        return Pop(self.parenthesized_field(writable=True))

    def parse_nat(self, token: Token) -> Action:
        cls = _NAT_BY_NAME[token.text]
        cursor = self.cursor
        if not cursor.accept("("):
            return cls()
        ip = self.expect_address()
        port_range = None
        if cursor.accept(","):
            low = cursor.expect_int("port number")
            high = low
            if cursor.accept("-"):
                high = cursor.expect_int("port number")
            if high < low:
                raise cursor.fail("range high should be greater than range low")
            port_range = (low, high)
        cursor.expect(")")
        return cls(ip, port_range)

    def parse_ct_lb(self, token: Token) -> Action:
        return self.parse_lb_arguments(CtLbMark if token.text == "ct_lb_mark" else CtLb)

    def parse_field_call(self, token: Token) -> Action:
        cls = _FIELD_CALL_BY_NAME[token.text]
        return cls(self.field_arguments(cls.ARITY))

    def parse_options_call(self, token: Token) -> Action:
        cls = _OPTIONS_BY_NAME[token.text]
        return cls(self.option_arguments())

    def parse_set_queue(self, token: Token) -> Action:
        return ca.SetQueue(self.int_arguments(1, 1)[0])

    def parse_set_meter(self, token: Token) -> Action:
        values = self.int_arguments(1, 2)
        return ca.SetMeter(values[0], values[1] if len(values) > 1 else None)

    def parse_bind_vport(self, token: Token) -> Action:
        cursor = self.cursor
        cursor.expect("(")
        vport = cursor.expect_string("port name string")
        cursor.expect(",")
        port = self.checked_field(writable=False)
        cursor.expect(")")
        return ca.BindVport(vport, port)

    def parse_handle_bfd_msg(self, token: Token) -> Action:
        self.cursor.expect("(")
        self.cursor.expect(")")
        return ca.HandleBfdMsg()

    def parse_fwd_group(self, token: Token) -> Action:
        return self.parse_fwd_group_arguments()

    def parse_ct_commit_v1(self) -> CtCommitV1:
        return self.parse_ct_commit_arguments()


def _spelled(action: Action) -> str:
    from pyovn.lflow.actions import format_actions

    return format_actions((action,))


_NESTED_BY_NAME: dict[str, type[NestedAction]] = {cls.NAME: cls for cls in _NESTED}
_NESTED_NAMES = frozenset(_NESTED_BY_NAME)
_KEYWORD_BY_NAME = {cls.NAME: cls for cls in _KEYWORDS}
_FIELD_CALL_BY_NAME = {cls.NAME: cls for cls in _FIELD_CALLS}
_OPTIONS_BY_NAME = {cls.NAME: cls for cls in _OPTION_CALLS}
_NAT_BY_NAME = {cls.NAME: cls for cls in _NATS}


def _nested_placeholder(parser: _ActionParser, token: Token) -> Action:  # pragma: no cover
    raise AssertionError("nested actions are parsed by parse_nested_or_commit")


#: Every action keyword of OVN 23.03 -> how to parse what follows it.
ACTIONS: dict[str, Parse] = {
    **{name: _ActionParser.parse_keyword for name in _KEYWORD_BY_NAME},
    **{name: _nested_placeholder for name in _NESTED_BY_NAME},
    "ct_commit": _nested_placeholder,
    "next": _ActionParser.parse_next,
    "push": _ActionParser.parse_push,
    "pop": _ActionParser.parse_pop,
    **{name: _ActionParser.parse_nat for name in _NAT_BY_NAME},
    "ct_lb": _ActionParser.parse_ct_lb,
    "ct_lb_mark": _ActionParser.parse_ct_lb,
    **{name: _ActionParser.parse_field_call for name in _FIELD_CALL_BY_NAME},
    **{name: _ActionParser.parse_options_call for name in _OPTIONS_BY_NAME},
    "set_queue": _ActionParser.parse_set_queue,
    "set_meter": _ActionParser.parse_set_meter,
    "bind_vport": _ActionParser.parse_bind_vport,
    "handle_bfd_msg": _ActionParser.parse_handle_bfd_msg,
    "fwd_group": _ActionParser.parse_fwd_group,
}
