"""A compact Bayesian spam filter whose whole state is a table of counts.

The state is, per feature, how many spam and how many ham training comments contained
it, plus the two comment totals. That is all the database has to store, and learning
or unlearning one comment is +1 / -1 per distinct feature, so the stored model can
mirror `MemoryModel` exactly. Scoring is Gary Robinson's smoothed per-feature
probability combined with Fisher's chi-square method, as in SpamBayes.

Pure standard library: no flask, no sqlalchemy.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Defaults chosen by measurement; docs/spam-model.md says how. They stand until a site
# has enough decisions for its own (spamfilter.thresholds), so the spam one is careful:
# no legitimate comment marked spam on any video streamed after the starter model.
SPAM_THRESHOLD = 0.995      # score above this: marked spam
HOLD_THRESHOLD = 0.89       # score above this (and not spam): held for a moderator
MIN_TRAINING = 20           # spam and ham comments each, before the score is used

MAX_FEATURES = 300          # features kept per comment: bounds scoring work and row look-ups
MAX_TOKEN_LENGTH = 100      # the token column is String(100)
MAX_TEXT_CHARS = 20_000     # text looked at per comment: bounds tokenizing work
MAX_WORD_LENGTH = 30        # longer "words" are noise (ids, base64): summarized by length

UNKNOWN_STRENGTH = 2.0      # Robinson's s: weight of the 0.5 prior against evidence
UNKNOWN_PROBABILITY = 0.5   # Robinson's x: what a never-seen feature says
MIN_STRENGTH = 0.05         # features with |p - 0.5| below this are ignored
MAX_DISCRIMINATORS = 150    # only the most extreme features are combined

# Every pattern below runs in linear time on any input: the score is computed while the
# reader waits, so a crafted comment must not make a regex backtrack for seconds.
_TAG = re.compile(r"</?[a-z!][^<>]*>", re.IGNORECASE)
_A_TAG = re.compile(r"<a\s[^<>]*>", re.IGNORECASE)
_HREF = re.compile(r"""\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_CHUNK = re.compile(r"[^\s<>\"'()\[\]{}]+")
_BARE_HOST = re.compile(r"(?:[a-z0-9-]+\.)+([a-z]{2,})")
_PATH_START = re.compile(r"[/?#]")
_TLDS = frozenset("com net org info biz co io me ly tv us uk de fr ru be ca es it nl pl br in"
                  " gl gd to cc xyz online site club top app link eu ch au".split())
_HOST = re.compile(r"[\w.-]+")
_SHORTENERS = frozenset("bit.ly goo.gl tinyurl.com ow.ly t.co adf.ly is.gd youtu.be".split())
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# A run of digits and the separators phone numbers are written with; a run is only
# extended, never backtracked, so it is linear on any input.
_NUMBER_RUN = re.compile(r"\+?\(?\d[\d \t().-]*")
_DATE = re.compile(r"\d{4}-\d\d-\d\d|\d\d?[./-]\d\d?[./-]\d{2,4}")
# "customer support", "tech support", "support number", "helpline", "toll free"...
_SUPPORT = re.compile(r"\b(?:(?:customer|tech|technical|client)\s+(?:support|service|care|help)"
                      r"|(?:support|service|care|help)\s+(?:phone\s+|tele)?(?:number|no|line|desk)"
                      r"|helpline|hotline|helpdesk|toll[\s-]?free)\b")
# A capitalized word right before "support" or "customer service": "Norton support".
_BRAND_SUPPORT = re.compile(r"\b[A-Z][\w&.-]*\s+(?:customer\s+|tech\s+|technical\s+)?"
                            r"(?:support|service|helpline|care)\b")
_LINK_TEXT = re.compile(r"<a\s[^<>]*>([^<>]{1,200})</a>", re.IGNORECASE)
_NAME_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"), None)


@dataclass(frozen=True)
class Sample:
    """A comment as submitted: raw text, author name and author website."""

    text: str
    name: str = ""
    website: str | None = None


