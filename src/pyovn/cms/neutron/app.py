"""The FastAPI application: Neutron's v2.0 resources, version discovery, the
error format, and the web view of the network.

Every error leaves as Neutron's `{"NeutronError": {"type", "message",
"detail"}}` with its status; request bodies that do not validate are 400
(Neutron's status, not FastAPI's 422), naming the attribute.
"""

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pyovn import __version__
from pyovn.cms.errors import CmsError
from pyovn.cms.neutron import routes_core, routes_l3, routes_meta, routes_security, ui
from pyovn.cms.neutron.errors import BadRequest, NeutronError, from_cms_error
from pyovn.cms.neutron.service import ApiSettings, NeutronService

__all__ = ["NeutronApp", "create_app"]

log = logging.getLogger(__name__)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        if error.get("type") == "extra_forbidden":
            parts.append(f"Unrecognized attribute(s) '{where.rsplit('.', 1)[-1]}'")
        elif error.get("type") == "json_invalid":
            parts.append("the request body is not valid JSON")
        else:
            parts.append(f"Invalid input for {where or 'the request body'}: {error.get('msg')}")
    return "; ".join(parts) or "invalid request"


def _error(exc: NeutronError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NeutronError)
    async def neutron_error(request: Request, exc: NeutronError) -> JSONResponse:
        return _error(exc)

    @app.exception_handler(CmsError)
    async def cms_error(request: Request, exc: CmsError) -> JSONResponse:
        return _error(from_cms_error(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(BadRequest(_validation_message(exc)))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        names = {404: "HTTPNotFound", 405: "HTTPMethodNotAllowed"}
        error = NeutronError(str(exc.detail), names.get(exc.status_code, "HTTPError"))
        error.status = exc.status_code
        return _error(error)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request %s %s failed", request.method, request.url.path)
        error = NeutronError(f"internal error: {type(exc).__name__}", "InternalServerError")
        return _error(error)


class NeutronApp(FastAPI):
    """FastAPI, with its 422 answers left out of the OpenAPI document: bad input
    is Neutron's 400 here, and the document says so."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            schema = get_openapi(
                title=self.title,
                version=self.version,
                description=self.description,
                routes=self.routes,
            )
            for operations in schema["paths"].values():
                for operation in operations.values():
                    operation.get("responses", {}).pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
            self.openapi_schema = schema
        return self.openapi_schema


def create_app(settings: ApiSettings) -> FastAPI:
    """The API; it connects to the databases when the server starts."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.service = await NeutronService.start(settings)
        try:
            yield
        finally:
            await app.state.service.close()

    app = NeutronApp(
        title="pyovn Neutron API",
        version=__version__,
        description="Neutron v2.0 networks, subnets, ports, routers, floating IPs and "
        "security groups, stored in the OVN Northbound DB as Neutron's ML2/OVN driver "
        "stores them. The network's drawing is at /ui/.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    app.include_router(routes_core.router)
    app.include_router(routes_l3.router)
    app.include_router(routes_security.router)
    app.include_router(ui.router)

    app.include_router(routes_meta.router)
    return app
