"""`/docs` renders the API's operations in a real browser, with no internet."""

from tests.browser.conftest import LiveServer, Watched


def test_docs_lists_the_operations_from_local_assets(live_server: LiveServer,
                                                     watched: Watched) -> None:
    page = watched.page
    outside: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(live_server.url)
            else outside.append(request.url))
    page.goto(f"{live_server.url}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/articles/{article}/comments" in path.replace("\u200b", "")
               for path in paths), paths
    assert any("/api/v1/moderation/comments" in path.replace("\u200b", "") for path in paths)
    assert outside == []
    assert watched.errors == []