def _plain(text: str) -> str:
    """Return the text without tags, entities and invisible characters, bounded in size."""
    # NFKC folds look-alikes such as full-width "ｈｔｔｐ://" that spammers use to hide links.
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS]).translate(_INVISIBLE)
    return html.unescape(_TAG.sub(" ", text))


def normalized_text(text: str) -> str:
    """Return the text reduced to what a reader sees: the key used to find duplicates."""
    return " ".join(_plain(text).split()).casefold()


def _domain(url: str) -> str | None:
    """Return the host of a URL without `www.`, or None if it has no dotted host."""
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. a malformed IPv6 literal: not a link worth a feature
        return None
    # Only word characters, dots and hyphens: a control character would break the row.
    if not host or "." not in host or not _HOST.fullmatch(host):
        return None
    return host.removeprefix("www.").rstrip(".")


def _url_in(chunk: str) -> str | None:
    """Return the link held by a chunk of text without spaces, or None."""
    chunk = chunk.rstrip(".,;:!?")
    if "." not in chunk and "://" not in chunk:
        return None  # most words: no marker below and no dotted host can match
    lower = chunk.lower()
    for marker in ("https://", "http://", "www."):
        if (start := lower.find(marker)) >= 0:
            return chunk[start:]
    # A bare "example.com/path": its host must end in a common top-level domain,
    # otherwise "e.g." or "v1.5" would count as links.
    host = _PATH_START.split(lower, maxsplit=1)[0].lstrip(".-")
    match = _BARE_HOST.fullmatch(host)
    return chunk if match and match.group(1) in _TLDS else None


def _links(raw: str, plain: str) -> list[str]:
    """Return the distinct link targets of a text, from hrefs and from visible URLs."""
    raw = unicodedata.normalize("NFKC", raw[:MAX_TEXT_CHARS])
    hrefs = [html.unescape(href.group(1)) for tag in _A_TAG.finditer(raw)
             if (href := _HREF.search(tag.group()))]
    visible = (_url_in(chunk) for chunk in _CHUNK.findall(plain))
    found = hrefs + [url for url in visible if url]
    return list(dict.fromkeys(url.rstrip(".,;:!?") for url in found))


def _words(text: str) -> Iterator[str]:
    """Yield lower-cased word tokens; over-long ones become a `long:` length bucket."""
    for word in _WORD.findall(text.casefold()):
        if len(word) > MAX_WORD_LENGTH:
            yield f"long:{min(len(word) // 10, 9)}"
        else:
            yield word


def _url_shape(url: str) -> list[str]:
    """Return features of a link's form: path depth, query, shortener, YouTube page kind."""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return []
    depth = len([part for part in parts.path.split("/") if part])
    shape = [f"url:depth:{min(depth, 3)}"]  # 3 means 3 or more
    if parts.query:
        shape.append("url:query")
    if host in _SHORTENERS:
        shape.append("url:short")
    if "youtube.com" in host and "watch" in parts.path:
        shape.append("url:watch")
    if "youtube.com" in host and ("/user/" in parts.path or "/channel/" in parts.path):
        shape.append("url:channel")
    return shape


def _link_bucket(count: int) -> str:
    """Return the link-count feature: links:0, links:1 or links:2+."""
    return f"links:{count}" if count < 2 else "links:2+"


def _words_and_pairs(text: str) -> Iterator[str]:
    """Yield each word, then the pair it closes with the previous word, in reading order."""
    previous = None
    for word in _words(text):
        yield word
        if previous is not None:
            yield f"{previous} {word}"
        previous = word


def _phones(plain: str) -> list[str]:
    """Return the phone numbers of a text as digits only: 7 to 15 digits written as one
    run of digits and separators, with a group of at least 3 digits, not a date."""
    found = []
    for run in _NUMBER_RUN.finditer(plain):
        text = run.group().rstrip(" \t(.-")
        digits = "".join(char for char in text if char.isdigit())
        if (7 <= len(digits) <= 15 and not _DATE.fullmatch(text)
                and any(len(group) >= 3 for group in re.split(r"\D+", text))):
            found.append(digits)
    return found


