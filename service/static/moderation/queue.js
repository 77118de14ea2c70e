// The queue: tabs per status with live counts, filters, and decisions at keyboard speed.
//
// A decision is applied to the page at once (the comment leaves the list and the next one
// takes the focus), then sent with `expected_status`: if another moderator decided first,
// the API answers 409, nothing is overwritten, and the comment comes back with a banner
// saying what it is now. Every confirmed decision can be undone (z) for a few seconds.
import { call, Offline } from "./api.js";
import { clear, h, insertSanitized } from "./dom.js";
import { formatTime, t } from "./i18n.js";

const PAGE = 50;
const PREFETCH = 10;        // load the next page when this few comments are left below
const UNDO_MS = 10000;      // how long the undo offer stays
const COUNTS_EVERY_MS = 20000;
const STATUSES = ["pending", "spam", "approved", "rejected", "trash"];
const KEY_STATUS = { a: "approved", s: "spam", r: "rejected", d: "trash" };
const DONE = { approved: "done.approved", spam: "done.spam", rejected: "done.rejected",
               trash: "done.trash", pending: "done.pending" };
const ARTICLE_KEY = /^[A-Za-z0-9._~-]{1,200}$/;

const $ = (id) => document.getElementById(id);
const state = {
  status: "pending", article: "", q: "", items: [], focus: 0, selected: new Set(),
  anchor: null, cursor: null, generation: 0, inflight: 0, undo: null, active: false,
  gone: new Set(), counts: null, loadingMore: false,
};
const elements = new Map();
let countsTimer = null;
let countsSoon = null;
let toastTimer = null;

// ---- Entering and leaving the view -------------------------------------------------

export function setup() {
  for (const tab of document.querySelectorAll(".tabs [data-status]")) {
    tab.addEventListener("click", () => switchTab(tab.dataset.status));
  }
  $("queue-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    applyFilters();
  });
  $("queue-filters").addEventListener("reset", () => {
    setTimeout(applyFilters, 0);
  });
  $("select-page").addEventListener("change", (event) => selectAll(event.target.checked));
  for (const button of document.querySelectorAll("[data-bulk]")) {
    button.addEventListener("click", () => decide(button.dataset.bulk));
  }
  $("queue-more").addEventListener("click", () => load(false));
  $("toast-undo").addEventListener("click", undo);
  $("keys-open").addEventListener("click", () => $("keys").showModal());
  $("queue-list").addEventListener("focusin", (event) => {
    const li = event.target.closest("li.comment");
    if (li) markFocus(state.items.findIndex((item) => item.id === Number(li.dataset.id)));
  });
  document.addEventListener("keydown", onKey);
}

export function enter({ first }) {
  state.active = true;
  if (first || !state.items.length) load(true);
  refreshCounts();
  clearInterval(countsTimer);
  countsTimer = setInterval(() => document.visibilityState === "visible" && refreshCounts(),
                            COUNTS_EVERY_MS);
}

export function leave() {
  state.active = false;
  clearInterval(countsTimer);
  hideToast();
}

function switchTab(status) {
  if (!STATUSES.includes(status)) return;
  state.status = status;
  load(true);
  refreshCounts();
}

function applyFilters() {
  const article = $("filter-article").value.trim();
  if (article && !ARTICLE_KEY.test(article)) {
    $("filter-error").textContent = t("query.article");
    $("filter-article").setAttribute("aria-invalid", "true");
    $("filter-article").focus();
    return;
  }
  $("filter-article").removeAttribute("aria-invalid");
  $("filter-error").textContent = "";
  state.article = article;
  state.q = $("filter-q").value.trim();
  load(true);
  refreshCounts();
}

// ---- Loading ---------------------------------------------------------------------------

