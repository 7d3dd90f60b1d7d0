"""Neutron's list queries: `?ATTR=VALUE` filters (repeat one for "any of")
and `?fields=A&fields=B` to return only some attributes."""

from collections.abc import Iterable
from typing import Any

from starlette.datastructures import QueryParams

from pyovn.cms.neutron.errors import BadRequest

__all__ = ["select"]

#: Paging and sorting parameters, accepted and ignored: lists are short.
_IGNORED = {"limit", "marker", "sort_key", "sort_dir", "page_reverse", "fields"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def select(items: Iterable[dict[str, Any]], query: QueryParams) -> list[dict[str, Any]]:
    filters: dict[str, set[str]] = {}
    for key, value in query.multi_items():
        if key not in _IGNORED:
            filters.setdefault(key, set()).add(
                value.lower() if value in ("True", "False") else value
            )
    fields = [f for f in query.getlist("fields") if f]
    out = []
    for item in items:
        for key in filters:
            if key not in item:
                raise BadRequest(
                    f"'{key}' is not a valid filter for this resource", "HTTPBadRequest"
                )
        if all(_text(item[key]) in wanted for key, wanted in filters.items()):
            out.append({k: v for k, v in item.items() if k in fields} if fields else item)
    return out