def _support(plain: str) -> list[str]:
    """Return the support-line shapes of a text: the phrase, and a brand before it."""
    shapes = []
    if _SUPPORT.search(plain.casefold()):
        shapes.append("support:phrase")
    if _BRAND_SUPPORT.search(plain):
        shapes.append("support:brand")
    return shapes


def _name_shape(name: str, plain: str, raw: str) -> list[str]:
    """Return features of an author name that reads as a keyword or a domain rather than
    a person's name, and of a link whose text is that name (as Antispam Bee checks)."""
    name = " ".join(name.split())
    if not name:
        return []
    shape = []
    if _NAME_DOMAIN.fullmatch(name):
        shape.append("name:shape:domain")
    words = [word for word in _words(name) if len(word) >= 4]
    if words and set(words) <= set(_words(plain)):
        shape.append("name:shape:in_text")
    folded = name.casefold()
    if any(" ".join(html.unescape(text).split()).casefold() == folded
           for text in _LINK_TEXT.findall(raw)):
        shape.append("link:name")
    return shape


def _website_shape(website: str, name: str) -> list[str]:
    """Return features of the website field's form: path depth, query, hyphenated host,
    and a host that spells the author's name."""
    try:
        parts = urlsplit(website if "://" in website else "http://" + website)
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return []
    depth = len([part for part in parts.path.split("/") if part])
    shape = [f"site:depth:{min(depth, 2)}"]
    if parts.query:
        shape.append("site:query")
    if host.count("-") >= 2:
        shape.append("site:hyphens")
    squeezed = "".join(char for char in name.casefold() if char.isalnum())
    if len(squeezed) >= 4 and squeezed in host.replace("-", "").replace(".", ""):
        shape.append("site:name")
    return shape


def features(sample: Sample) -> frozenset[str]:
    """Return at most MAX_FEATURES distinct features, each at most MAX_TOKEN_LENGTH long."""
    plain = _plain(sample.text)
    links = _links(sample.text, plain)
    websites = [sample.website[:MAX_TEXT_CHARS]] if sample.website else []
    domains = (_domain(url) for url in links + websites)
    name = _plain(sample.name[:MAX_TOKEN_LENGTH])
    phones = _phones(plain)
    # Order matters only for the cap: structural features first, then the text as read.
    ordered = [_link_bucket(len(links))]
    ordered += [f"domain:{domain}" for domain in domains if domain]
    ordered += [token for url in links for token in _url_shape(url)]
    ordered += [token for url in websites for token in _website_shape(url, name)]
    ordered += (["phone"] + [f"phone:{digits}" for digits in phones]) if phones else []
    ordered += _support(plain)
    ordered += _name_shape(name, plain, sample.text[:MAX_TEXT_CHARS])
    ordered += [f"name:{word}" for word in _words(name)]
    # URLs stay in the text on purpose: "http", "watch" and their pairs are strong clues.
    ordered += _words_and_pairs(plain)
    kept = dict.fromkeys(token[:MAX_TOKEN_LENGTH] for token in ordered)
    return frozenset(list(kept)[:MAX_FEATURES])


def _token_probability(spam: int, ham: int, spam_total: int, ham_total: int) -> float:
    """Return Robinson's smoothed spam probability of one feature, strictly inside (0, 1)."""
    spam_ratio = min(spam / spam_total, 1.0)
    ham_ratio = min(ham / ham_total, 1.0)
    ratio_sum = spam_ratio + ham_ratio
    raw = spam_ratio / ratio_sum if ratio_sum else UNKNOWN_PROBABILITY
    seen = spam + ham
    return (UNKNOWN_STRENGTH * UNKNOWN_PROBABILITY + seen * raw) / (UNKNOWN_STRENGTH + seen)


