// The screening settings (administrators): every setting with what it means; the API
// validates, and its localized messages are shown next to the fields they are about.
import { call, Offline } from "./api.js";
import { clear, h } from "./dom.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
// name, kind: the form control and how its value is sent.
const FIELDS = [
  ["moderation", "choice"], ["screening_enabled", "boolean"], ["require_email", "boolean"],
  ["trust_returning_authors", "boolean"], ["post_rate_limit", "text"], ["max_links", "number"],
  ["held_words", "words"], ["blocked_words", "words"], ["honeypot_field", "text"],
  ["spam_threshold", "number"], ["spam_threshold_pinned", "boolean"],
  ["hold_threshold", "number"], ["hold_threshold_pinned", "boolean"], ["min_training", "number"],
];
let loaded = null;

export function setup() {
  $("settings-form").addEventListener("submit", save);
}

export async function enter() {
  try {
    const { status, body } = await call("GET", "/settings");
    if (status !== 200) return;
    loaded = body;
    build(body);
  } catch (error) {
    if (!(error instanceof Offline)) throw error;
    $("settings-result").textContent = t("page.offline");
  }
}

function control(name, kind, value) {
  const id = `setting-${name}`;
  const described = `${id}-help ${id}-error`;
  if (kind === "boolean") {
    return h("input", { type: "checkbox", id, name, checked: Boolean(value), "aria-describedby": described });
  }
  if (kind === "choice") {
    return h("select", { id, name, "aria-describedby": described },
      ["pre", "post"].map((option) => h("option", { value: option, selected: value === option },
                                        t(`settings.${option}`))));
  }
  if (kind === "words") {
    const area = h("textarea", { id, name, rows: 4, "aria-describedby": described });
    area.value = (value || []).join("\n");
    return area;
  }
  return h("input", { id, name, value: value ?? "", autocomplete: "off", "aria-describedby": described,
                      inputmode: kind === "number" ? "decimal" : null });
}

function build(values) {
  const fields = $("settings-fields");
  clear(fields);
  $("settings-result").textContent = "";
  for (const [name, kind] of FIELDS) {
    const id = `setting-${name}`;
    fields.append(h("div", { class: `setting ${kind}` },
      h("label", { for: id }, t(`settings.${name}`)),
      control(name, kind, values[name]),
      h("p", { class: "help", id: `${id}-help` }, t(`settings.${name}.help`)),
      h("p", { class: "error", id: `${id}-error` })));
  }
}

function read(name, kind) {
  const element = $(`setting-${name}`);
  if (kind === "boolean") return element.checked;
  if (kind === "words") return element.value.split("\n").map((word) => word.trim()).filter(Boolean);
  const raw = element.value.trim();
  // A number goes as a number; anything else as typed, so that the API says what is wrong.
  if (kind === "number" && raw !== "" && !Number.isNaN(Number(raw))) return Number(raw);
  return raw;
}

async function save(event) {
  event.preventDefault();
  const changes = {};
  for (const [name, kind] of FIELDS) {
    const value = read(name, kind);
    if (JSON.stringify(value) !== JSON.stringify(loaded?.[name])) changes[name] = value;
  }
  for (const [name] of FIELDS) {
    $(`setting-${name}-error`).textContent = "";
    $(`setting-${name}`).removeAttribute("aria-invalid");
  }
  let answer;
  try {
    answer = await call("PUT", "/settings", { body: changes });
  } catch (error) {
    if (!(error instanceof Offline)) throw error;
    $("settings-result").textContent = t("page.offline");
    return;
  }
  const { status, body } = answer;
  if (status === 200) {
    loaded = body;
    build(body);
    $("settings-result").textContent = t("settings.saved");
    return;
  }
  if (status === 401) return;
  $("settings-result").textContent = body?.message ?? t("page.offline");
  let first = null;
  for (const [field, messages] of Object.entries(body?.errors || {})) {
    const name = field.split(".")[0];
    const element = $(`setting-${name}`);
    if (!element) continue;
    element.setAttribute("aria-invalid", "true");
    $(`setting-${name}-error`).textContent = messages.join(" ");
    first ??= element;
  }
  first?.focus();
}
