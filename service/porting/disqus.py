"""Disqus XML exports, read as a stream.

Threads come before posts in Disqus's exports; a post whose thread has not been seen
is kept aside until the end of the file, and reported as an orphan if its thread never
comes. Deleted posts go to the trash, spam to spam, the others are approved (or pending
when Disqus says `isApproved` false).
"""

from collections.abc import Iterator
from dataclasses import replace
import xml.etree.ElementTree as ET
from typing import IO

from ..models import Status
from .records import (Event, ImportedArticle, ImportedComment, ImportFailed, KeyRule, Skipped,
                      html_to_text, parse_time)
from .xmlstream import elements, local, namespace

INTERNALS = "http://disqus.com/disqus-internals"


def _dsq_id(element: object) -> str | None:
    attributes = getattr(element, "attrib", {})
    value = attributes.get(f"{{{INTERNALS}}}id")
    return value.strip() if value and value.strip() else None


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def read(stream: IO[bytes], rule: KeyRule) -> Iterator[Event]:
    """The threads (as articles) and posts (as comments) of a Disqus export."""
    root: ET.Element | None = None
    threads: dict[str, str] = {}
    waiting: list[tuple[str, ImportedComment]] = []  # posts whose thread is not seen yet
    for event, element in elements(stream, "Disqus"):
        name = local(element.tag)
        if event == "start":
            if root is None:
                if name != "disqus":
                    raise ImportFailed("This is not a Disqus export: it does not start with "
                                       "<disqus>. Nothing was imported.")
                root = element
            continue
        assert root is not None
        if name == "thread" and _dsq_id(element) and len(element):
            article = _thread(element, rule)
            if isinstance(article, ImportedArticle):
                threads[_dsq_id(element) or ""] = article.key
            yield article
            root.clear()
        elif name == "post" and len(element):
            found = _post(element)
            root.clear()
            if isinstance(found, Skipped):
                yield found
                continue
            thread, comment = found
            if thread in threads:
                yield _on(comment, threads[thread])
            else:
                waiting.append((thread, comment))
        elif name == "category":
            root.clear()
    for thread, comment in waiting:
        yield _on(comment, threads[thread]) if thread in threads else Skipped("orphan (thread not in the file)")


def _on(comment: ImportedComment, key: str) -> ImportedComment:
    return replace(comment, article=key)


def _child(element: object, name: str) -> str | None:
    for child in element:  # type: ignore[attr-defined]
        if local(child.tag) == name and namespace(child.tag) != INTERNALS:
            return str(child.text or "")
    return None


def _thread(element: object, rule: KeyRule) -> ImportedArticle | Skipped:
    link = _child(element, "link")
    key = rule.key(link, (_child(element, "id") or "").strip())
    if key is None:
        key = f"disqus-{_dsq_id(element)}"
    return ImportedArticle(key, closed=_true(_child(element, "isClosed")))


def _post(element: object) -> tuple[str, ImportedComment] | Skipped:
    post_id = _dsq_id(element)
    if post_id is None:
        return Skipped("no post id")
    thread = parent = None
    author: dict[str, str] = {}
    for child in element:  # type: ignore[attr-defined]
        name = local(child.tag)
        if name == "thread":
            thread = _dsq_id(child)
        elif name == "parent":
            parent = _dsq_id(child)
        elif name == "author":
            author = {local(part.tag): part.text or "" for part in child}
    if thread is None:
        return Skipped("orphan (thread not in the file)")
    created = parse_time(_child(element, "createdAt"))
    if created is None:
        return Skipped("invalid date")
    if _true(_child(element, "isDeleted")) and not (_child(element, "message") or "").strip():
        return Skipped("deleted in Disqus, text gone")
    status = (Status.SPAM if _true(_child(element, "isSpam"))
              else Status.TRASH if _true(_child(element, "isDeleted"))
              else Status.PENDING if (_child(element, "isApproved") or "").strip().lower() == "false"
              else Status.APPROVED)
    return thread, ImportedComment(
        source_id=post_id, article="", parent_id=parent, status=status, created_at=created,
        name=author.get("name") or author.get("username") or "", email=author.get("email"),
        ip=_child(element, "ipAddress"), text=html_to_text(_child(element, "message") or ""))
