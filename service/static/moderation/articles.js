// Closing an article to new comments, or reopening it (administrators).
import { call, Offline } from "./api.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const ARTICLE_KEY = /^[A-Za-z0-9._~-]{1,200}$/;

export function setup() {
  $("article-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = $("article-key").value.trim();
    const result = $("article-result");
    if (!ARTICLE_KEY.test(key)) {
      result.textContent = t("query.article");
      $("article-key").setAttribute("aria-invalid", "true");
      return;
    }
    $("article-key").removeAttribute("aria-invalid");
    const closed = event.submitter?.value === "true";
    try {
      const { status, body } = await call("PATCH", `/articles/${encodeURIComponent(key)}`, { body: { closed } });
      if (status === 200) {
        result.textContent = t(body.closed ? "articles.closed" : "articles.open", { article: body.article });
      } else if (status !== 401) {
        result.textContent = body?.message ?? t("page.offline");
      }
    } catch (error) {
      if (!(error instanceof Offline)) throw error;
      result.textContent = t("page.offline");
    }
  });
}

export function enter() {
  $("article-key").focus();
}
