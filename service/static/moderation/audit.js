// The audit trail: who did what and when, newest first, filtered by moderator, comment, dates.
import { call, Offline } from "./api.js";
import { clear, h } from "./dom.js";
import { formatTime, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
let cursor = null;
let filters = {};

export function setup() {
  $("audit-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const day = (value, offset = 0) => {
      if (!value) return null;
      const moment = new Date(`${value}T00:00:00Z`);
      moment.setUTCDate(moment.getUTCDate() + offset);
      return moment.toISOString().replace(".000Z", "Z");
    };
    filters = {
      moderator: form.get("moderator").trim() || null,
      comment: form.get("comment").trim() || null,
      since: day(form.get("since")),
      until: day(form.get("until"), 1),  // the whole "until" day is included
    };
    load(true);
  });
  $("audit-more").addEventListener("click", () => load(false));
}

export function enter() {
  load(true);
}

function describe(entry) {
  const action = t(`audit.action.${entry.action}`);
  return entry.field ? `${action} (${entry.field})` : action;
}

function change(entry) {
  const show = (value) => (value === null || value === undefined ? "—" : value);
  return `${show(entry.old_value)} → ${show(entry.new_value)}`;
}

async function load(reset) {
  if (reset) {
    cursor = null;
    clear($("audit-rows"));
  }
  try {
    const { status, body } = await call("GET", "/audit", { query: { ...filters, cursor, limit: 50 } });
    if (status !== 200) {
      if (status !== 401) {
        const errors = Object.values(body?.errors || {}).flat();
        $("audit-error").textContent = errors.length ? errors.join(" ") : body?.message;
      }
      return;
    }
    $("audit-error").textContent = "";
    for (const entry of body.items) {
      const target = entry.comment_id ? `#${entry.comment_id}${entry.article ? ` · ${entry.article}` : ""}`
        : entry.article || "";
      $("audit-rows").append(h("tr", {},
        h("td", {}, h("time", { datetime: entry.created_at }, formatTime(entry.created_at))),
        h("td", {}, entry.actor), h("td", {}, describe(entry)), h("td", {}, target),
        h("td", { class: "change" }, change(entry))));
    }
    cursor = body.next_cursor;
    $("audit-more").hidden = !cursor;
    $("audit-empty").hidden = $("audit-rows").children.length > 0;
  } catch (error) {
    if (!(error instanceof Offline)) throw error;
    $("audit-error").textContent = t("page.offline");
  }
}
