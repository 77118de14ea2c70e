"""The reader's widget in a real Chromium: the demo page, a blog on another origin,
every error sentence in French and English, replies, the edit window, count.js, and the
sanitizer's hostile corpus rendered inert."""

import re
from typing import Any

from service import widget
from tests.browser.conftest import OtherOrigin, Watched, WidgetServer
from tests.moderation.test_sanitize import XSS

DEMO = "comment-devenir-chef-de-projet-ia"
TIMEOUT = 10000


def blog_page(other: OtherOrigin, server: WidgetServer, name: str, article: str,
              lang: str = "en", extra: str = "", attributes: str = "",
              script: str = "/embed.js") -> str:
    """A static page of a blog on another origin, embedding the widget as the README says."""
    return other.page(name, f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>A blog</title></head>
<body><h1>An article</h1>{extra}
<div id="causerie" data-article="{article}" {attributes}></div>
<script src="{server.url}{script}" async></script>
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
    fill(page, email="", website="")
    page.check("#causerie-notify")  # replies by e-mail, without an e-mail
    submit(page)
    assert field_error(page, "email") == sentences["notify.email_missing"]
    page.uncheck("#causerie-notify")
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
    feed = page.locator("a.causerie-feed")
    assert feed.inner_text() == "Suivre ces commentaires (flux Atom)"
    assert feed.get_attribute("href") == \
        f"{server.url}/api/v1/articles/comment-devenir-chef-de-projet-ia/feed.atom"
    atom = page.request.get(feed.get_attribute("href"))
    assert atom.status == 200 and "<feed" in atom.text()
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


def test_a_blog_on_another_origin_gets_the_widget_in_english_and_its_counts(
        widget_server: WidgetServer, other_origin: OtherOrigin, watched: Watched) -> None:
    page, server = watched.page, widget_server
    article = "another-origin"
    status, _ = server.call("POST", f"/api/v1/articles/{article}/comments",
                            {"name": "Ada", "text": "Already here."})
    assert status == 201
    status, listing = server.call("GET", "/api/v1/moderation/comments?status=pending"
                                         f"&article={article}")
    server.approve(*(item["id"] for item in listing["items"]))
    counts = ('<p><span data-causerie-count="another-origin">?</span> / '
              '<span data-causerie-count="nobody-wrote-here">?</span></p>')
    url = blog_page(other_origin, server, "en.html", article, lang="en-GB", extra=counts)
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST"
            else None)
    page.set_viewport_size({"width": 320, "height": 700})  # a phone's narrow column
    page.goto(url)
    ready(page)
    assert page.locator(".causerie-count").inner_text() == "1 comment"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.locator("[data-causerie-count]").all_inner_texts() == ["1", "0"]
    english = config(server, "en")
    assert english["name.missing"] == "Please enter your name here"
    client_side_sentences(page, posts, english)

    # What only the server can judge comes back beside its field, in the page's language.
    fill(page, text="Hello from a blog", name="<b></b>", email="ada@localhost.invalid",
         website="")
    submit(page)
    page.wait_for_selector("#causerie-name[aria-invalid=true]", timeout=TIMEOUT)
    assert field_error(page, "name") == "Please enter your name here"
    assert page.input_value("#causerie-text") == "Hello from a blog"  # nothing lost
    # By keyboard alone: correct the name, leave the e-mail empty, Enter sends.
    fill(page, email="")
    page.focus("#causerie-name")
    page.keyboard.press("Control+A")
    page.keyboard.type("Ada")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "causerie-email"
    page.keyboard.press("Enter")
    page.wait_for_selector(".causerie-own-pending", timeout=TIMEOUT)
    assert notice(page) == "Thank you! Your comment is awaiting moderation."
    assert page.locator(".causerie-own-pending .causerie-badge").inner_text() == \
        "Awaiting moderation"
    fill(page, text="Hello from a blog", name="Ada")
    submit(page)
    page.wait_for_selector(".causerie-form .causerie-alert p", timeout=TIMEOUT)
    assert alert(page) == english["comment.duplicate"]
    assert all(post.startswith(server.url) for post in posts)
    assert_quiet(watched)


