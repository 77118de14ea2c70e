"""Keyset cursors: an opaque token for the position after the last item of a page."""

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from .errors import DomainError
from .limits import ID_MAX

T = TypeVar("T")


class InvalidCursor(DomainError):
    status_code, message_key = 422, "query.cursor"

    def __init__(self) -> None:
        super().__init__({"cursor": ["query.cursor"]})


def encode(created_at: datetime, id: int) -> str:
    """An opaque, URL-safe cursor for the position (created_at, id)."""
    raw = f"{created_at.isoformat()}|{id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, int]:
    """The position a cursor stands for; InvalidCursor if it was not made by encode()."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, id = raw.split("|")
        position = datetime.fromisoformat(stamp), int(id)
        if not 1 <= position[1] <= ID_MAX:  # no row has it; a database could not even compare it
            raise ValueError(id)
        return position
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor() from None


def keyset_page(rows: Sequence[T], limit: int,
                position: Callable[[T], tuple[datetime, int]]) -> tuple[list[T], str | None]:
    """A page from rows fetched with LIMIT limit + 1: the first `limit` of them, and the
    cursor after the last one if the extra row shows that more follow (else None)."""
    items = list(rows[:limit])
    more = len(rows) > limit
    return items, encode(*position(items[-1])) if more else None
