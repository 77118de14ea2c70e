"""Public endpoints: post and list the comments of an article, count many articles."""

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from flask import Response, current_app, g, redirect, request, url_for
from flask.views import MethodView
from werkzeug.exceptions import UnsupportedMediaType

from .. import fastpath, i18n
from ..errors import DomainError, NotFound
from ..extensions import db, limiter
from ..limits import ID_MAX
from ..listing import PageCache, PageRequest, article_version, cached_page, counts
from ..metrics import COMMENTS
from ..models import Comment, Status
from ..moderation.actions import Client, submit_comment
from ..moderation.settings import effective
from ..schemas import (CommentCreateSchema, CommentPageSchema, CountsArgsSchema, CountsSchema,
                       ListingArgsSchema, PublicCommentSchema, SubmittedCommentSchema)
from . import Blueprint, json_response

blp = Blueprint("comments", __name__, url_prefix="/api/v1",
                description="What a blog page needs: post comments, list and count them.")
# flask-smorest documents only json/form/files as a request body; json_or_form is one too.
blp.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                            "json_or_form": "application/json"}

BODY_TYPES = {"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}


class InvalidEncoding(DomainError):
    status_code, message_key = 400, "body.encoding"


@blp.before_request
def _readable_body() -> None:
    """Refuse bodies we cannot read: 415 for other types, 400 for bytes that are not UTF-8."""
    if request.method != "POST" or not request.content_length and not request.mimetype:
        return
    if request.mimetype not in BODY_TYPES and not request.mimetype.endswith("+json"):
        raise UnsupportedMediaType()
    # Werkzeug would quietly turn bad bytes into U+FFFD; a reader should hear about it.
    if request.mimetype == "application/x-www-form-urlencoded":
        if not _utf8_form(request.get_data(cache=True)):
            raise InvalidEncoding()
    elif request.mimetype == "multipart/form-data":
        if any("\ufffd" in value for value in request.form.values()):
            raise InvalidEncoding()


def _utf8_form(raw: bytes) -> bool:
    """True when every percent-decoded name and value of a urlencoded body is UTF-8."""
    try:
        for pair in raw.split(b"&"):
            unquote_to_bytes(pair.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def client() -> Client:
    """The requesting client as moderators will see it (the address ProxyFix trusts)."""
    agent = request.user_agent.string[:500] or None
    return Client(ip=request.remote_addr, user_agent=agent)


def _redirect_target(url: str | None) -> str | None:
    """A form's `redirect` if it points to an allowed origin; open redirects are refused,
    and so is anything that could not be a Location header (a newline, a space): the
    comment is then answered as JSON, as without `redirect`."""
    if not url or request.is_json or any(char.isspace() or ord(char) < 32 or ord(char) == 127
                                         for char in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    origin = f"{parts.scheme}://{parts.netloc}"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    allowed = current_app.config["ALLOWED_ORIGINS"]
    if origin in allowed or ("*" in allowed and origin == request.headers.get("Origin")):
        return url
    return None


def screening_settings() -> dict[str, Any]:
    """The settings in force for this request (the environment's, or what admins saved)."""
    if "screening_settings" not in g:
        g.screening_settings = effective(db.session(), current_app.config)
    settings: dict[str, Any] = g.screening_settings
    return settings


def _honeypot(settings: dict[str, Any]) -> str | None:
    """The hidden field's value: people leave it empty, bots fill it in."""
    body = request.get_json(silent=True) if request.is_json else request.form
    value = body.get(settings["HONEYPOT_FIELD"]) if isinstance(body, Mapping) else None
    return str(value) if value not in (None, "", False) else None


def _page_cache() -> PageCache:
    extensions = current_app.extensions
    if "causerie.pages" not in extensions:
        extensions["causerie.pages"] = PageCache(current_app.config["LISTING_CACHE_BYTES"])
    cache: PageCache = extensions["causerie.pages"]
    return cache


def _post_ceiling() -> str:
    return str(current_app.config["POST_REQUEST_LIMIT"])


@blp.route("/articles/<article:article>/comments")
class ArticleComments(MethodView):
    # The flood limit (POST_RATE_LIMIT) counts accepted comments in the database
    # (moderation.flood). Flask-Limiter adds a ceiling on every POST, accepted or not,
    # counted when the request comes in (one atomic increment in Redis when shared).
    decorators = [limiter.limit(_post_ceiling, methods=["POST"])]

    @blp.etag
    @blp.arguments(ListingArgsSchema(), location="query")
    @blp.response(200, CommentPageSchema)
    def get(self, args: dict[str, Any], article: str) -> Response:
        """List the approved comments of an article (threaded by parent_id), a page at a time."""
        page = PageRequest(article=article, **args)
        article_id, version = article_version(db.session(), article)
        fastpath.mark((article_id, version))  # this answer, 200 or 304, may be replayed
        # 304 here if the client has it.
        blp.set_etag(page.etag_data(article_id, version, current_app.config["SECRET_KEY"]))
        response = json_response(cached_page(db.session(), _page_cache(), page, article_id, version))
        response.headers["Cache-Control"] = "public, no-cache"
        return response

    @blp.arguments(CommentCreateSchema(), location="json_or_form")
    @blp.doc(requestBody={"content": {"application/x-www-form-urlencoded": {
        "schema": CommentCreateSchema}}})
    @blp.response(201, SubmittedCommentSchema)
    @blp.alt_response(303, description="A form post with an allowed `redirect` is sent there.")
    @blp.alt_response(403, description="Comments on this article are closed.")
    @blp.alt_response(409, description="The same comment was already posted.")
    @blp.alt_response(413, description="The body is over MAX_CONTENT_LENGTH.")
    @blp.alt_response(415, description="The body is neither JSON nor a form.")
    @blp.alt_response(429, description="Posting too fast; see Retry-After.")
    def post(self, data: dict[str, Any], article: str) -> Any:
        """Accept a comment (JSON or a plain HTML form); it may be held for moderation."""
        settings = screening_settings()
        target = _redirect_target(data.get("redirect"))
        comment = submit_comment(db.session(), article, {**data, "honeypot": _honeypot(settings),
                                                       "language": i18n.locale()},
                                 client=client(), settings=settings)
        g.posted = comment  # for the answer page of a form without JavaScript (service.pages)
        current_app.logger.info("comment %s on %s: %s", comment.id, article, comment.status)
        COMMENTS.labels(comment.status.value).inc()
        if target:
            return redirect(target, 303)
        return comment, {"Location": url_for(".comment", comment_id=comment.id)}


@blp.route(f"/comments/<int(max={ID_MAX}):comment_id>", endpoint="comment")
class PublicComment(MethodView):
    @blp.response(200, PublicCommentSchema)
    def get(self, comment_id: int) -> Comment:
        """One approved comment; a comment not approved is not found."""
        comment = db.session.get(Comment, comment_id)
        if comment is None or comment.status != Status.APPROVED:
            raise NotFound()
        return comment


@blp.route("/counts")
class Counts(MethodView):
    @blp.etag
    @blp.arguments(CountsArgsSchema(), location="query")
    @blp.response(200, CountsSchema)
    def get(self, args: dict[str, Any]) -> Response:
        """Approved comments per article, for up to 100 articles at once (with an ETag:
        a revisit whose counts did not change gets 304 Not Modified)."""
        found = counts(db.session(), args["article"])
        blp.set_etag(found)  # 304 here if the client has these counts
        response = json_response(json.dumps({"counts": found}, ensure_ascii=False,
                                            separators=(",", ":")).encode())
        response.headers["Cache-Control"] = "public, no-cache"
        return response

    @blp.arguments(CountsArgsSchema(), location="json")
    @blp.response(200, CountsSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """The same counts, the keys in a JSON body (`{"article": [...]}`): 100 keys of
        200 characters do not fit in a request line (8 KB)."""
        return {"counts": counts(db.session(), args["article"])}
