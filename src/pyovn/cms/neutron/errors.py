"""Errors of the Neutron API, each with its HTTP status and Neutron's type name.

    CmsError
    └── NeutronError              answered as {"NeutronError": {type, message, detail}}
        ├── BadRequest            400  malformed body, bad CIDR, bad IP, ...
        ├── NotAuthenticated      401  no token, or one the token file does not hold
        ├── Forbidden             403  the project may not do this (admin-only attribute,
        │                              another project's id)
        ├── NotFound              404  no such resource, or one the project cannot see
        └── Conflict              409  duplicate IP or MAC, resource in use, ...

The `type` is the exception name Neutron uses for the same case
(`NetworkNotFound`, `IpAddressAlreadyAllocated`, ...), so clients that switch
on it keep working. Errors the layers below raise (`pyovn.cms.errors`) are
mapped by `from_cms_error`.
"""

from typing import Any

from pyovn.cms.errors import (
    CmsError,
    ConflictError,
    DuplicateError,
    IpamError,
    NotFoundError,
    ValueSyntaxError,
    WaitTimeoutError,
)

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NeutronError",
    "NotAuthenticated",
    "NotFound",
    "ServiceUnavailable",
    "from_cms_error",
]


class NeutronError(CmsError):
    """An API error: HTTP status, Neutron's type name and a message."""

    status = 500
    default_type = "NeutronError"

    def __init__(self, message: str, type_: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.type = type_ or self.default_type

    def body(self) -> dict[str, Any]:
        return {"NeutronError": {"type": self.type, "message": self.message, "detail": ""}}


class BadRequest(NeutronError):
    status = 400
    default_type = "HTTPBadRequest"


class NotAuthenticated(NeutronError):
    status = 401
    default_type = "HTTPUnauthorized"


class Forbidden(NeutronError):
    status = 403
    default_type = "PolicyNotAuthorized"


class NotFound(NeutronError):
    status = 404
    default_type = "HTTPNotFound"


class Conflict(NeutronError):
    status = 409
    default_type = "Conflict"


class ServiceUnavailable(NeutronError):
    status = 503
    default_type = "ServiceUnavailable"


def not_found(kind: str, ident: str) -> NotFound:
    """Neutron's `<Kind>NotFound`: "Network X could not be found."."""
    words = {"SecurityGroupRule": "Security group rule", "FloatingIP": "Floating IP"}
    label = words.get(kind, kind.replace("Group", " group"))
    return NotFound(f"{label} {ident} could not be found.", f"{kind}NotFound")


def from_cms_error(exc: CmsError) -> NeutronError:
    """The API error for an error of the CMS layer."""
    if isinstance(exc, NeutronError):
        return exc
    if isinstance(exc, NotFoundError):
        return NotFound(str(exc))
    if isinstance(exc, DuplicateError):
        return Conflict(str(exc))
    if isinstance(exc, IpamError):
        return Conflict(str(exc), "IpAddressGenerationFailure")
    if isinstance(exc, ValueSyntaxError):
        return BadRequest(str(exc))
    if isinstance(exc, ConflictError | WaitTimeoutError):
        return ServiceUnavailable(str(exc))
    return BadRequest(str(exc))
