"""The moderation page at /moderation/: one HTML document and its ES modules.

The page holds no data of its own: it signs in with a moderator's bearer token (kept in
the tab's sessionStorage) and uses the same JSON API as every other client, on the same
origin. Its sentences come from the gettext catalog, in the reader's language, delivered
in a non-executable JSON block so that the Content-Security-Policy allows no inline script.
"""

import os

from flask import Blueprint, Response, render_template

from .. import i18n
from .strings import page_messages

STATIC = os.path.join(os.path.dirname(__file__), "..", "static", "moderation")

blp = Blueprint("moderation_page", __name__, url_prefix="/moderation",
                static_folder=STATIC, static_url_path="/static")

#: No origin but our own; no inline script or style; nothing may frame the page; the
#: only sink for HTML is the one Trusted Types policy that inserts the sanitized `html`.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'; "
       "require-trusted-types-for 'script'; trusted-types causerie-sanitized")


def _protect(response: Response) -> Response:
    """Every answer under /moderation/ (the page and its files) carries the strict headers."""
    headers = response.headers
    headers["Content-Security-Policy"] = CSP
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers.setdefault("Cache-Control", "no-cache")
    return response


blp.after_request(_protect)


@blp.get("/")
def page() -> str:
    """The moderation page in the reader's language (`lang`, then Accept-Language)."""
    lang = i18n.locale()
    messages = page_messages()
    return render_template("moderation/index.html", lang=lang, t=messages,
                           messages=messages, other=[code for code in ("fr", "en")
                                                     if code != lang])
