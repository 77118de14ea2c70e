// Statistics drawn as SVG in the page: comments per day by status and by reason, and the
// spam model's precision and recall against the moderators' decisions. No library, no CDN.
import { call, Offline } from "./api.js";
import { clear, h, svg } from "./dom.js";
import { lang, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const STATUSES = ["approved", "pending", "spam", "rejected", "trash"];
const WIDTH = 720;
const HEIGHT = 200;
const MARGIN = { top: 10, right: 10, bottom: 24, left: 36 };
const number = new Intl.NumberFormat(lang);
const percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });
const dayLabel = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", timeZone: "UTC" });

export function setup() {
  $("stats-days").addEventListener("change", load);
}

export function enter() {
  load();
}

async function load() {
  const days = Number($("stats-days").value) || 30;
  const until = new Date();
  const since = new Date(until.getTime() - days * 86400000);
  const query = { since: since.toISOString(), until: until.toISOString() };
  try {
    const [timeline, totals] = await Promise.all([
      call("GET", "/stats/timeline", { query }), call("GET", "/stats", { query })]);
    if (timeline.status !== 200 || totals.status !== 200) {
      const failed = timeline.status !== 200 ? timeline : totals;
      if (failed.status !== 401) $("stats-error").textContent = failed.body?.message ?? "";
      return;
    }
    $("stats-error").textContent = "";
    draw(timeline.body, totals.body);
  } catch (error) {
    if (!(error instanceof Offline)) throw error;
    $("stats-error").textContent = t("page.offline");
  }
}

function draw(timeline, totals) {
  const total = Object.values(totals.comments).reduce((sum, count) => sum + count, 0);
  $("stats-total").textContent = t("stats.total", { count: number.format(total) });
  const statusSeries = STATUSES.map((status) => ({ key: status, label: t(`status.${status}`) }));
  show($("chart-status"), stackedBars(timeline.days, "comments", statusSeries, t("stats.by_status")));
  const reasons = Object.keys(totals.reasons).sort((a, b) => totals.reasons[b] - totals.reasons[a]);
  if (reasons.length) {
    const reasonSeries = reasons.map((code) => ({ key: code, label: t(`reason.${code}`) }));
    show($("chart-reasons"), stackedBars(timeline.days, "reasons", reasonSeries, t("stats.by_reason")));
  } else {
    show($("chart-reasons"), h("p", {}, t("stats.no_reason")));
  }
  $("stats-decided").textContent = t("stats.decided", { count: number.format(totals.model.decided) });
  show($("chart-model"), agreement(totals.model));
}

function show(container, ...children) {
  clear(container);
  container.append(...children);
}

function niceMax(value) {
  if (value <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 2.5, 5, 10]) if (factor * step >= value) return factor * step;
  return value;
}

function legend(series) {
  return h("ul", { class: "legend" }, series.map((serie, index) =>
    h("li", {}, h("span", { class: `swatch series-${index}`, "aria-hidden": "true" }), serie.label)));
}

/** Bars per day, one segment per series, with a y axis and a legend. */
function stackedBars(days, field, series, title) {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const totals = days.map((day) => series.reduce((sum, serie) => sum + (day[field][serie.key] || 0), 0));
  const top = niceMax(Math.max(0, ...totals));
  const slot = plotWidth / Math.max(1, days.length);
  const barWidth = Math.max(1, slot * 0.8);
  const y = (value) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const summary = series.map((serie) => `${serie.label}: ${number.format(
    days.reduce((sum, day) => sum + (day[field][serie.key] || 0), 0))}`).join(", ");
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", class: "bars",
                              "aria-label": t("stats.chart", { title, summary }) });
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = (top / 4) * tick;
    chart.append(svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(value), y2: y(value), class: "grid" }),
      svg("text", { x: MARGIN.left - 4, y: y(value) + 4, class: "axis", "text-anchor": "end" }, number.format(value)));
  }
  const labelEvery = Math.ceil(days.length / 10);
  days.forEach((day, index) => {
    const x = MARGIN.left + index * slot + (slot - barWidth) / 2;
    let base = 0;
    series.forEach((serie, position) => {
      const value = day[field][serie.key] || 0;
      if (!value) return;
      chart.append(svg("rect", { x, y: y(base + value), width: barWidth, height: y(base) - y(base + value),
                                  class: `series-${position}` },
        svg("title", {}, `${dayLabel.format(new Date(`${day.day}T00:00:00Z`))} · ${serie.label}: ${value}`)));
      base += value;
    });
    if (index % labelEvery === 0) {
      chart.append(svg("text", { x: x + barWidth / 2, y: HEIGHT - 6, class: "axis", "text-anchor": "middle" },
        dayLabel.format(new Date(`${day.day}T00:00:00Z`))));
    }
  });
  return h("figure", {}, chart, legend(series));
}

/** Precision and recall of the model's three views, as horizontal bars from 0 to 100 %. */
function agreement(model) {
  const rows = [["marked_spam", "stats.marked_spam"], ["held_or_marked", "stats.held_or_marked"],
                ["decided_alone", "stats.decided_alone"]];
  const measures = [["precision", "stats.precision"], ["recall", "stats.recall"]];
  const rowHeight = 22;
  const labelWidth = 220;
  const barSpace = WIDTH - labelWidth - 80;
  const height = rows.length * (measures.length * rowHeight + 12);
  const parts = [];
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", class: "agreement" });
  let yPos = 0;
  for (const [key, label] of rows) {
    measures.forEach(([measure, measureLabel], position) => {
      const value = model[key][measure];
      const shown = value === null || value === undefined ? t("stats.undefined") : percent.format(value);
      parts.push(`${t(label)} · ${t(measureLabel)}: ${shown}`);
      chart.append(svg("text", { x: 0, y: yPos + 15, class: "axis" },
        position === 0 ? `${t(label)} · ${t(measureLabel)}` : `· ${t(measureLabel)}`));
      chart.append(svg("rect", { x: labelWidth, y: yPos + 4, width: barSpace, height: rowHeight - 8, class: "track" }));
      if (value !== null && value !== undefined) {
        chart.append(svg("rect", { x: labelWidth, y: yPos + 4, width: Math.max(1, barSpace * value),
                                    height: rowHeight - 8, class: `series-${position}` }));
      }
      chart.append(svg("text", { x: labelWidth + barSpace + 6, y: yPos + 15, class: "axis" }, shown));
      yPos += rowHeight;
    });
    yPos += 12;
  }
  chart.setAttribute("aria-label", t("stats.chart", { title: t("stats.model"), summary: parts.join("; ") }));
  return h("figure", {}, chart);
}
