"""Atom feeds (RFC 4287) of approved comments: one per article, one for the whole site.

Built with the standard library's ElementTree: a feed is a dozen elements, and feedgen
would add lxml and its own dependency for what 40 lines do. The ETag comes from the
article's version (service.listing), which changes with everything the public can see;
the site's from the sum of all versions. Only what the public listing shows goes out:
names, websites, the sanitized HTML, dates; never an e-mail or an IP.
"""

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, request, url_for
from flask.views import MethodView

from ..extensions import db
from ..i18n import locale, message
from ..listing import article_version, opaque_etag
from ..models import Article, Comment, Status
from . import Blueprint

blp = Blueprint("feeds", __name__, url_prefix="/api/v1",
                description="Atom feeds of approved comments, for feed readers.")

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50
RENDERING = 1  # part of every ETag: changing the rendering invalidates what clients hold
ET.register_namespace("", ATOM)
_COLUMNS = (Comment.id, Comment.name, Comment.website, Comment.html, Comment.created_at,
            Comment.updated_at, Article.key)
_ATOM_RESPONSE = {"200": {"description": "An Atom 1.0 feed (RFC 4287).",
                          "content": {"application/atom+xml": {}}},
                  "304": {"description": "Not modified (If-None-Match matched the ETag)."}}


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def render(title: str, rows: Sequence[Any], fallback_updated: datetime) -> bytes:
    """An Atom feed of these comments, newest first."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    self_url = request.base_url
    _add(feed, "id", self_url)
    _add(feed, "title", title)
    updated = max((row.updated_at for row in rows), default=fallback_updated)
    _add(feed, "updated", _time(updated))
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "generator", "Causerie")
    for row in rows:
        entry = _add(feed, "entry")
        link = url_for("comments.comment", comment_id=row.id, _external=True)
        _add(entry, "id", link)
        _add(entry, "title", f"{message('feed.entry_title')} {row.name}")
        _add(entry, "published", _time(row.created_at))
        _add(entry, "updated", _time(row.updated_at))
        author = _add(entry, "author")
        _add(author, "name", row.name)
        if row.website:
            _add(author, "uri", row.website)
        _add(entry, "link", rel="alternate", type="application/json", href=link)
        _add(entry, "category", term=row.key)
        _add(entry, "content", row.html, type="html")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def _atom(body: bytes) -> Response:
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, no-cache"
    return response


def _latest(*where: Any) -> Sequence[Any]:
    query = (sa.select(*_COLUMNS).join(Article, Article.id == Comment.article_id)
             .where(Comment.status == Status.APPROVED, *where)
             .order_by(Comment.created_at.desc(), Comment.id.desc()).limit(ENTRIES))
    return db.session().execute(query).all()


@blp.route("/articles/<article:article>/feed.atom")
class ArticleFeed(MethodView):
    @blp.etag
    @blp.doc(responses=_ATOM_RESPONSE)
    def get(self, article: str) -> Response:
        """The article's latest approved comments, as an Atom feed (ETag, 304); an article
        without comments yet has an empty feed, as its listing is empty, so a reader can
        subscribe before the first comment."""
        article_id, version = article_version(db.session(), article)
        blp.set_etag(opaque_etag([RENDERING, "article", article_id, version, locale()],
                                 current_app.config["SECRET_KEY"]))
        title = f"{message('feed.article_title')} {article}"
        if article_id is None:
            return _atom(render(title, [], datetime(2000, 1, 1)))
        found = db.session().get_one(Article, article_id)
        return _atom(render(title, _latest(Comment.article_id == article_id), found.updated_at))


@blp.route("/feed.atom")
class SiteFeed(MethodView):
    @blp.etag
    @blp.doc(responses=_ATOM_RESPONSE)
    def get(self) -> Response:
        """The site's latest approved comments, as an Atom feed (ETag, 304)."""
        # Versions only grow, and every change the public sees bumps one: their sum and
        # the number of articles change whenever the feed's content may.
        articles, versions, updated = db.session().execute(sa.select(
            sa.func.count(Article.id), sa.func.coalesce(sa.func.sum(Article.version), 0),
            sa.func.max(Article.updated_at))).one()
        blp.set_etag(opaque_etag([RENDERING, "site", articles, int(versions), locale()],
                                 current_app.config["SECRET_KEY"]))
        return _atom(render(message("feed.site_title"), _latest(),
                            updated or datetime(2000, 1, 1)))
