"""Checks of NB content that builders skip silently; each problem becomes one
log line (the daemon reports every distinct message once)."""

from collections.abc import Iterable

from pyovn.northd.router.routing import resolve_routes
from pyovn.northd.views import RouterView, SwitchView

__all__ = ["validate"]


def validate(views: Iterable[SwitchView | RouterView]) -> list[str]:
    """Problem descriptions, each naming the NB row concerned."""
    problems: list[str] = []
    for view in views:
        if isinstance(view, RouterView):
            _, route_problems = resolve_routes(view)
            problems.extend(route_problems)
    return problems
