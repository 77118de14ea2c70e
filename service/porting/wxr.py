"""WordPress eXtended RSS (WXR), any version, read as a stream.

The `wp:` namespace changes with the version and the writer (`http://wordpress.org/
export/1.2/`, `https://…/1.2/`, `…/1.0/`), so its elements are matched by local name in
any namespace that holds `wordpress.org/export/`. Each item is cleared once read, so
memory stays bounded whatever the size of the file.

A comment's source id is `<post id>/<comment id>`: comment ids are meant to be unique
in a site, but real exports (Isso's fixture) repeat them across posts.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import IO

from ..models import Status, utcnow
from .records import (Event, ImportedArticle, ImportedComment, ImportFailed, KeyRule, Skipped,
                      html_to_text, parse_time)
from .xmlstream import elements, local, namespace

STATUSES = {"1": Status.APPROVED, "approve": Status.APPROVED, "0": Status.PENDING,
            "hold": Status.PENDING, "spam": Status.SPAM, "trash": Status.TRASH,
            "post-trashed": Status.TRASH}
SKIPPED_TYPES = frozenset({"pingback", "trackback"})


def _wordpress(tag: str) -> bool:
    return "wordpress.org/export/" in namespace(tag)


def read(stream: IO[bytes], rule: KeyRule) -> Iterator[Event]:
    """The articles and comments of a WXR file, in file order."""
    channel = None
    item: dict[str, str] | None = None
    article: ImportedArticle | Skipped | None = None
    in_comment = False
    seen_rss = False
    for event, element in elements(stream, "WordPress (WXR)"):
        name = local(element.tag)
        if event == "start":
            if not seen_rss:
                if name != "rss":
                    raise ImportFailed("This is not a WordPress (WXR) file: it does not start "
                                       "with <rss>. Nothing was imported.")
                seen_rss = True
            if name == "channel":
                channel = element
            elif name == "item":
                item, article = {}, None
            elif name == "comment" and _wordpress(element.tag):
                in_comment = True
            continue
        if item is None:
            continue
        if name == "comment" and _wordpress(element.tag):
            in_comment = False
            if article is None:
                article = _article(item, rule)
                if isinstance(article, ImportedArticle):
                    yield article
            fields = {local(child.tag): (child.text or "") for child in element}
            element.clear()
            yield _comment(item, fields, article)
        elif name == "item":
            item = None
            if channel is not None:
                channel.clear()  # drops the items read so far: bounded memory
        elif not in_comment:
            item[name] = element.text or ""


def _article(item: dict[str, str], rule: KeyRule) -> ImportedArticle | Skipped:
    key = rule.key(item.get("link"), item.get("post_name"))
    if key is None and (post_id := item.get("post_id", "").strip()):
        key = f"post-{post_id}"
    if key is None:
        return Skipped("no article key")
    return ImportedArticle(key, closed=item.get("comment_status", "").strip() == "closed")


def _comment(item: dict[str, str], fields: dict[str, str],
             article: ImportedArticle | Skipped) -> Event:
    kind = fields.get("comment_type", "").strip()
    if kind in SKIPPED_TYPES:
        return Skipped(kind)
    if isinstance(article, Skipped):
        return article
    post = item.get("post_id", "").strip() or item.get("link", "").strip()
    comment_id = fields.get("comment_id", "").strip()
    if not comment_id:
        return Skipped("no comment id")
    parent = fields.get("comment_parent", "").strip()
    created: datetime = (parse_time(fields.get("comment_date_gmt"))
                         or parse_time(fields.get("comment_date")) or utcnow())
    approved = fields.get("comment_approved", "").strip()
    return ImportedComment(
        source_id=f"{post}/{comment_id}", article=article.key,
        parent_id=f"{post}/{parent}" if parent not in ("", "0") else None,
        name=fields.get("comment_author", ""), email=fields.get("comment_author_email"),
        website=fields.get("comment_author_url"), ip=fields.get("comment_author_IP"),
        text=html_to_text(fields.get("comment_content", "")),
        status=STATUSES.get(approved, Status.PENDING), created_at=created)