def test_every_refusal_is_said_in_french_and_english(
        strict_server: WidgetServer, other_origin: OtherOrigin, watched: Watched) -> None:
    """E-mail required, too large (413), closed (403), too fast (429 and its wait)."""
    page, server = watched.page, strict_server
    status, _ = server.call("PATCH", "/api/v1/moderation/articles/closed-one", {"closed": True})
    assert status == 200
    for lang in ("fr", "en"):
        sentences = config(server, lang)
        for article in ("open-one", "closed-one"):
            blog_page(other_origin, server, f"{lang}-{article}.html", article,
                      attributes=f'data-lang="{lang}"')
        page.goto(f"{other_origin.url}/{lang}-open-one.html")
        ready(page)
        fill(page, text="Bonjour", name="Julie")
        submit(page)
        assert field_error(page, "email") == sentences["email.missing"]
        fill(page, email="julie@example.org", text="x" * 3000)
        submit(page)
        page.wait_for_selector(".causerie-form .causerie-alert p", timeout=TIMEOUT)
        assert alert(page) == sentences["http.413"]
        assert page.input_value("#causerie-text") == "x" * 3000
        page.goto(f"{other_origin.url}/{lang}-closed-one.html")
        ready(page)
        fill(page, text="Bonjour", name="Julie", email="julie@example.org")
        submit(page)
        page.wait_for_selector(".causerie-form .causerie-alert p", timeout=TIMEOUT)
        assert alert(page) == sentences["article.closed"]
    for lang in ("fr", "en"):
        sentences = config(server, lang)
        page.goto(f"{other_origin.url}/{lang}-open-one.html")
        ready(page)
        fill(page, text=f"Un commentaire ({lang})", name="Julie", email="julie@example.org")
        submit(page)
        if lang == "fr":  # the first of the hour is taken
            page.wait_for_selector(".causerie-own-pending", timeout=TIMEOUT)
            fill(page, text="Encore un", name="Julie", email="julie@example.org")
            submit(page)
        page.wait_for_selector(".causerie-form .causerie-alert p >> nth=1", timeout=TIMEOUT)
        said = page.locator(".causerie-form .causerie-alert p").all_inner_texts()
        assert said[0] == sentences["http.429"]
        wait = re.escape(sentences["ui.retry"]).replace(re.escape("{seconds}"), r"\d+")
        assert re.fullmatch(wait, said[1]), said
    assert_quiet(watched)


def test_hostile_texts_once_approved_render_inert(
        widget_server: WidgetServer, other_origin: OtherOrigin, watched: Watched) -> None:
    server, article = widget_server, "hostile-corpus"
    posted = []
    for number, text in enumerate(XSS):
        status, body = server.call("POST", f"/api/v1/articles/{article}/comments",
                                   {"name": f"<img src=x onerror=alert({number})>Eve", "text": text,
                                    "website": "https://example.org/\"><script>alert(1)</script>"})
        if status == 201:
            posted.append(body["id"])
    assert len(posted) > len(XSS) * 0.9
    server.approve(*posted)
    page = watched.page
    # The pinned, content-hashed copy of the script finds the service as /embed.js does.
    page.goto(blog_page(other_origin, server, "hostile.html", article,
                        attributes='data-limit="100"', script=widget.url("embed.js")))
    ready(page)
    page.wait_for_selector(".causerie-comment >> nth=0", timeout=TIMEOUT)
    while page.locator(".causerie-comment").count() < len(posted):  # keyset pages of 100
        more = page.locator(".causerie-more")
        assert more.is_visible()
        more.click()
        page.wait_for_selector(f".causerie-comment >> nth={len(posted) - 1}", timeout=TIMEOUT)
    assert page.locator(".causerie-comment").count() == len(posted)
    assert page.locator(".causerie-more").is_hidden()
    page.mouse.move(5, 5)
    for link in page.locator(".causerie-body a").all()[:20]:
        link.hover()
    found = page.evaluate("""() => {
        const bodies = [...document.querySelectorAll('.causerie-comment')];
        const bad = [];
        for (const element of bodies.flatMap((b) => [...b.querySelectorAll('*')])) {
            const tag = element.tagName.toLowerCase();
            if (['script', 'img', 'iframe', 'svg', 'math', 'object', 'embed', 'style', 'video',
                 'form', 'input', 'meta', 'link', 'base'].includes(tag)) bad.push(tag);
            for (const attribute of element.attributes) {
                if (attribute.name.startsWith('on') || attribute.name === 'style') bad.push(attribute.name);
                if (['href', 'src', 'action', 'formaction'].includes(attribute.name)
                    && !/^(https?:|mailto:|#)/i.test(attribute.value.trim())) bad.push(attribute.value);
            }
        }
        return bad;
    }""")
    assert found == []
    assert page.locator(".causerie-author").first.inner_text().endswith("Eve")
    assert_quiet(watched)


def test_without_javascript_the_form_answers_with_pages(widget_server: WidgetServer,
                                                       browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(widget_server.url + "/")
        page.fill("#causerie-text", "Sans JavaScript, ça marche aussi.")
        page.click(".causerie-submit")
        page.wait_for_selector(".causerie-answer", timeout=TIMEOUT)
        assert page.locator("h1").inner_text() == "Votre commentaire n'a pas été envoyé"
        assert page.locator("#causerie-name-error").inner_text() == \
            "S'il vous plaît entrez votre nom ici"
        assert page.input_value("#causerie-text") == "Sans JavaScript, ça marche aussi."
        assert page.evaluate("document.activeElement.id") == "causerie-name"
        page.fill("#causerie-name", "Lou")
        page.click(".causerie-submit")
        page.wait_for_url(re.compile(r"/#causerie-pending$"), timeout=TIMEOUT)
        assert page.locator("h1").inner_text() == "Comment devenir chef de projet IA ?"
    finally:
        context.close()
