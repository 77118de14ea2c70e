"""What a reader makes of a source file: comments, articles and what it left out."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from ..limits import ARTICLE_KEY
from ..models import Status

_KEY = re.compile(ARTICLE_KEY)


class ImportFailed(ValueError):
    """The file cannot be imported; nothing was written. `line` is the file's line, if known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 key: str = "import.invalid") -> None:
        super().__init__(message)
        self.line, self.column, self.key = line, column, key


@dataclass(frozen=True)
class ImportedArticle:
    """An article the file speaks of, closed to new comments or not."""

    key: str
    closed: bool = False


@dataclass(frozen=True)
class ImportedComment:
    """One comment as the source held it; `parent_id` is the parent's source id."""

    source_id: str
    article: str
    name: str
    text: str
    status: Status
    created_at: datetime
    parent_id: str | None = None
    email: str | None = None
    website: str | None = None
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Skipped:
    """Something the file holds that is not imported, and why (a word the summary counts)."""

    reason: str


Event = ImportedArticle | ImportedComment | Skipped


class KeyRule:
    """How a permalink becomes an article key: the admin's regular expression (its group
    `key`, else its first group, else the whole match), then the link's last path segment,
    its `?p=N`, and last the source's own id."""

    def __init__(self, pattern: str | None = None) -> None:
        try:
            self.pattern = re.compile(pattern) if pattern else None
        except re.error as error:
            raise ImportFailed(f"The permalink rule is not a valid regular expression: {error}.",
                               key="import.rule") from None

    def key(self, link: str | None, *candidates: str | None) -> str | None:
        """The first valid key: from the rule, from the candidates (a slug), from the link."""
        if self.pattern and link and (match := self.pattern.search(link)):
            groups = match.groupdict()
            found = groups.get("key") or (match.group(1) if match.re.groups else match.group(0))
            if found and _KEY.fullmatch(found):
                return found
        for candidate in candidates:
            if candidate and _KEY.fullmatch(candidate):
                return candidate
        return from_link(link)


def from_link(link: str | None) -> str | None:
    """A key from a permalink: its last path segment, else `p-N` for `?p=N`."""
    if not link:
        return None
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        return None
    segments = [segment for segment in parts.path.split("/") if segment]
    if segments and _KEY.fullmatch(segments[-1]):
        return segments[-1]
    if (post := parse_qs(parts.query).get("p")) and _KEY.fullmatch(f"p-{post[0]}"):
        return f"p-{post[0]}"
    return None


class _Text(HTMLParser):
    """HTML to our comment text: paragraphs become blank lines, <br> a newline, the tags
    we allow (sanitize.TAGS) stay as written, any other tag is dropped, its text kept."""

    KEEP = frozenset({"a", "abbr", "acronym", "b", "blockquote", "cite", "code", "del", "em",
                      "i", "q", "s", "strike", "strong"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "div") and self.parts:
            self.parts.append("\n\n")
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self.KEEP:
            self.parts.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "div"):
            self.parts.append("\n\n")
        elif tag in self.KEEP:
            self.parts.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        self.parts.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.parts.append(f"&#{name};")


def html_to_text(html: str) -> str:
    """A source's HTML body as our text (sanitize.to_html makes it safe on storing)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def parse_time(value: str | None) -> datetime | None:
    """A UTC time, naive as every column stores it, from the formats sources write."""
    if not value or not (value := value.strip()) or value.startswith("0000"):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
