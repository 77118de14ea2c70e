"""The moderation page in real Chromium: signing in and out, the queue at keyboard speed,
bulk decisions, undo, conflicts, the admin views, and hostile comments staying inert."""

import os
import statistics
from pathlib import Path
from typing import Any

from tests.browser.conftest import Watched
from tests.browser.moderation_site import Site, settled, show_article, sign_in, site
from tests.moderation.test_sanitize import XSS

__all__ = ["site"]  # the module-scoped fixture, imported to be used here

SCREENSHOTS = os.environ.get("CAUSERIE_SCREENSHOTS")  # a folder: keep pictures of the views


def picture(page: Any, name: str) -> None:
    """With CAUSERIE_SCREENSHOTS set, save a picture of the page (for the README)."""
    if SCREENSHOTS:
        page.set_viewport_size({"width": 960, "height": 640})
        page.screenshot(path=str(Path(SCREENSHOTS) / f"moderation-{name}.png"))


def csp_violations(watched: Watched) -> list[str]:
    return [line for line in watched.console if "Content Security Policy" in line
            or "Trusted Type" in line]


def test_signing_in_and_out_keeps_the_token_in_the_tab_only(site: Site, watched: Watched) -> None:
    page = watched.page
    response = page.goto(f"{site.url}/moderation/")
    headers = response.headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self';" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"
    assert page.locator("html").get_attribute("lang") == "fr"  # the context speaks French
    picture(page, "login")

    page.fill("#token", "not-a-token")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#login-error:text('Ce jeton n')")
    assert page.is_hidden("#app")

    page.fill("#token", site.tokens["marc"])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#whoami:text('marc')")
    assert "modérateur" in page.inner_text("#whoami")
    # A moderator sees no admin section, and the address never holds the token.
    assert page.is_hidden("a[data-view=settings]") and page.is_hidden("a[data-view=articles]")
    page.goto(f"{site.url}/moderation/#settings")
    page.wait_for_selector("#view-queue:not([hidden])")  # sent back to the queue
    assert page.is_hidden("#view-settings")
    assert site.tokens["marc"] not in page.url
    assert page.context.cookies() == []
    assert page.evaluate("sessionStorage.length") == 1

    # The language switch: the same page in English, still signed in (same tab).
    page.click("nav.languages a[hreflang=en]")
    page.wait_for_selector("#whoami:text('Signed in as marc')")
    assert page.locator("html").get_attribute("lang") == "en"

    page.click("#sign-out")
    page.wait_for_selector("#login:not([hidden])")
    assert "signed out" in page.inner_text("#notice")
    assert page.evaluate("sessionStorage.length") == 0

    # A token revoked while the page is open: back to the login, with a sentence saying why.
    page.fill("#token", site.tokens["rex"])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#whoami:text('rex')")
    site.revoke("rex")
    page.click("#tab-spam")
    page.wait_for_selector("#login:not([hidden])")
    assert "no longer works" in page.inner_text("#login-error")
    assert page.evaluate("sessionStorage.length") == 0

    # No CORS for moderation routes: a preflight from another origin is not allowed.
    site.request("OPTIONS", "/api/v1/moderation/comments", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert "Access-Control-Allow-Origin" not in site.last_headers
    assert watched.errors == [] and watched.dialogs == [] and csp_violations(watched) == []


def test_fifty_pending_comments_cleared_by_keyboard_alone(site: Site, watched: Watched) -> None:
    article = "queue-speed"
    keys = ["s" if index % 5 == 4 else "r" if index % 7 == 6 else "a" for index in range(50)]
    ids = [site.post_comment(article, f"Commentaire numéro {index} sur la vitesse.",
                             email=f"lecteur{index % 3}@example.org") for index in range(50)]
    page = watched.page
    sign_in(page, site, "ada")
    show_article(page, article, 50)
    page.wait_for_selector("[data-count=pending]:text('50')")
    picture(page, "queue")
    page.evaluate("""() => {
        window.stillTheSamePage = true;
        window.timings = [];
        let pressed = null;
        window.addEventListener('keydown', (event) => { pressed = event.timeStamp; }, true);
        document.addEventListener('focusin', (event) => {
            if (pressed === null || !event.target.matches('li.comment')) return;
            const start = pressed;
            pressed = null;
            const focused = performance.now() - start;
            requestAnimationFrame(() => window.timings.push(
                {focused, painted: performance.now() - start}));
        });
    }""")
    assert page.evaluate("document.activeElement.dataset.id") == str(ids[0])
    for index, key in enumerate(keys):
        before = page.evaluate("document.activeElement.dataset.id")
        page.keyboard.press(key)
        if index < len(keys) - 1:
            page.wait_for_function("(id) => document.activeElement.dataset.id"
                                   " && document.activeElement.dataset.id !== id", arg=before)
    page.wait_for_selector("#queue-empty:not([hidden])")
    settled(page)
    page.wait_for_function("() => window.timings.length === 49")
    timings = page.evaluate("window.timings")
    patches = page.evaluate("""() => performance.getEntriesByType('resource')
        .filter(e => /\\/moderation\\/comments\\/\\d+$/.test(e.name))
        .map(e => [e.startTime, e.responseEnd])""")
    assert page.evaluate("window.stillTheSamePage") is True  # no reload
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    focused = statistics.median(t["focused"] for t in timings)
    painted = statistics.median(t["painted"] for t in timings)
    first_trip = patches[0][1] - patches[0][0]
    drained = max(end for _, end in patches) - min(start for start, _ in patches)
    print(f"\nmoderation page, 50 decisions by keyboard: median key press to next comment "
          f"focused {focused:.1f} ms, to the next frame {painted:.1f} ms (max {max(t['painted'] for t in timings):.1f} ms); "
          f"first decision's round trip to the API {first_trip:.0f} ms; all {len(patches)} "
          f"decisions confirmed {drained:.0f} ms after the first was sent")

    # Every decision reached the server, none lost, and the approved ones are public.
    wanted = {"a": "approved", "s": "spam", "r": "rejected"}
    assert [site.status_of(comment_id) for comment_id in ids] == [wanted[key] for key in keys]
    status, listing = site.request("GET", f"/api/v1/articles/{article}/comments?limit=100")
    assert status == 200 and listing["total"] == keys.count("a")
    assert {item["id"] for item in listing["items"]} == {
        comment_id for comment_id, key in zip(ids, keys) if key == "a"}
    page.wait_for_selector("[data-count=pending]:text('0')")
    assert watched.errors == [] and csp_violations(watched) == []


def test_bulk_undo_edit_and_a_conflict(site: Site, watched: Watched) -> None:
    article = "queue-bulk"
    ids = [site.post_comment(article, f"Un avis de lecteur, le numéro {index}.",
                             email="meme@example.org") for index in range(6)]
    page = watched.page
    sign_in(page, site, "ada")
    show_article(page, article, 6)
    # The author's history at a glance: the sixth comment follows five by the same address.
    last = page.locator(f"li[data-id='{ids[5]}'] .by-email")
    assert "5" in last.inner_text()

    # x selects the focused comment; shift-click extends the selection; one bulk action.
    page.keyboard.press("x")
    page.locator(f"li[data-id='{ids[2]}'] input.select").click(modifiers=["Shift"])
    page.wait_for_selector("#selected-count:text('3')")
    page.click("[data-bulk=spam]")
    page.wait_for_selector("#toast:not([hidden])")
    settled(page)
    assert [site.status_of(comment_id) for comment_id in ids[:4]] == ["spam"] * 3 + ["pending"]
    assert page.locator("#queue-list li.comment").count() == 3

    # z undoes the whole bulk decision: the three are pending again, and listed again.
    page.keyboard.press("z")
    page.wait_for_function("() => document.querySelectorAll('#queue-list li.comment').length === 6")
    settled(page)
    assert [site.status_of(comment_id) for comment_id in ids[:3]] == ["pending"] * 3

    # e edits the focused comment's text; Ctrl+Enter saves it.
    page.locator(f"li[data-id='{ids[0]}']").focus()
    page.keyboard.press("e")
    page.fill(f"#edit-{ids[0]}", "Un avis corrigé par la modération.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f"li[data-id='{ids[0]}'] .body:has-text('Un avis corrigé')")
    status, body = site.request("GET", f"/api/v1/moderation/comments/{ids[0]}", token=site.tokens["ada"])
    assert body["text"] == "Un avis corrigé par la modération."

    # Another moderator rejects a comment meanwhile: approving it here is a conflict, said
    # plainly, and the other decision stands.
    assert site.request("PATCH", f"/api/v1/moderation/comments/{ids[1]}", {"status": "rejected"},
                        token=site.tokens["marc"])[0] == 200
    page.locator(f"li[data-id='{ids[1]}']").focus()
    page.keyboard.press("a")
    conflict = page.locator(f"li[data-id='{ids[1]}'] .conflict")
    conflict.wait_for()
    assert "Un autre modérateur a décidé avant vous" in conflict.inner_text()
    assert "Refusés" in conflict.inner_text()
    settled(page)
    assert site.status_of(ids[1]) == "rejected"
    picture(page, "conflict")
    assert watched.errors == [] and csp_violations(watched) == []


def test_hostile_comments_render_inert(site: Site, watched: Watched) -> None:
    article = "queue-hostile"
    posted = [site.post_comment(article, f"({index}) {payload}", name=f"{index} {payload[:190]}")
              for index, payload in enumerate(XSS)]
    page = watched.page
    page.on("request", lambda request: None if request.url.startswith(site.url)
            else watched.errors.append(f"left the origin: {request.url}"))
    sign_in(page, site, "ada")
    show_article(page, article, 50)  # a page of the queue; the rest on asking for more
    while page.locator("#queue-list li.comment").count() < len(posted):
        page.click("#queue-more")
        settled(page)
    assert page.is_hidden("#queue-more")
    listed = page.eval_on_selector_all("#queue-list li.comment", "items => items.map(i => +i.dataset.id)")
    assert listed == posted  # every one, once, oldest first
    page.mouse.move(400, 400)
    for _ in range(5):  # move through comments, so hover/focus handlers would have fired
        page.keyboard.press("j")
    rendered = page.evaluate("""() => {
        const list = document.getElementById('queue-list');
        const bad = [...list.querySelectorAll('*')].filter(e =>
            ['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'STYLE', 'IMG', 'SVG', 'svg', 'LINK',
             'META', 'BASE', 'FORM', 'MATH', 'math'].includes(e.tagName)
            || [...e.attributes].some(a => a.name.startsWith('on') || a.name === 'style'
                || (/^(href|src|cite|action)$/.test(a.name) && /^\\s*(javascript|data|vbscript):/i.test(a.value))));
        return bad.map(e => e.outerHTML.slice(0, 120));
    }""")
    assert rendered == []
    assert watched.dialogs == [] and watched.errors == [] and csp_violations(watched) == []


def test_admin_views_settings_errors_articles_audit_and_stats(site: Site, watched: Watched) -> None:
    page = watched.page
    site.post_comment("admin-views", "Un commentaire pour les statistiques.")
    sign_in(page, site, "ada")
    page.click("a[data-view=settings]")
    page.wait_for_selector("#setting-spam_threshold")
    # Each setting comes with its meaning.
    assert page.locator("#settings-fields .setting").count() == 14
    assert page.locator("#setting-max_links-help").inner_text().startswith("Un commentaire qui contient plus")

    page.fill("#setting-spam_threshold", "2")
    page.fill("#setting-max_links", "beaucoup")
    page.click("#settings-form button[type=submit]")
    page.wait_for_selector("#setting-spam_threshold-error:text('Un seuil')")
    assert page.inner_text("#setting-spam_threshold-error") == "Un seuil est un nombre de 0 à 1."
    assert page.inner_text("#setting-max_links-error") == \
        "Ceci doit être un nombre entier dans l'intervalle permis."
    assert page.get_attribute("#setting-max_links", "aria-invalid") == "true"
    page.fill("#setting-max_links", "3")
    page.fill("#setting-spam_threshold", "0.5")
    page.fill("#setting-hold_threshold", "0.9")
    page.click("#settings-form button[type=submit]")
    page.wait_for_selector("#setting-hold_threshold-error:not(:empty)")
    assert page.inner_text("#setting-hold_threshold-error") == \
        "Le seuil de mise en attente ne doit pas dépasser le seuil de spam."
    status, unchanged = site.request("GET", "/api/v1/moderation/settings", token=site.tokens["ada"])
    assert unchanged["max_links"] != 3  # refused as a whole: nothing was saved
    page.fill("#setting-hold_threshold", "0.4")
    page.click("#settings-form button[type=submit]")
    page.wait_for_selector("#settings-result:text('Réglages enregistrés.')")
    status, saved = site.request("GET", "/api/v1/moderation/settings", token=site.tokens["ada"])
    assert (saved["max_links"], saved["spam_threshold"], saved["hold_threshold"]) == (3, 0.5, 0.4)
    picture(page, "settings")

    page.click("a[data-view=articles]")
    page.fill("#article-key", "admin-views")
    page.click("#article-form button[value=true]")
    page.wait_for_selector("#article-result:text('fermés')")
    status, _ = site.request("POST", "/api/v1/articles/admin-views/comments",
                             {"name": "Julie", "text": "Encore un ?"})
    assert status == 403
    page.click("#article-form button[value=false]")
    page.wait_for_selector("#article-result:text('accepte de nouveau')")

    page.click("a[data-view=audit]")
    page.fill("#audit-filters input[name=moderator]", "ada")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_selector("#audit-rows tr")
    actions = page.locator("#audit-rows").inner_text()
    assert "réglage modifié" in actions and "article fermé ou rouvert" in actions
    page.fill("#audit-filters input[name=comment]", "zéro")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_selector("#audit-error:text('numéro')")

    page.click("a[data-view=stats]")
    page.wait_for_selector("#chart-status svg rect")
    assert page.locator("#chart-model svg").count() == 1
    label = page.get_attribute("#chart-status svg", "aria-label")
    assert label.startswith("Graphique")
    picture(page, "stats")
    page.click("a[data-view=queue]")
    page.keyboard.press("?")
    page.wait_for_selector("#keys[open]")
    picture(page, "keys")
    assert watched.errors == [] and csp_violations(watched) == []
