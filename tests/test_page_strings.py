"""Every sentence of the moderation page is in the catalog, in French and English, and
every key the page's scripts and template ask for exists."""

import re
from pathlib import Path

import pytest
from flask import Flask

from service import create_app
from service.config import TestConfig
from service.moderation.settings import KEYS
from service.moderation_page.strings import PAGE, page_messages

SERVICE = Path(__file__).resolve().parents[1] / "service"
# Words that are the same in both languages.
SAME = {"page.language.fr", "page.language.en", "nav.articles", "queue.article"}


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")


def messages(app: Flask, lang: str) -> dict[str, str]:
    with app.test_request_context(f"/moderation/?lang={lang}"):
        return page_messages()


def test_every_sentence_has_its_french_with_the_same_placeholders(app: Flask) -> None:
    french, english = messages(app, "fr"), messages(app, "en")
    untranslated = [key for key in PAGE if key not in SAME and french[key] == english[key]]
    assert untranslated == []
    for key in french:
        assert french[key] and english[key], key
        assert sorted(re.findall(r"%\(\w+\)s", french[key])) == \
            sorted(re.findall(r"%\(\w+\)s", english[key])), key


def test_every_key_the_page_uses_exists(app: Flask) -> None:
    known = set(messages(app, "en"))
    used: set[str] = set()
    for script in (SERVICE / "static" / "moderation").glob("*.js"):
        used |= set(re.findall(r"""\bt\("([a-z_.]+)"[,)]""", script.read_text()))
    template = (SERVICE / "templates" / "moderation" / "index.html").read_text()
    used |= set(re.findall(r"""t\[["']([a-z_.]+)["']\]""", template))
    used |= set(re.findall(r'"(keys\.[a-z_]+)"', template))
    # Keys the scripts build from a name.
    used |= {f"status.{s}" for s in ("pending", "approved", "rejected", "spam", "trash")}
    used |= {f"role.{r}" for r in ("admin", "moderator")}
    used |= {f"settings.{key.lower()}" for key in KEYS} | {f"settings.{key.lower()}.help" for key in KEYS}
    assert len(used) > 100
    assert sorted(used - known) == []
