"""What is not a Neutron resource: version discovery (clients GET the
endpoint first), the extension list, and the OpenAPI docs page."""

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

__all__ = ["EXTENSIONS", "router"]

#: Neutron API extensions this server implements (aliases as Neutron names them).
EXTENSIONS = (
    ("allowed-address-pairs", "Allowed Address Pairs"),
    ("external-net", "Neutron external network"),
    ("port-security", "Port Security"),
    ("provider", "Provider Network"),
    ("router", "Neutron L3 Router"),
    ("ext-gw-mode", "Neutron L3 Configurable external gateway mode"),
    ("security-group", "security-group"),
    ("project-id", "project_id field enabled"),
)

#: Swagger UI's files, served by the API itself: machines without internet
#: access cannot fetch them from a CDN, as FastAPI's default /docs does.
SWAGGER_FILES = Path(fastapi_offline.__file__).parent / "static"
SWAGGER_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}

router = APIRouter()


@router.get("/docs", include_in_schema=False)
async def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="pyovn Neutron API",
        swagger_js_url="/docs-static/swagger-ui-bundle.js",
        swagger_css_url="/docs-static/swagger-ui.css",
        swagger_favicon_url="/docs-static/favicon.png",
    )


@router.get("/docs-static/{name}", include_in_schema=False)
async def docs_static(name: str) -> Response:
    if name not in SWAGGER_TYPES:
        return Response(status_code=404)
    return FileResponse(SWAGGER_FILES / name, media_type=SWAGGER_TYPES[name])


@router.get("/", include_in_schema=False)
async def versions(request: Request) -> Response:
    """Version discovery (clients GET the endpoint first); browsers go to the page."""
    if "text/html" in request.headers.get("accept", ""):
        return RedirectResponse("/ui/")
    base = str(request.base_url).rstrip("/")
    link = {"href": f"{base}/v2.0/", "rel": "self"}
    return JSONResponse({"versions": [{"id": "v2.0", "status": "CURRENT", "links": [link]}]})


@router.get("/v2.0", include_in_schema=False)
@router.get("/v2.0/", include_in_schema=False)
async def resources(request: Request) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    names = ["network", "subnet", "port", "router", "floatingip", "security_group"]
    return {
        "resources": [
            {
                "name": name,
                "collection": f"{name}s",
                "links": [{"href": f"{base}/v2.0/{name}s", "rel": "self"}],
            }
            for name in names
        ]
    }


@router.get("/v2.0/extensions", tags=["meta"])
async def extensions() -> dict[str, Any]:
    """The Neutron API extensions this server implements."""
    return {
        "extensions": [
            {"alias": alias, "name": name, "description": name, "links": [], "updated": ""}
            for alias, name in EXTENSIONS
        ]
    }
