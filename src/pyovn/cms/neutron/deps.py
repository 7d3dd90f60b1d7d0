"""What every endpoint needs: the service, the caller, and the error
responses to declare in the OpenAPI document."""

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader
from pydantic import BaseModel

from pyovn.cms.neutron.auth import Principal
from pyovn.cms.neutron.service import NeutronService

__all__ = ["ERRORS", "Caller", "ErrorBody", "Service"]

_token = APIKeyHeader(name="X-Auth-Token", auto_error=False, description="a token of --token-file")


class ErrorDetail(BaseModel):
    type: str
    message: str
    detail: str


class ErrorBody(BaseModel):
    NeutronError: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Bad request: malformed body or value"),
        (401, "No token, or an unknown one"),
        (403, "The project may not do this"),
        (404, "No such resource, or another project's"),
        (409, "Conflict: duplicate address, resource in use"),
        (503, "The database kept changing under the request"),
    )
}


def service(request: Request) -> NeutronService:
    svc: NeutronService = request.app.state.service
    return svc


Service = Annotated[NeutronService, Depends(service)]


def caller(
    svc: Service,
    token: Annotated[str | None, Depends(_token)] = None,
    x_project_id: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    return svc.authenticate(token, x_project_id)


Caller = Annotated[Principal, Depends(caller)]
