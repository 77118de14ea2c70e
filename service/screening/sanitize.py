"""Comment text to safe HTML, and names to plain text: the only module that imports bleach."""

import html
import re
import unicodedata
from collections.abc import MutableMapping
from functools import partial
from urllib.parse import urlsplit

import bleach
from bleach.linkifier import TLDS as BLEACH_TLDS, LinkifyFilter, build_url_re

# WordPress's allowed comment tags ($allowedtags in wp-includes/kses.php).
TAGS = frozenset({"a", "abbr", "acronym", "b", "blockquote", "cite", "code", "del",
                  "em", "i", "q", "s", "strike", "strong"})
ATTRIBUTES = {"a": ["href", "title", "rel"], "abbr": ["title"], "acronym": ["title"],
              "blockquote": ["cite"], "del": ["datetime"], "q": ["cite"]}
PROTOCOLS = frozenset({"http", "https", "mailto"})
REL = "nofollow ugc"
# bleach's list predates the newer generic domains that blogs' readers use every day.
NEWER_TLDS = ("app", "blog", "cloud", "design", "dev", "digital", "shop", "site", "online",
              "page", "store", "tech", "xyz", "wiki", "social", "news", "art", "studio")
URL_RE = build_url_re(tlds=sorted(set(BLEACH_TLDS) | set(NEWER_TLDS), reverse=True),
                      protocols=["http", "https"])

# Control characters other than tab and newline; NUL included, so it never reaches a database.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def _rel(attrs: MutableMapping[tuple[str | None, str], str],
         new: bool = False) -> MutableMapping[tuple[str | None, str], str]:
    """Every link, written or auto-linked, is nofollow ugc; a link that is not an absolute
    http, https or mailto address (relative, protocol-relative, none) keeps only its text."""
    href = attrs.get((None, "href"), "")
    if urlsplit(href).scheme.lower() not in PROTOCOLS or href.startswith("//"):
        return None  # type: ignore[return-value]  # bleach's way to remove the link
    attrs[(None, "rel")] = REL
    return attrs


_cleaner = bleach.Cleaner(
    tags=TAGS, attributes=ATTRIBUTES, protocols=PROTOCOLS, strip=False, strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_rel], skip_tags={"code"}, parse_email=False,
                     url_re=URL_RE)],
)


def normalize(value: str) -> str:
    """NFC, Unix newlines, no control characters except tab and newline."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", unicodedata.normalize("NFC", value))


def to_html(text: str) -> str:
    """Safe HTML for a comment: allowed inline tags kept, everything else escaped as text.

    Blank lines separate paragraphs and single newlines become <br>; bare URLs become
    links. Each paragraph is cleaned on its own, so no tag opened in one leaks to the next.
    """
    cleaned = (_cleaner.clean(part).strip() for part in _PARAGRAPH_BREAK.split(normalize(text)))
    return "".join(_paragraph(part.replace("\n", "<br>")) for part in cleaned if part)


def _paragraph(html: str) -> str:
    # A quotation standing alone is a block of its own: inside a <p> browsers split it.
    if html.startswith("<blockquote") and html.endswith("</blockquote>"):
        return html
    return f"<p>{html}</p>"


def to_plain(value: str) -> str:
    """Plain text for a name: tags removed, entities read as the characters they stand for."""
    value = normalize(value)
    if "<" not in value and "&" not in value:  # no tag, no entity: nothing for bleach to do
        return " ".join(value.split())
    stripped = bleach.clean(value, tags=set(), strip=True, strip_comments=True)
    return " ".join(html.unescape(stripped).split())