async function load(reset) {
  if (reset) {
    state.generation += 1;
    state.items = [];
    state.cursor = null;
    state.selected.clear();
    state.gone.clear();
    state.focus = 0;
    elements.clear();
    clear($("queue-list"));
    for (const tab of document.querySelectorAll(".tabs [data-status]")) {
      tab.setAttribute("aria-pressed", String(tab.dataset.status === state.status));
    }
    updateSelection();
  }
  if (!reset && state.loadingMore) return;  // one "next page" at a time
  const generation = state.generation;
  state.loadingMore = !reset;
  busy(+1);
  try {
    const { status, body } = await call("GET", "/comments", { query: {
      status: state.status, article: state.article || null, q: state.q || null, limit: PAGE,
      cursor: reset ? null : state.cursor } });
    if (generation !== state.generation) return;
    if (status !== 200) {
      if (status !== 401) $("filter-error").textContent = body?.message ?? t("page.offline");
      return;
    }
    state.cursor = body.next_cursor;
    const known = new Set(state.items.map((item) => item.id));
    const fresh = body.items.filter((item) => !known.has(item.id) && !state.gone.has(item.id));
    for (const item of fresh) {
      state.items.push(item);
      const li = render(item);
      elements.set(item.id, li);
      $("queue-list").append(li);
    }
    showEmptiness();
    if (reset && state.active && state.items.length && !editing()) focusAt(0);
  } catch (error) {
    if (!(error instanceof Offline)) throw error;
    if (generation === state.generation) $("queue-alert").textContent = t("page.offline");
  } finally {
    if (generation === state.generation) state.loadingMore = false;
    busy(-1);
  }
}

function showEmptiness() {
  $("queue-empty").hidden = state.items.length > 0;
  $("queue-more").hidden = !state.cursor;
  if (!state.items.length && state.cursor) load(false);
}

async function refreshCounts() {
  try {
    const { status, body } = await call("GET", "/counts", { query: {
      article: state.article || null, q: state.q || null } });
    if (status === 200) showCounts(body);
  } catch (error) {
    if (!(error instanceof Offline)) throw error;
  }
}

function countsLater() {
  clearTimeout(countsSoon);
  countsSoon = setTimeout(refreshCounts, 400);
}

function showCounts(counts) {
  state.counts = counts;
  for (const status of STATUSES) {
    const badge = document.querySelector(`[data-count="${status}"]`);
    if (badge) badge.textContent = String(Math.max(0, counts[status] ?? 0));
  }
}

function shiftCounts(from, to, count = 1) {
  if (!state.counts) return;
  showCounts({ ...state.counts, [from]: state.counts[from] - count, [to]: state.counts[to] + count });
}

function busy(delta) {
  state.inflight += delta;
  $("queue-list").setAttribute("aria-busy", String(state.inflight > 0));
}

// ---- One comment -----------------------------------------------------------------------

function describe(item) {
  return `${item.name} (#${item.id})`;
}

function historyText(counts) {
  if (counts === null || counts === undefined) return t("queue.no_value");
  const parts = STATUSES.filter((status) => counts[status]).map(
    (status) => `${counts[status]} ${t(`status.${status}`).toLowerCase()}`);
  return parts.length ? parts.join(", ") : t("queue.history.first");
}

