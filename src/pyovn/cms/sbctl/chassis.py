"""Chassis and port bindings by hand: chassis-add/del, lsp-bind/unbind."""

from pyovn.cms.api.command import Command
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import DuplicateError, NotFoundError

__all__ = [
    "ChassisAddCommand",
    "ChassisDelCommand",
    "LspBindCommand",
    "LspUnbindCommand",
]


def _chassis(ctx: TxnContext, name: str) -> Row | None:
    found = ctx.find("Chassis", "name", name)
    return found[0] if found else None


def _port_binding(ctx: TxnContext, name: str) -> Row | None:
    found = ctx.find("Port_Binding", "logical_port", name)
    return found[0] if found else None


class ChassisAddCommand(Command):
    """`chassis-add CHASSIS ENCAP-TYPES ENCAP-IP`: one Encap per type."""

    def __init__(self, chassis: str, encap_types: str, encap_ip: str, may_exist: bool = False):
        self.chassis, self.encap_ip, self.may_exist = chassis, encap_ip, may_exist
        self.encap_types = [t for t in encap_types.split(",") if t]

    def run(self, ctx: TxnContext) -> None:
        if _chassis(ctx, self.chassis) is not None:
            if self.may_exist:
                return
            raise DuplicateError(
                f"cannot create a chassis named {self.chassis} because a chassis named "
                f"{self.chassis} already exists"
            )
        encaps = [
            ctx.insert(
                "Encap",
                type=kind,
                ip=self.encap_ip,
                options={"csum": "true"},
                chassis_name=self.chassis,
            ).uuid
            for kind in self.encap_types
        ]
        self.result = ctx.insert("Chassis", name=self.chassis, encaps=frozenset(encaps)).uuid


class ChassisDelCommand(Command):
    """`chassis-del CHASSIS`: the chassis, its encaps and its Chassis_Private row."""

    def __init__(self, chassis: str, if_exists: bool = False) -> None:
        self.chassis, self.if_exists = chassis, if_exists

    def run(self, ctx: TxnContext) -> None:
        chassis = _chassis(ctx, self.chassis)
        if chassis is None:
            if self.if_exists:
                return
            raise NotFoundError(f"no chassis named {self.chassis}")
        for uuid in chassis["encaps"]:
            encap = ctx.get("Encap", uuid)
            if encap is not None:
                encap.delete()
        for private in ctx.find("Chassis_Private", "name", self.chassis):
            private.delete()
        for binding in ctx.rows("Port_Binding"):
            if chassis.uuid in binding["chassis"]:
                binding["chassis"] = frozenset()
        chassis.delete()


class LspBindCommand(Command):
    """`lsp-bind PORT CHASSIS`: claim a port binding for a chassis (and mark it up)."""

    def __init__(self, port: str, chassis: str, may_exist: bool = False) -> None:
        self.port, self.chassis, self.may_exist = port, chassis, may_exist

    def run(self, ctx: TxnContext) -> None:
        binding = _port_binding(ctx, self.port)
        if binding is None:
            raise NotFoundError(f"no port named {self.port}")
        if binding["chassis"]:
            bound = ctx.get("Chassis", next(iter(binding["chassis"])))
            name = bound.name if bound is not None else "?"
            if self.may_exist and name == self.chassis:
                return
            raise DuplicateError(f"lport ({self.port}) has already been binded to chassis ({name})")
        chassis = _chassis(ctx, self.chassis)
        if chassis is None:
            raise NotFoundError(f"no chassis named {self.chassis}")
        binding["chassis"] = frozenset((chassis.uuid,))
        binding["up"] = frozenset((True,))


class LspUnbindCommand(Command):
    """`lsp-unbind PORT`."""

    def __init__(self, port: str, if_exists: bool = False) -> None:
        self.port, self.if_exists = port, if_exists

    def run(self, ctx: TxnContext) -> None:
        binding = _port_binding(ctx, self.port)
        if binding is None:
            if self.if_exists:
                return
            raise NotFoundError(f"no port named {self.port}")
        binding["chassis"] = frozenset()
        binding["up"] = frozenset()
