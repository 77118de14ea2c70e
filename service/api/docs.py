"""The assets of the API's human view at `/docs`, served from the pinned swagger-ui-bundle
package: a self-hosted service documents itself with no CDN and no internet."""

from flask import Flask, Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from ..errors import NotFound

ASSETS = "/docs/assets/"
_FILES = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
          "favicon-32x32.png", "favicon-16x16.png"}


def register(app: Flask) -> None:
    """Serve the Swagger UI files that flask-smorest's /docs page loads (its
    OPENAPI_SWAGGER_UI_URL is ASSETS)."""
    app.add_url_rule(f"{ASSETS}<name>", "swagger_ui_asset", _asset)


def _asset(name: str) -> Response:
    if name not in _FILES:
        raise NotFound()
    return send_from_directory(str(swagger_ui_path), name, max_age=86400)