function render(item) {
  const id = item.id;
  const actions = [["approved", "action.approve", "a"], ["spam", "action.spam", "s"],
                   ["rejected", "action.reject", "r"], ["trash", "action.trash", "d"],
                   ["pending", "action.restore", null]]
    .filter(([status]) => status !== item.status)
    .map(([status, label, key]) => h("button", {
      type: "button", "data-decide": status, "aria-keyshortcuts": key,
      onclick: () => decide(status, [item.id]) }, t(label)));
  const website = item.website && /^https?:\/\//i.test(item.website)
    ? h("a", { href: item.website, rel: "nofollow noopener noreferrer ugc", target: "_blank" }, item.website)
    : t("queue.no_value");
  const score = item.score === null || item.score === undefined ? t("queue.no_score") : item.score.toFixed(2);
  const history = item.history || {};
  const body = h("div", { class: "body" });
  insertSanitized(body, item.html);
  const li = h("li", { class: "comment", tabindex: "-1", "data-id": id, "data-status": item.status,
                       "aria-labelledby": `c${id}-name`, "aria-describedby": `c${id}-body` },
    h("div", { class: "meta" },
      h("input", { type: "checkbox", class: "select", "aria-label": t("queue.select", { id }),
                   checked: state.selected.has(id), onclick: (event) => onCheck(event, item) }),
      h("strong", { class: "name", id: `c${id}-name` }, item.name),
      h("span", { class: "article" }, t("queue.on_article", { article: item.article })),
      h("time", { datetime: item.created_at }, formatTime(item.created_at)),
      item.status !== state.status ? h("span", { class: "badge" }, t(`status.${item.status}`)) : null),
    h("dl", { class: "facts" },
      h("dt", {}, t("queue.email")), h("dd", {}, item.email || t("queue.no_value")),
      h("dt", {}, t("queue.website")), h("dd", {}, website),
      h("dt", {}, t("queue.ip")), h("dd", {}, item.ip || t("queue.no_value")),
      h("dt", {}, t("queue.score")), h("dd", { class: "score" }, score)),
    h("p", { class: "history" }, h("span", { class: "label" }, t("queue.history")), " — ",
      t("queue.history.email"), " ", h("span", { class: "by-email" }, historyText(history.email)), " · ",
      t("queue.history.ip"), " ", h("span", { class: "by-ip" }, historyText(history.ip))),
    item.reasons.length ? h("ul", { class: "reasons", "aria-label": t("queue.reasons") },
      item.reasons.map((reason) => h("li", { "data-code": reason.code }, reason.message))) : null,
    item.parent_excerpt !== null && item.parent_excerpt !== undefined
      ? h("blockquote", { class: "parent" }, h("span", { class: "label" }, t("queue.reply_to")), " ",
          item.parent_excerpt) : null,
    Object.assign(body, { id: `c${id}-body` }),
    h("p", { class: "conflict", role: "alert", hidden: !item.problem }, item.problem || ""),
    h("div", { class: "actions", role: "group", "aria-label": t("queue.actions") }, actions,
      h("button", { type: "button", "data-edit": "", "aria-keyshortcuts": "e",
                    onclick: () => startEdit(item) }, t("action.edit"))));
  if (state.items.indexOf(item) === state.focus) li.classList.add("focused");
  return li;
}

function replace(item) {
  const old = elements.get(item.id);
  const li = render(item);
  elements.set(item.id, li);
  if (old) old.replaceWith(li);
  return li;
}

// ---- Focus and selection ---------------------------------------------------------------

function focused() {
  return state.items[state.focus];
}

function markFocus(index) {
  if (index < 0) return;
  elements.get(state.items[state.focus]?.id)?.classList.remove("focused");
  state.focus = index;
  elements.get(state.items[index]?.id)?.classList.add("focused");
}

function focusAt(index) {
  if (!state.items.length) {
    showEmptiness();
    return;
  }
  const clamped = Math.max(0, Math.min(index, state.items.length - 1));
  markFocus(clamped);
  const li = elements.get(state.items[clamped].id);
  li.focus({ preventScroll: true });
  li.scrollIntoView({ block: "nearest" });
  if (state.cursor && state.items.length - clamped < PREFETCH) load(false);
}

function onCheck(event, item) {
  const index = state.items.indexOf(item);
  const checked = event.target.checked;
  if (event.shiftKey && state.anchor !== null) {
    const from = state.items.findIndex((other) => other.id === state.anchor);
    const [low, high] = from < index ? [from, index] : [index, from];
    for (const other of state.items.slice(Math.max(0, low), high + 1)) setSelected(other.id, checked);
  } else {
    setSelected(item.id, checked);
  }
  state.anchor = item.id;
  updateSelection();
}

function setSelected(id, on) {
  if (on) state.selected.add(id);
  else state.selected.delete(id);
  const box = elements.get(id)?.querySelector("input.select");
  if (box) box.checked = on;
  elements.get(id)?.classList.toggle("selected", on);
}

function selectAll(on) {
  for (const item of state.items) setSelected(item.id, on);
  updateSelection();
}

function updateSelection() {
  const count = state.selected.size;
  $("selected-count").textContent = count ? t("queue.selected", { count }) : "";
  $("bulk-actions").hidden = count === 0;
  $("select-page").checked = count > 0 && count === state.items.length;
}

