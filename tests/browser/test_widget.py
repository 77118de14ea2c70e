"""The reader's widget in a real Chromium: the demo page, a blog on another origin,
every error sentence in French and English, replies, the edit window, count.js, and the
sanitizer's hostile corpus rendered inert."""

import re
from typing import Any

from tests.browser.conftest import OtherOrigin, Watched, WidgetServer
from tests.moderation.test_sanitize import XSS

DEMO = "comment-devenir-chef-de-projet-ia"
TIMEOUT = 10000


def blog_page(other: OtherOrigin, server: WidgetServer, name: str, article: str,
              lang: str = "en", extra: str = "", attributes: str = "") -> str:
    """A static page of a blog on another origin, embedding the widget as the README says."""
    return other.page(name, f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>A blog</title></head>
<body><h1>An article</h1>{extra}
<div id="causerie" data-article="{article}" {attributes}></div>
<script src="{server.url}/embed.js" async></script>
<script src="{server.url}/count.js" async></script>
</body></html>""")


def field_error(page: Any, name: str) -> str:
    return str(page.locator(f"#causerie-{name}-error").inner_text())


def alert(page: Any) -> str:
    return str(page.locator(".causerie-form .causerie-alert").inner_text())


def notice(page: Any) -> str:
    return str(page.locator(".causerie > .causerie-notice").inner_text())


def fill(page: Any, **values: str) -> None:
    for name, value in values.items():
        page.fill(f"#causerie-{name}", value)


def submit(page: Any) -> None:
    page.click(".causerie-form .causerie-submit")


def button(page: Any, comment_id: int, name: str) -> Any:
    return page.locator(f"#causerie-comment-{comment_id}").get_by_role("button", name=name,
                                                                       exact=True)


def ready(page: Any) -> None:
    page.wait_for_selector(".causerie-count", timeout=TIMEOUT)


def assert_quiet(watched: Watched) -> None:
    """No dialog opened, no script error, nothing refused by a Content-Security-Policy.

    Chromium logs every 4xx answer as a console error; those are the tests' own doing
    (a duplicate, a refusal) and are left out: anything else fails."""
    assert watched.dialogs == []
    assert watched.errors == []
    answered = "Failed to load resource: the server responded with a status of 4"
    assert [line for line in watched.console
            if line.startswith("error") and answered not in line] == []


def client_side_sentences(page: Any, posts: list[str], sentences: dict[str, str]) -> None:
    """The form's own checks give the catalog's sentences before any request is made."""
    before = len(posts)
    fill(page, text="   ", name="", email="", website="")
    submit(page)
    assert field_error(page, "text") == sentences["text.missing"]
    assert field_error(page, "name") == sentences["name.missing"]
    assert page.evaluate("document.activeElement.id") == "causerie-text"  # the first error
    assert page.get_attribute("#causerie-text", "aria-invalid") == "true"
    fill(page, text="Bonjour", name="Julie", email="julie@", website="ftp://example.org")
    submit(page)
    assert field_error(page, "email") == sentences["email.invalid"]
    assert field_error(page, "website") == sentences["website.invalid"]
    assert field_error(page, "text") == "" and field_error(page, "name") == ""
    assert page.evaluate("document.activeElement.id") == "causerie-email"
    assert len(posts) == before  # nothing was sent


def config(server: WidgetServer, lang: str) -> dict[str, str]:
    status, body = server.call("GET", f"/api/v1/config?lang={lang}")
    assert status == 200
    return dict(body["messages"])


def test_the_demo_page_lets_a_newcomer_comment_reply_edit_and_delete(
        widget_server: WidgetServer, watched: Watched) -> None:
    page, server = watched.page, widget_server
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST"
            else None)
    response = page.goto(server.url + "/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.locator("h1").inner_text() == "Comment devenir chef de projet IA ?"
    ready(page)
    assert page.locator(".causerie-form-title").inner_text() == "LAISSER UN COMMENTAIRE"
    assert page.locator(".causerie-count").inner_text() == "Aucun commentaire pour l'instant"
    french = config(server, "fr")
    assert french["text.missing"] == "S'il vous plaît entrez votre commentaire!"
    client_side_sentences(page, posts, french)

    # A post: the reader sees it, awaiting moderation, with the server's sentence.
    fill(page, text="Très bon article, merci !", name="Julie", email="", website="")
    submit(page)
    page.wait_for_selector(".causerie-own-pending", timeout=TIMEOUT)
    assert notice(page) == "Merci ! Votre commentaire est en attente de modération."
    assert page.locator(".causerie-own-pending .causerie-badge").inner_text() == \
        "En attente de modération"
    assert page.input_value("#causerie-text") == "" and page.input_value("#causerie-name") == ""
    # The same again is a duplicate (409): said next to the button, nothing typed is lost.
    fill(page, text="Très bon article, merci !", name="Julie")
    submit(page)
    page.wait_for_selector(".causerie-form .causerie-alert p", timeout=TIMEOUT)
    assert alert(page) == french["comment.duplicate"]
    assert page.input_value("#causerie-text") == "Très bon article, merci !"

    # A moderator approves it: it is published.
    first = int(page.get_attribute(".causerie-own-pending", "data-id"))
    server.approve(first)
    page.reload()
    ready(page)
    assert page.locator(".causerie-count").inner_text() == "1 commentaire"
    assert page.locator(f"#causerie-comment-{first} .causerie-body").inner_text() == \
        "Très bon article, merci !"

    # A reply, under the comment it answers, once approved.
    button(page, first, "Répondre").click()
    assert page.locator(".causerie-replying").inner_text().startswith("En réponse à Julie")
    assert page.evaluate("document.activeElement.id") == "causerie-text"
    fill(page, text="Je suis d'accord.", name="Marc")
    submit(page)
    page.wait_for_selector(".causerie-own-pending", timeout=TIMEOUT)
    reply = int(page.get_attribute(".causerie-own-pending", "data-id"))
    server.approve(reply)
    page.reload()
    ready(page)
    assert page.locator(".causerie-count").inner_text() == "2 commentaires"
    nested = page.locator(f"[data-id='{first}'] > .causerie-replies > [data-id='{reply}']")
    assert nested.count() == 1

    # Within the window the author edits the reply: sanitized again, screened again.
    button(page, reply, "Modifier").click()
    page.fill(f"#causerie-edit-{reply}", "Je suis <b>tout à fait</b> d'accord. <script>x</script>")
    button(page, reply, "Enregistrer").click()
    page.wait_for_selector(f"#causerie-comment-{reply} .causerie-body b", timeout=TIMEOUT)
    body = page.locator(f"#causerie-comment-{reply} .causerie-body")
    assert body.inner_text() == "Je suis tout à fait d'accord. <script>x</script>"
    # Pre-moderation: an edited comment goes back to the queue; its author still sees it.
    assert page.locator(f"[data-id='{reply}'].causerie-own-pending").count() == 1

    # The author deletes the first comment: it has a reply, so a placeholder stays.
    button(page, first, "Supprimer").click()
    button(page, first, "Supprimer pour de bon ?").click()
    page.wait_for_selector(f"#causerie-comment-{first} .causerie-deleted", timeout=TIMEOUT)
    server.approve(reply)
    page.reload()
    ready(page)
    assert page.locator(f"#causerie-comment-{first} .causerie-deleted").inner_text() == \
        "Ce commentaire a été supprimé."
    assert page.locator(f"[data-id='{first}'] > .causerie-replies > [data-id='{reply}']").count() == 1
    assert_quiet(watched)
