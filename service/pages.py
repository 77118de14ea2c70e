"""Pages for people: the demo article at `/`, and the answer to a comment form posted
without JavaScript, which gets a small page in the reader's language instead of JSON.

Every page has a strict Content-Security-Policy: no inline script or style, nothing from
another origin. JSON clients get exactly what they got before: only a form post that
prefers HTML (as browsers send `Accept: text/html`) is answered with a page.
"""

import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, g, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from . import i18n, widget
from .extensions import limiter
from .api.comments import _redirect_target, screening_settings

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
DEMO_ARTICLE = "comment-devenir-chef-de-projet-ia"
FIELDS = ("text", "name", "email", "website")
POST_ENDPOINT = "comments.ArticleComments"


def register(app: Flask) -> None:
    """The demo page, the reader's scripts, and the pages answering plain forms."""
    app.add_url_rule("/", "demo_article", demo_article)
    widget.register(app)
    app.after_request(_form_answer)


def _page(html: str, status: int = 200) -> Response:
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CSP
    return response


def _context(**extra: Any) -> dict[str, Any]:
    settings = screening_settings()
    return {"t": i18n.message, "lang": i18n.locale(), "honeypot": settings["HONEYPOT_FIELD"],
            "require_email": bool(settings["REQUIRE_EMAIL"]),
            "assets": {name: widget.url(name) for name in ("page.css", "embed.css")}, **extra}


def demo_article() -> Response:
    """The seed article, in French, ending in its comments (the widget; a form without it)."""
    g.locale = "fr"
    action = url_for(POST_ENDPOINT, article=DEMO_ARTICLE, lang="fr")
    html = render_template("article.html", **_context(
        article=DEMO_ARTICLE, action=action, values={"redirect": request.url_root}))
    return _page(html)


def _wants_page() -> bool:
    if request.endpoint != POST_ENDPOINT or request.method != "POST" or request.is_json:
        return False
    accepted = request.accept_mimetypes
    return bool(accepted) and accepted.best_match(("application/json", "text/html")) == "text/html"


def _posted_values() -> dict[str, str]:
    """What the reader typed, to give it back; nothing when the body could not be read."""
    try:
        form = request.form
    except HTTPException:  # e.g. over MAX_CONTENT_LENGTH
        return {}
    return {key: form[key] for key in (*FIELDS, "parent_id", "redirect", "notify_replies")
            if form.get(key)}


def _back_link(values: dict[str, str]) -> str | None:
    """The article the reader came from: the form's allowed `redirect`, else the Referer."""
    if target := _redirect_target(values.get("redirect")):
        return target
    referrer = request.referrer or ""
    return referrer if urlsplit(referrer).scheme in ("http", "https") else None


def _retry_after(status: int) -> str:
    """Seconds until the flood limit lets the reader post again (the limiter writes its
    Retry-After header after this page is made, so ask it directly)."""
    limit = limiter.current_limit if status == 429 else None
    return str(max(1, int(limit.reset_at - time.time()))) if limit else ""


def _form_answer(response: Response) -> Response:
    if not _wants_page():
        return response
    if response.status_code == 303 and (posted := g.get("posted")) is not None:
        # Back on the article, the widget turns this marker into "awaiting moderation".
        parts = urlsplit(response.location or "")
        response.location = urlunsplit(parts._replace(
            fragment=f"causerie-{posted.public_status}"))
        return response
    body = response.get_json(silent=True)
    if not isinstance(body, dict):
        return response
    values = _posted_values()
    ok = response.status_code == 201
    errors = {} if ok else body.get("errors") or {}
    retry = response.headers.get("Retry-After", "") or _retry_after(response.status_code)
    html = render_template("form_answer.html", **_context(
        ok=ok, message=body.get("message", ""), values={} if ok else values,
        errors={field: errors[field] for field in FIELDS if field in errors},
        others=[m for field, ms in errors.items() if field not in FIELDS for m in ms],
        retry=retry if retry.isdigit() else None, back=_back_link(values),
        action=request.full_path.rstrip("?")))
    page = _page(html, response.status_code)
    for header in ("Retry-After", "Content-Language", "Vary", "Location"):
        if header in response.headers:
            page.headers[header] = response.headers[header]
    return page
