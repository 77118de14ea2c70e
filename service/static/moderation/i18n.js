// The page's sentences, from the catalog the server rendered into #messages (JSON, not script).
const messages = JSON.parse(document.getElementById("messages").textContent);
export const lang = document.documentElement.lang || "en";

/** The sentence for `key`, its %(name)s placeholders filled from `values`. */
export function t(key, values = {}) {
  const sentence = messages[key] ?? key;
  return sentence.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

const when = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });

/** A contract timestamp ("2026-11-24T10:00:00Z") in the reader's language and time zone. */
export function formatTime(stamp) {
  const moment = new Date(stamp);
  return Number.isNaN(moment.getTime()) ? stamp : when.format(moment);
}
