"""Atom feeds: valid (feedparser, and RFC 4287's required elements checked by hand),
ETag and 304 following the article's version, and nothing private in them."""

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import feedparser
from flask import Flask

from tests.helpers import ARTICLE, comment, patch

ATOM = "{http://www.w3.org/2005/Atom}"
FEED = f"/api/v1/articles/{ARTICLE}/feed.atom"


def check_rfc4287(body: bytes) -> ET.Element:
    """The elements RFC 4287 requires (4.1.1, 4.1.2), and dates that are RFC 3339."""
    feed = ET.fromstring(body)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        # Without a feed-level author, every entry needs one, with a name.
        assert entry.findtext(f"{ATOM}author/{ATOM}name")
        content = entry.find(f"{ATOM}content")
        assert content is not None or entry.find(f"{ATOM}link[@rel='alternate']") is not None
        for name in ("updated", "published"):
            datetime.fromisoformat(entry.findtext(f"{ATOM}{name}", "").replace("Z", "+00:00"))
    return feed


def test_article_feed_is_valid_atom_with_etag_and_304(app: Flask, ada: dict[str, str]) -> None:
    client = app.test_client()
    first = comment(client, "Premier <em>avis</em> https://example.org", email="julie@example.org",
                    website="https://julie.example")
    assert patch(client, ada, first, status="approved").status_code == 200
    hidden = comment(client, "En attente", email="cache@example.org")
    response = client.get(FEED, headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    body = response.data
    feed = check_rfc4287(body)
    assert feed.findtext(f"{ATOM}title") == f"Comments on {ARTICLE}"
    parsed = feedparser.parse(body)
    assert not parsed.bozo and parsed.version == "atom10"
    assert len(parsed.entries) == 1
    entry = parsed.entries[0]
    assert entry.author == "Julie" and "<em>avis</em>" in entry.content[0].value
    assert entry.id.endswith(f"/api/v1/comments/{first}")
    assert b"julie@example.org" not in body and b"127.0.0.1" not in body and b"En attente" not in body
    etag = response.headers["ETag"]
    assert client.get(FEED, headers={"If-None-Match": etag, "Accept-Language": "en"}).status_code == 304
    french = client.get(FEED, headers={"Accept-Language": "fr"})
    assert french.headers["ETag"] != etag and b"Commentaires sur" in french.data
    assert patch(client, ada, hidden, status="approved").status_code == 200
    changed = client.get(FEED, headers={"If-None-Match": etag, "Accept-Language": "en"})
    assert changed.status_code == 200 and len(feedparser.parse(changed.data).entries) == 2
    empty = client.get("/api/v1/articles/nobody-here/feed.atom")  # subscribable before a comment
    assert empty.status_code == 200 and b"<entry>" not in empty.data and b"<updated>" in empty.data
    assert client.get("/api/v1/articles/bad%20key/feed.atom").status_code == 404


def test_site_feed_lists_the_latest_approved_comments_of_every_article(
        app: Flask, ada: dict[str, str]) -> None:
    client = app.test_client()
    empty = client.get("/api/v1/feed.atom")
    assert empty.status_code == 200 and check_rfc4287(empty.data).find(f"{ATOM}entry") is None
    ids = [comment(client, f"Avis {n} <script>alert(1)</script>", article=f"billet-{n % 2}")
           for n in range(3)]
    for id in ids:
        assert patch(client, ada, id, status="approved").status_code == 200
    response = client.get("/api/v1/feed.atom")
    feed = check_rfc4287(response.data)
    parsed: Any = feedparser.parse(response.data)
    assert not parsed.bozo and [e.title for e in parsed.entries] == ["Commentaire de Julie"] * 3
    assert [e.tags[0].term for e in parsed.entries] == ["billet-0", "billet-1", "billet-0"]
    assert b"<script>" not in response.data
    assert feed.findtext(f"{ATOM}title") == "Derniers commentaires"
    etag = response.headers["ETag"]
    assert client.get("/api/v1/feed.atom", headers={"If-None-Match": etag}).status_code == 304
    assert patch(client, ada, ids[0], status="trash").status_code == 200
    after = client.get("/api/v1/feed.atom", headers={"If-None-Match": etag})
    assert after.status_code == 200 and len(feedparser.parse(after.data).entries) == 2


def test_feed_etags_are_keyed_with_the_secret(make_app: Any) -> None:
    """An ETag must not let anyone recompute it from an article's id and version (which
    would tell that an article with no public comment has hidden ones)."""
    tags = []
    for secret in ("one secret", "another secret"):
        client = make_app(SECRET_KEY=secret).test_client()
        comment(client, f"En attente ({secret})")  # hidden: the article exists, version 0
        tags.append((client.get(f"/api/v1/articles/{ARTICLE}/feed.atom").headers["ETag"],
                     client.get("/api/v1/feed.atom").headers["ETag"]))
    assert tags[0][0] != tags[1][0] and tags[0][1] != tags[1][1]
