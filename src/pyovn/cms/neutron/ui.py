"""The web view of the network (filled in by the ui module's later parts)."""

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(prefix="/ui", include_in_schema=False)