def _chi2_survival(chi2: float, degrees: int) -> float:
    """Return P(X >= chi2) for X chi-square with an even number of degrees, in [0, 1]."""
    half = chi2 / 2.0
    if half <= 0.0:
        return 1.0
    # e^-m * sum(m^i / i!), summed relative to e^-m so that no term underflows to zero,
    # and rescaled while summing so that a long sum of large terms cannot overflow.
    log_scale, term, total = -half, 1.0, 1.0
    for i in range(1, degrees // 2):
        term *= half / i
        total += term
        if total > 1e200:
            log_scale, term, total = log_scale + math.log(1e200), term / 1e200, total / 1e200
    return min(1.0, math.exp(log_scale + math.log(total)))


def score(counts: Mapping[str, tuple[int, int]], spam_total: int, ham_total: int,
          tokens: Iterable[str]) -> float:
    """Return the spam probability in [0, 1]; 0.5 ("unsure") when a class has no training."""
    if spam_total <= 0 or ham_total <= 0:
        return 0.5
    clues: list[tuple[float, float]] = []
    for token in set(tokens):
        spam, ham = counts.get(token, (0, 0))
        # Negative counts cannot come from learn/unlearn; a hand-edited row is read as 0.
        probability = _token_probability(max(spam, 0), max(ham, 0), spam_total, ham_total)
        strength = abs(probability - 0.5)
        if strength >= MIN_STRENGTH:
            clues.append((strength, probability))
    if not clues:
        return 0.5
    # Sort on (strength, probability) so ties break the same way on every run.
    chosen = [p for _, p in sorted(clues, reverse=True)[:MAX_DISCRIMINATORS]]
    degrees = 2 * len(chosen)
    ham_evidence = 1.0 - _chi2_survival(-2.0 * sum(map(math.log, chosen)), degrees)
    spam_evidence = 1.0 - _chi2_survival(-2.0 * sum(math.log1p(-p) for p in chosen), degrees)
    return min(1.0, max(0.0, (1.0 + spam_evidence - ham_evidence) / 2.0))


def is_trained(spam_total: int, ham_total: int, minimum: int = MIN_TRAINING) -> bool:
    """Return True once both classes have at least `minimum` training comments."""
    return spam_total >= minimum and ham_total >= minimum


@dataclass
class MemoryModel:
    """The count table in memory; the database-backed model mirrors it row for row."""

    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    spam_total: int = 0
    ham_total: int = 0

    def learn(self, sample: Sample, is_spam: bool) -> None:
        """Add one comment: +1 to its class total and to each of its distinct features."""
        self._add(features(sample), is_spam, +1)

    def unlearn(self, sample: Sample, is_spam: bool) -> None:
        """Take back one learned comment; no count goes below zero, (0, 0) rows vanish."""
        self._add(features(sample), is_spam, -1)

    def score(self, sample: Sample) -> float:
        """Return the spam probability of a comment in [0, 1]."""
        return score(self.counts, self.spam_total, self.ham_total, features(sample))

    def _add(self, tokens: Iterable[str], is_spam: bool, step: int) -> None:
        """Apply +1 or -1 to the class total and to each token's count of that class."""
        if is_spam:
            self.spam_total = max(self.spam_total + step, 0)
        else:
            self.ham_total = max(self.ham_total + step, 0)
        for token in tokens:
            spam, ham = self.counts.get(token, (0, 0))
            if is_spam:
                spam = max(spam + step, 0)
            else:
                ham = max(ham + step, 0)
            if spam or ham:
                self.counts[token] = (spam, ham)
            else:
                self.counts.pop(token, None)


def train(rows: Iterable[tuple[Sample, bool]]) -> MemoryModel:
    """Return a fresh MemoryModel that has learned every row once."""
    model = MemoryModel()
    for sample, is_spam in rows:
        model.learn(sample, is_spam)
    return model

