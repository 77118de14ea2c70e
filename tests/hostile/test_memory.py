"""No sequence of listing requests grows a worker past the page cache's byte bound plus a
small constant: 110 distinct, valid cursors over pages of about 600 KB each."""

from datetime import datetime
from pathlib import Path

from service.pagination import encode

from .conftest import call, post_json, serve

BOUND = 2 * 1024 * 1024
ALLOWANCE = 25 * 1024 * 1024  # the interpreter's own churn: rendering, the allocator


def test_the_listing_cache_keeps_to_its_byte_bound(tmp_path: Path) -> None:
    with serve(f"sqlite:///{tmp_path / 'memory.db'}", tmp_path, workers=1, MODERATION="post",
               RATELIMIT_ENABLED="false", LISTING_CACHE_BYTES=str(BOUND)) as server:
        for n in range(30):
            text = f"Commentaire {n} : " + "long texte " * 5_500  # about 60 KB
            assert post_json(server.port, "big", {"name": f"Lecteur {n}", "text": text}).status == 201
        first = call(server.port, "GET", "/api/v1/articles/big/comments?limit=10")
        assert first.status == 200 and len(first.body) > 500_000
        (before,) = server.rss().values()
        for position in range(1, 111):  # each a different, well-formed cursor
            cursor = encode(datetime(2000, 1, 1), position)
            answer = call(server.port, "GET", f"/api/v1/articles/big/comments?limit=10&cursor={cursor}")
            assert answer.status == 200 and answer.json()["items"][0]["name"] == "Lecteur 0"
        (after,) = server.rss().values()
        assert after - before < BOUND + ALLOWANCE, (before, after)
