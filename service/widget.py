"""The reader's scripts and styles, served by the service itself (no CDN, no build step).

`/embed.js` and `/count.js` keep fixed addresses that blogs can rely on; browsers keep them
five minutes, then ask again with their ETag (a 304 when nothing changed), so a new release
reaches readers within minutes. Every file is also served under a name carrying its content
hash (`/widget/embed.3f2a9c1b.css`), cached for a year: the script loads its stylesheet
that way, so a page never mixes an old stylesheet with a new script.
"""

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, request

from .errors import NotFound

SOURCES = Path(__file__).resolve().parent / "assets"
FIXED_MAX_AGE = 300
HASHED_MAX_AGE = 365 * 24 * 3600
_TYPES = {".js": "text/javascript", ".css": "text/css"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    mimetype: str
    digest: str


def _asset(name: str, body: bytes) -> tuple[str, Asset]:
    stem, dot, suffix = name.rpartition(".")
    digest = hashlib.sha256(body).hexdigest()[:12]
    return f"{stem}.{digest}.{suffix}", Asset(body, _TYPES["." + suffix], digest)


@functools.cache
def assets() -> tuple[dict[str, Asset], dict[str, str]]:
    """(every file by its served name, the hashed name of each source file)."""
    served: dict[str, Asset] = {}
    hashed: dict[str, str] = {}
    for name in ("embed.css", "page.css", "count.js", "embed.js"):
        body = (SOURCES / name).read_bytes()
        if name == "embed.js":  # the script names its stylesheet by hash
            body = body.replace(b"__CAUSERIE_CSS__", hashed["embed.css"].encode())
        hashed[name], asset = _asset(name, body)
        served[hashed[name]] = asset
    return served, hashed


def url(name: str) -> str:
    """The content-hashed address of a source file, e.g. /widget/page.1a2b3c4d5e6f.css."""
    return f"/widget/{assets()[1][name]}"


def _send(asset: Asset, max_age: int, immutable: bool = False) -> Response:
    response = Response(asset.body, mimetype=asset.mimetype)
    response.set_etag(asset.digest)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    if immutable:
        response.cache_control.immutable = True
    # Another origin's page loads these with <script>/<link>, never with fetch: no CORS needed.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.make_conditional(request)  # in place: a 304 when the ETag matches
    return response


def _fixed(name: str) -> Response:
    served, hashed = assets()
    return _send(served[hashed[name]], FIXED_MAX_AGE)


def _hashed(name: str) -> Response:
    asset = assets()[0].get(name)
    if asset is None:
        raise NotFound()
    return _send(asset, HASHED_MAX_AGE, immutable=True)


def register(app: Flask) -> None:
    """Serve /embed.js, /count.js and the hashed files under /widget/."""
    app.add_url_rule("/embed.js", "embed_js", lambda: _fixed("embed.js"))
    app.add_url_rule("/count.js", "count_js", lambda: _fixed("count.js"))
    app.add_url_rule("/widget/<name>", "widget_asset", _hashed)
