"""The hostile cases that need no server: the ETag gives nothing away, the page cache
counts bytes, the flood windows read the documented notation."""

import hashlib
import json
from typing import Any

from service.listing import RENDERING, PageCache, PageRequest
from service.moderation.flood import Window, windows


def test_the_etag_is_keyed_with_the_secret() -> None:
    page = PageRequest(article="a", order="oldest", limit=50, cursor=None)
    hidden, empty = page.etag_data(7, 3, "s1"), page.etag_data(None, 0, "s1")
    assert hidden != empty
    assert page.etag_data(7, 3, "s2") != hidden  # another secret, another tag
    # The unsalted digest of the old ETag cannot be recomputed from what the public knows.
    plain = json.dumps([RENDERING, "a", None, 0, "oldest", 50, None])
    assert empty != hashlib.sha1(plain.encode()).hexdigest()


def test_an_article_with_only_hidden_comments_has_an_etag_like_any_other(
        app: Any, client: Any) -> None:
    client.post("/api/v1/articles/hidden/comments", json={"name": "Ana", "text": "En attente"})
    hidden = client.get("/api/v1/articles/hidden/comments")
    never = client.get("/api/v1/articles/never/comments")
    assert hidden.get_json()["total"] == never.get_json()["total"] == 0
    assert hidden.headers["ETag"] != never.headers["ETag"]  # both opaque, neither recomputable


def test_the_page_cache_keeps_to_its_bytes() -> None:
    cache = PageCache(10_000)
    for n in range(100):
        cache.put((n,), b"x" * 1000)
    assert cache.size <= 10_000
    assert cache.get((99,)) == b"x" * 1000 and cache.get((0,)) is None
    cache.put(("huge",), b"x" * 20_000)  # larger than the cache: served, never kept
    assert cache.get(("huge",)) is None and cache.size <= 10_000


def test_flood_windows_read_the_documented_default() -> None:
    assert windows("1 per 15 seconds;30 per hour") == (Window(1, 15), Window(30, 3600))
