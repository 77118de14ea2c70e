// The moderation page: sign in with a bearer token, then one view at a time (#queue, ...).
import { call, Offline, token, whenRevoked } from "./api.js";
import { t } from "./i18n.js";
import * as queue from "./queue.js";
import * as audit from "./audit.js";
import * as stats from "./stats.js";
import * as articles from "./articles.js";
import * as settings from "./settings.js";

const VIEWS = { queue, audit, stats, articles, settings };
const ADMIN_ONLY = new Set(["articles", "settings"]);
const $ = (id) => document.getElementById(id);
let me = null;
let current = null;

function notice(text) {
  $("notice").textContent = text;
}

function showLogin(message = "") {
  me = null;
  current = null;
  $("app").hidden = true;
  document.querySelector(".who").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("token").value = "";
  $("token").focus();
}

async function signIn(candidate) {
  try {
    const { status, body } = await call("GET", "/me", { bearer: candidate });
    if (status !== 200) return t("login.refused");
    me = body;
  } catch (error) {
    if (error instanceof Offline) return t("page.offline");
    throw error;
  }
  token.set(candidate);
  $("login").hidden = true;
  $("login-error").textContent = "";
  $("whoami").textContent = t("page.signed_in", { name: me.name, role: t(`role.${me.role}`) });
  document.querySelector(".who").hidden = false;
  for (const link of document.querySelectorAll("[data-admin]")) link.hidden = me.role !== "admin";
  $("app").hidden = false;
  route();
  return "";
}

function route() {
  if (!me) return;
  let name = location.hash.slice(1) || "queue";
  if (!(name in VIEWS) || (ADMIN_ONLY.has(name) && me.role !== "admin")) name = "queue";
  if (current && current !== name) VIEWS[current].leave?.();
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${name}`;
  for (const link of document.querySelectorAll("nav.sections a")) {
    if (link.dataset.view === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const first = current !== name;
  current = name;
  VIEWS[name].enter({ me, first });
}

whenRevoked(() => {
  token.forget();
  if (me) VIEWS[current]?.leave?.();
  showLogin(t("login.revoked"));
});

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const candidate = $("token").value.trim();
  if (!candidate) {
    $("login-error").textContent = t("login.empty");
    return;
  }
  $("login-error").textContent = await signIn(candidate);
});

$("sign-out").addEventListener("click", () => {
  token.forget();
  if (current) VIEWS[current].leave?.();
  showLogin();
  notice(t("login.signed_out"));
});

window.addEventListener("hashchange", route);

for (const name of Object.keys(VIEWS)) VIEWS[name].setup?.();

const saved = token.get();
if (saved) {
  notice(t("page.loading"));
  signIn(saved).then((problem) => {
    notice("");
    if (problem) {
      token.forget();
      showLogin(problem === t("login.refused") ? t("login.revoked") : problem);
    }
  });
} else {
  showLogin();
}
