"""Finding NB records the way ovn-nbctl's commands name them: by UUID, else by
name, with ovn-nbctl's messages when none or several match.
"""

from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.errors import NotFoundError
from pyovn.ovsdb.datum import is_uuid

__all__ = [
    "dhcp_options",
    "find_lr",
    "find_lrp",
    "find_ls",
    "find_lsp",
    "find_port_group",
    "lr",
    "lrp",
    "lrp_router",
    "ls",
    "lsp",
    "lsp_switch",
    "port_group",
]


def _by_name_or_uuid(
    ctx: TxnContext, table: str, ident: str, what: str, plural: str, must_exist: bool
) -> Row | None:
    if is_uuid(ident):
        found = ctx.get(table, ident.lower())
        if found is not None:
            return found
    rows = ctx.find(table, "name", ident)
    if len(rows) > 1:
        raise NotFoundError(f"Multiple {plural} named '{ident}'.  Use a UUID.")
    if rows:
        return rows[0]
    if must_exist:
        raise NotFoundError(f"{ident}: {what} name not found")
    return None


def find_ls(ctx: TxnContext, ident: str) -> Row | None:
    """A Logical_Switch by UUID or name, or None."""
    return _by_name_or_uuid(ctx, "Logical_Switch", ident, "switch", "logical switches", False)


def ls(ctx: TxnContext, ident: str) -> Row:
    """A Logical_Switch by UUID or name (an error when missing)."""
    return _need(_by_name_or_uuid(ctx, "Logical_Switch", ident, "switch", "logical switches", True))


def find_lr(ctx: TxnContext, ident: str) -> Row | None:
    """A Logical_Router by UUID or name, or None."""
    return _by_name_or_uuid(ctx, "Logical_Router", ident, "router", "logical routers", False)


def lr(ctx: TxnContext, ident: str) -> Row:
    """A Logical_Router by UUID or name (an error when missing)."""
    return _need(_by_name_or_uuid(ctx, "Logical_Router", ident, "router", "logical routers", True))


def find_lsp(ctx: TxnContext, ident: str) -> Row | None:
    """A Logical_Switch_Port by UUID or name, or None."""
    return _by_name_or_uuid(ctx, "Logical_Switch_Port", ident, "port", "ports", False)


def lsp(ctx: TxnContext, ident: str) -> Row:
    """A Logical_Switch_Port by UUID or name (an error when missing)."""
    return _need(_by_name_or_uuid(ctx, "Logical_Switch_Port", ident, "port", "ports", True))


def find_lrp(ctx: TxnContext, ident: str) -> Row | None:
    """A Logical_Router_Port by UUID or name, or None."""
    return _by_name_or_uuid(ctx, "Logical_Router_Port", ident, "port", "ports", False)


def lrp(ctx: TxnContext, ident: str) -> Row:
    """A Logical_Router_Port by UUID or name (an error when missing)."""
    return _need(_by_name_or_uuid(ctx, "Logical_Router_Port", ident, "port", "ports", True))


def find_port_group(ctx: TxnContext, ident: str) -> Row | None:
    """A Port_Group by UUID or name, or None."""
    return _by_name_or_uuid(ctx, "Port_Group", ident, "port group", "port groups", False)


def port_group(ctx: TxnContext, ident: str) -> Row:
    """A Port_Group by UUID or name (an error when missing)."""
    return _need(_by_name_or_uuid(ctx, "Port_Group", ident, "port group", "port groups", True))


def _need(row: Row | None) -> Row:
    assert row is not None
    return row


def dhcp_options(ctx: TxnContext, ident: str) -> Row:
    """A DHCP_Options row by its full UUID."""
    found = ctx.get("DHCP_Options", ident.lower()) if is_uuid(ident) else None
    if found is None:
        raise NotFoundError(f"{ident}: dhcp options UUID not found")
    return found


def _owner(ctx: TxnContext, table: str, row: Row) -> Row | None:
    for owner in ctx.rows(table):
        if row.uuid in owner["ports"]:
            return owner
    return None


def lsp_switch(ctx: TxnContext, port: Row) -> Row:
    """The switch that holds `port`."""
    owner = _owner(ctx, "Logical_Switch", port)
    if owner is None:
        raise NotFoundError(f"logical port {port.name} is not part of any logical switch")
    return owner


def lrp_router(ctx: TxnContext, port: Row) -> Row:
    """The router that holds `port`."""
    owner = _owner(ctx, "Logical_Router", port)
    if owner is None:
        raise NotFoundError(f"logical port {port.name} is not part of any logical router")
    return owner