// ---- Decisions -------------------------------------------------------------------------

function take(items) {
  const ids = new Set(items.map((item) => item.id));
  const index = state.items.findIndex((item) => ids.has(item.id));
  state.items = state.items.filter((item) => !ids.has(item.id));
  for (const id of ids) {
    elements.get(id)?.remove();
    elements.delete(id);
    state.selected.delete(id);
    state.gone.add(id);
  }
  updateSelection();
  return index;
}

function put(items, { focus = false } = {}) {
  for (const item of items) {
    state.gone.delete(item.id);
    if (state.items.some((other) => other.id === item.id)) continue;
    let at = state.items.findIndex((other) => other.created_at > item.created_at
      || (other.created_at === item.created_at && other.id > item.id));
    if (at < 0) at = state.items.length;
    state.items.splice(at, 0, item);
    const li = render(item);
    elements.set(item.id, li);
    const next = state.items[at + 1];
    $("queue-list").insertBefore(li, next ? elements.get(next.id) : null);
  }
  showEmptiness();
  if (focus && items.length) focusAt(state.items.findIndex((other) => other.id === items[0].id));
}

/** Decide on the selection (or `ids`, or the focused comment): the page first, then the API. */
async function decide(status, ids = null) {
  const chosen = ids ? state.items.filter((item) => ids.includes(item.id))
    : state.selected.size ? state.items.filter((item) => state.selected.has(item.id))
      : [focused()].filter(Boolean);
  const moving = chosen.filter((item) => item.status !== status);
  if (!moving.length) return;
  const keepFocus = document.activeElement?.closest?.("#queue-list") || !ids;
  const index = take(moving);
  if (keepFocus) focusAt(index);
  for (const item of moving) shiftCounts(item.status, status);
  // One request per status the comments had (usually one): each checks that status still holds.
  const groups = Map.groupBy(moving, (item) => item.status);
  for (const [from, items] of groups) send(items, from, status);
}

async function send(items, from, status, { undoing = false } = {}) {
  const ids = items.map((item) => item.id);
  const generation = state.generation;
  busy(+1);
  let answer;
  try {
    answer = ids.length === 1
      ? await call("PATCH", `/comments/${ids[0]}`, { body: { status, expected_status: from } })
      : await call("POST", "/comments/bulk", { body: { ids, status, expected_status: from } });
  } catch (error) {
    if (!(error instanceof Offline)) throw error;
    answer = { status: 0, body: { message: t("page.offline") } };
  } finally {
    busy(-1);
  }
  const what = ids.length === 1 ? describe(items[0]) : t("done.count", { count: ids.length });
  if (answer.status === 200) {
    const moved = items.map((item) => ({ ...item, status, problem: null }));
    if (generation !== state.generation) {  // another tab or filter is shown now
      countsLater();
      return;
    }
    if (undoing) {
      put(moved.filter((item) => item.status === state.status), { focus: true });
      offer(t("done.undone", { what }), null);
    } else {
      offer(t(DONE[status], { what }), { items: moved, from: status, to: from });
    }
    countsLater();
    return;
  }
  if (answer.status === 401) return;
  // Refused: nothing changed on the server. Show each comment as it is now, and why.
  const current = answer.body?.current || {};
  const message = answer.body?.message || t("page.offline");
  const back = items.map((item) => {
    const now = current[String(item.id)];
    const problem = answer.status === 409 && now
      ? t("conflict.now", { status: t(`status.${now}`) })
      : answer.status === 409 && answer.body?.ids && !answer.body.ids.includes(item.id) ? null : message;
    return { ...item, status: now || (undoing ? status : from), problem };
  });
  $("queue-alert").textContent = message;
  if (generation !== state.generation) {
    refreshCounts();
    return;
  }
  if (undoing) {
    hideToast();
  } else {
    put(back.filter((item) => item.status === state.status || item.problem));
  }
  refreshCounts();
}

function offer(text, undoable) {
  state.undo = undoable;
  $("toast-text").textContent = text;
  $("toast-undo").hidden = !undoable;
  $("toast").hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(hideToast, UNDO_MS);
}

