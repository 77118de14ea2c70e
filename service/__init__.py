"""Causerie: a self-hosted comment service for blogs.

`create_app` lives in `service.app`; it is loaded on first use so that the standard-library
parts (`service.spamfilter`) import without Flask, for the bench and offline tools.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app as create_app


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app
        return create_app
    raise AttributeError(f"module 'service' has no attribute {name!r}")
