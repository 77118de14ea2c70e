"""Every sentence a person can read exists in French and English; API.md's are word for word."""

import pytest
from flask import Flask

from service import create_app, i18n
from service.config import TestConfig

CONTRACT = {
    "text.missing": ("S'il vous plaît entrez votre commentaire!", "Please enter your comment!"),
    "name.missing": ("S'il vous plaît entrez votre nom ici", "Please enter your name here"),
    "email.invalid": ("Vous avez entré une adresse e-mail incorrecte!",
                      "You have entered an incorrect email address!"),
    "email.missing": ("S'il vous plaît entrez votre adresse email ici",
                      "Please enter your email address here"),
}


@pytest.fixture(scope="module")
def app() -> Flask:
    """An app for its request contexts only: no database is touched."""
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")


def in_language(app: Flask, lang: str, key: str) -> str:
    with app.test_request_context(f"/?lang={lang}"):
        return i18n.message(key)


@pytest.mark.parametrize("key", sorted(i18n.MESSAGES))
def test_every_message_is_translated(app: Flask, key: str) -> None:
    french, english = in_language(app, "fr", key), in_language(app, "en", key)
    assert french and english
    assert french != english, f"{key} has no French translation in messages.po"
    assert "%(" not in french and "%(" not in english


@pytest.mark.parametrize(("key", "sentences"), sorted(CONTRACT.items()))
def test_the_forms_sentences_are_word_for_word(app: Flask, key: str,
                                                sentences: tuple[str, str]) -> None:
    assert (in_language(app, "fr", key), in_language(app, "en", key)) == sentences