function hideToast() {
  state.undo = null;
  $("toast").hidden = true;
}

function undo() {
  const last = state.undo;
  if (!last) return;
  hideToast();
  if (last.text !== undefined) {
    saveText(last.item, last.text, { undoing: true });
    return;
  }
  for (const item of last.items) shiftCounts(last.from, last.to);
  send(last.items, last.from, last.to, { undoing: true });
}

// ---- Editing the text ------------------------------------------------------------------

function editing() {
  return document.querySelector("#queue-list form.edit");
}

function startEdit(item) {
  const li = elements.get(item.id);
  if (!li || li.querySelector("form.edit")) return;
  const id = item.id;
  const area = h("textarea", { id: `edit-${id}`, rows: 6, "aria-describedby": `edit-${id}-hint edit-${id}-error` });
  area.value = item.text;
  const error = h("p", { class: "error", id: `edit-${id}-error`, role: "alert" });
  const form = h("form", { class: "edit", novalidate: true },
    h("label", { for: `edit-${id}` }, t("edit.label", { id })), area,
    h("p", { class: "hint", id: `edit-${id}-hint` }, t("edit.hint")), error,
    h("button", { type: "submit" }, t("action.save")),
    h("button", { type: "button", onclick: () => endEdit(item) }, t("action.cancel")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveText(item, area.value, { form, error });
  });
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      endEdit(item);
    }
  });
  li.querySelector(".body").hidden = true;
  li.querySelector(".body").after(form);
  area.focus();
}

function endEdit(item) {
  const li = elements.get(item.id);
  li?.querySelector("form.edit")?.remove();
  if (li) {
    li.querySelector(".body").hidden = false;
    li.focus();
  }
}

async function saveText(item, text, { form = null, error = null, undoing = false } = {}) {
  busy(+1);
  let answer;
  try {
    answer = await call("PATCH", `/comments/${item.id}`, { body: { text, expected_status: item.status } });
  } catch (failure) {
    if (!(failure instanceof Offline)) throw failure;
    answer = { status: 0, body: { message: t("page.offline") } };
  } finally {
    busy(-1);
  }
  const index = state.items.findIndex((other) => other.id === item.id);
  if (answer.status === 200) {
    const updated = { ...answer.body, problem: null };
    if (index >= 0) state.items[index] = updated;
    const li = replace(updated);
    if (index >= 0) {
      markFocus(index);
      li.focus();
    }
    offer(t(undoing ? "done.undone" : "done.edited", { what: describe(updated) }),
          undoing ? null : { item: updated, text: item.text });
    return;
  }
  if (answer.status === 401) return;
  const message = answer.status === 409 && answer.body?.current_status
    ? t("conflict.now", { status: t(`status.${answer.body.current_status}`) })
    : answer.body?.errors?.text?.[0] || answer.body?.message || t("page.offline");
  if (error) {
    error.textContent = message;
    form.querySelector("textarea").setAttribute("aria-invalid", "true");
  } else {
    $("queue-alert").textContent = message;
  }
}

// ---- Keys ------------------------------------------------------------------------------

function onKey(event) {
  if (!state.active || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest?.("input, textarea, select, [contenteditable]") || $("keys").open) return;
  const key = event.key;
  if (key === "?") {
    event.preventDefault();
    $("keys").showModal();
  } else if (key === "j" || key === "ArrowDown") {
    event.preventDefault();
    focusAt(state.focus + 1);
  } else if (key === "k" || key === "ArrowUp") {
    event.preventDefault();
    focusAt(state.focus - 1);
  } else if (key in KEY_STATUS) {
    event.preventDefault();
    decide(KEY_STATUS[key]);
  } else if (key === "e" && focused()) {
    event.preventDefault();
    startEdit(focused());
  } else if (key === "x" && focused()) {
    event.preventDefault();
    const item = focused();
    setSelected(item.id, !state.selected.has(item.id));
    state.anchor = item.id;
    updateSelection();
  } else if (key === "z") {
    event.preventDefault();
    undo();
  } else if (key === "/") {
    event.preventDefault();
    $("filter-q").focus();
  }
}
