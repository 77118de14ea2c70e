/* Causerie embed.js: the comments of one article, on any page.

     <div id="causerie" data-article="my-article"></div>
     <script src="https://comments.example.org/embed.js" async></script>

   Optional attributes on the div: data-lang (fr, en; else the page's <html lang>),
   data-order (oldest, newest), data-limit (comments per page, 1-100).
   Plain JavaScript, no dependency. Every sentence comes from the server's catalog
   (GET /api/v1/config), so none is written here; only a comment's sanitized `html`
   is ever inserted as HTML, everything else goes in as text. */
(() => {
  "use strict";
  const script = document.currentScript || document.querySelector('script[src*="embed"]');
  if (!script) return;
  const src = new URL(script.src, location.href);
  const base = new URL(/\/widget\/[^/]*$/.test(src.pathname) ? "../" : "./", src);
  const STYLESHEET = new URL("widget/__CAUSERIE_CSS__", base);
  const STORE = "causerie-own:" + base.href; // this browser's comments: edit tokens
  const SLUG = /^[A-Za-z0-9._~-]{1,200}$/;

  function h(tag, props, ...children) {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value == null || value === false) continue;
      if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
      else if (key === "class") element.className = value;
      else element.setAttribute(key, value === true ? "" : String(value));
    }
    // Strings become text nodes: never parsed as HTML.
    element.append(...children.flat().filter((child) => child != null && child !== false));
    return element;
  }

  const fill = (sentence, name, value) => sentence.replace("{" + name + "}", () => String(value));
  const chars = (text) => [...text].length;

  function start(root) {
    if (root.dataset.causerieReady) return;
    root.dataset.causerieReady = "1";
    const article = SLUG.test(root.dataset.article || "") ? root.dataset.article
      : (location.pathname.replace(/[^A-Za-z0-9._~-]+/g, "-").replace(/^-+|-+$/g, "") || "index");
    const asked = (root.dataset.lang || document.documentElement.lang || "").slice(0, 2).toLowerCase();
    const limit = Math.min(100, Math.max(1, parseInt(root.dataset.limit, 10) || 50));
    const state = { lang: asked, order: root.dataset.order === "newest" ? "newest" : "oldest",
                    items: new Map(), total: 0, cursor: null, replyTo: null, timer: 0 };
    let m = {};   // the catalog's sentences, by key
    let config = {};
    let ui = null;
    const own = loadOwn();

    function api(path, options) {
      const url = new URL("api/v1/" + path, base);
      if (state.lang) url.searchParams.set("lang", state.lang);
      const headers = { Accept: "application/json", ...((options && options.headers) || {}) };
      return fetch(url, { credentials: "omit", ...options, headers });
    }

    async function body(response) {
      try { return await response.json(); } catch { return {}; }
    }

    function loadOwn() {
      try {
        const all = JSON.parse(localStorage.getItem(STORE) || "{}");
        for (const id of Object.keys(all)) if (!(Date.parse(all[id].until) > Date.now())) delete all[id];
        return all;
      } catch { return {}; }
    }

    function saveOwn() {
      try { localStorage.setItem(STORE, JSON.stringify(own)); } catch { /* storage off: edits last as long as the page */ }
    }

    const mine = (id) => {
      const entry = own[id];
      return entry && entry.article === article && Date.parse(entry.until) > Date.now() ? entry : null;
    };

    const pageOf = (cursor) => {
      const query = new URLSearchParams({ order: state.order, limit: String(limit) });
      if (cursor) query.set("cursor", cursor);
      return api(`articles/${encodeURIComponent(article)}/comments?${query}`);
    };

    async function boot() {
      const loaded = [...document.querySelectorAll('link[rel="stylesheet"]')].some((link) => link.href === STYLESHEET.href);
      if (!loaded) document.head.append(h("link", { rel: "stylesheet", href: STYLESHEET.href }));
      const first = pageOf(null).catch(() => null);
      try {
        const response = await api("config");
        if (!response.ok) throw new Error(String(response.status));
        config = await response.json();
      } catch {
        return; // the service is unreachable: leave the page's own content (its plain form) alone
      }
      m = config.messages;
      state.lang = config.lang;
      ui = build();
      root.replaceChildren(ui.section);
      await showPage(await first, false);
      const marker = /^#causerie-(pending|approved)$/.exec(location.hash);
      if (marker) notice(m["comment." + marker[1]]);
    }

    function build() {
      const count = h("h2", { class: "causerie-count" });
      const orders = ["oldest", "newest"].map((order) => h("button", {
        type: "button", "data-order": order, "aria-pressed": String(state.order === order),
        onclick: () => reorder(order) }, m["ui." + order]));
      const toolbar = h("div", { class: "causerie-toolbar", role: "group", "aria-label": m["ui.order"] }, orders);
      const status = h("div", { class: "causerie-notice", role: "status", "aria-live": "polite" });
      const thread = h("ol", { class: "causerie-thread" });
      const more = h("button", { type: "button", class: "causerie-more", hidden: true, onclick: more_ }, m["ui.more"]);
      const feed = h("a", { class: "causerie-feed", type: "application/atom+xml",
        href: new URL(`api/v1/articles/${encodeURIComponent(article)}/feed.atom`, base).href }, m["ui.feed"]);
      const form = buildForm();
      const home = h("div", { class: "causerie-form-home" }, form.element);
      const section = h("section", { class: "causerie", lang: state.lang, "aria-label": m["ui.comments"] },
        count, toolbar, status, thread, more, h("p", { class: "causerie-feed-line" }, feed), home);
      return { section, count, orders, status, thread, more, home, form };
    }

    function buildForm() {
      const fields = {};
      const field = (name, label, control) => {
        control.id = "causerie-" + name;
        control.name = name;
        const error = h("p", { class: "causerie-error", id: control.id + "-error", "aria-live": "polite" });
        control.setAttribute("aria-describedby", error.id);
        fields[name] = { control, error };
        return h("div", { class: "causerie-field" }, h("label", { for: control.id }, label), control, error);
      };
      const trap = h("input", { id: "causerie-hp", name: config.honeypot, tabindex: "-1", autocomplete: "off" });
      const notify = h("input", { type: "checkbox", id: "causerie-notify", name: "notify_replies", value: "true" });
      const replying = h("p", { class: "causerie-replying", hidden: true });
      const alert = h("div", { class: "causerie-notice causerie-alert", role: "alert", tabindex: "-1" });
      const submit = h("button", { type: "submit", class: "causerie-submit" }, m["ui.submit"]);
      const element = h("form", { class: "causerie-form", novalidate: true, onsubmit: send },
        h("h2", { class: "causerie-form-title" }, m["ui.form_title"]),
        replying,
        field("text", m["ui.text"], h("textarea", { rows: 5, "aria-required": "true" })),
        field("name", m["ui.name"], h("input", { type: "text", autocomplete: "name", "aria-required": "true" })),
        field("email", m[config.require_email ? "ui.email_required" : "ui.email"],
              h("input", { type: "email", autocomplete: "email", "aria-required": config.require_email ? "true" : null })),
        field("website", m["ui.website"], h("input", { type: "url", autocomplete: "url" })),
        h("div", { class: "causerie-field causerie-check" }, notify, h("label", { for: notify.id }, m["ui.notify_replies"])),
        h("div", { class: "causerie-hp", "aria-hidden": "true" }, h("label", { for: trap.id }, m["ui.honeypot"]), trap),
        alert,
        h("div", { class: "causerie-actions" }, submit));
      return { element, fields, trap, notify, replying, alert, submit };
    }

    // --- the thread -------------------------------------------------------------------

    async function showPage(response, keepFocus) {
      if (!response) return notice(m["ui.offline"]);
      const page = await body(response);
      if (!response.ok) return notice(page.message || m["ui.offline"]);
      for (const comment of page.items) state.items.set(comment.id, comment);
      state.total = page.total;
      state.cursor = page.next_cursor;
      render();
      if (keepFocus && !state.cursor && page.items.length) focusComment(page.items[0].id);
    }

    function reorder(order) {
      if (order === state.order) return;
      state.order = order;
      state.items.clear();
      state.cursor = null;
      for (const button of ui.orders) button.setAttribute("aria-pressed", String(button.dataset.order === order));
      pageOf(null).then((response) => showPage(response, false), () => notice(m["ui.offline"]));
    }

    async function more_() {
      ui.more.disabled = true;
      await showPage(await pageOf(state.cursor).catch(() => null), true);
      ui.more.disabled = false;
    }

    function render() {
      const all = new Map(state.items);
      // This browser's own comments awaiting moderation, while it may still change them.
      for (const id of Object.keys(own)) {
        const entry = mine(id);
        if (entry && !all.has(Number(id)) && entry.comment.status !== "approved") {
          all.set(Number(id), { ...entry.comment, pending: true });
        }
      }
      const replies = new Map();
      const roots = [];
      for (const comment of all.values()) {
        if (comment.parent_id != null && all.has(comment.parent_id)) {
          if (!replies.has(comment.parent_id)) replies.set(comment.parent_id, []);
          replies.get(comment.parent_id).push(comment);
        } else roots.push(comment);
      }
      const byTime = (a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id);
      roots.sort(byTime);
      if (state.order === "newest") roots.reverse();
      const tree = (comment) => {
        const item = commentItem(comment);
        const children = (replies.get(comment.id) || []).sort(byTime);
        if (children.length) item.append(h("ol", { class: "causerie-replies" }, children.map(tree)));
        return item;
      };
      ui.thread.replaceChildren(...roots.map(tree));
      const total = state.total;
      ui.count.textContent = total === 0 ? m["ui.count_zero"] : total === 1 ? m["ui.count_one"]
        : fill(m["ui.count_many"], "count", total);
      ui.more.hidden = !state.cursor;
      const target = state.replyTo && ui.thread.querySelector(`[data-id="${state.replyTo}"] > article`);
      if (target) target.after(ui.form.element);
      else ui.home.append(ui.form.element);
      scheduleWindowEnd();
    }

    function scheduleWindowEnd() {
      clearTimeout(state.timer);
      const ends = Object.keys(own).map((id) => mine(id)).filter(Boolean).map((entry) => Date.parse(entry.until));
      if (ends.length) state.timer = setTimeout(render, Math.min(...ends) - Date.now() + 500);
    }

    function when(iso) {
      try {
        return new Intl.DateTimeFormat(state.lang || undefined, { dateStyle: "medium", timeStyle: "short" })
          .format(new Date(iso));
      } catch { return iso; }
    }

    function commentItem(comment) {
      const entry = mine(comment.id);
      const website = comment.website && /^https?:\/\//i.test(comment.website) ? comment.website : null;
      const author = comment.deleted ? null : website
        ? h("a", { class: "causerie-author", href: website, rel: "nofollow ugc noopener" }, comment.name)
        : h("span", { class: "causerie-author" }, comment.name);
      const content = h("div", { class: "causerie-body" });
      if (comment.deleted) content.append(h("p", { class: "causerie-deleted" }, m["ui.deleted"]));
      else content.innerHTML = comment.html; // the one HTML insertion: sanitized by the server
      const tools = h("div", { class: "causerie-tools" });
      const node = h("article", { id: "causerie-comment-" + comment.id, tabindex: "-1" },
        h("div", { class: "causerie-meta" }, author,
          h("time", { datetime: comment.created_at }, when(comment.created_at)),
          comment.pending && h("span", { class: "causerie-badge" }, m["ui.pending"])),
        content, tools);
      if (!comment.pending && !comment.deleted) {
        tools.append(h("button", { type: "button", class: "causerie-link", onclick: () => replyTo(comment) }, m["ui.reply"]));
      }
      if (entry && !comment.deleted) {
        tools.append(
          h("button", { type: "button", class: "causerie-link", onclick: () => edit(comment, content, tools) }, m["ui.edit"]),
          h("button", { type: "button", class: "causerie-link", onclick: (event) => remove(comment, event.currentTarget) }, m["ui.delete"]),
          h("span", { class: "causerie-muted" }, fill(m["ui.edit_until"], "time", when(entry.until))));
      }
      return h("li", { class: "causerie-comment" + (comment.pending ? " causerie-own-pending" : ""), "data-id": comment.id }, node);
    }

    function focusComment(id) {
      const node = ui.thread.querySelector("#causerie-comment-" + id);
      if (node) node.focus();
    }

    function notice(sentence) {
      ui.status.replaceChildren(h("p", {}, sentence));
    }

    function replyTo(comment) {
      state.replyTo = comment.id;
      ui.form.replying.replaceChildren(fill(m["ui.replying"], "name", comment.name), " ",
        h("button", { type: "button", class: "causerie-link", onclick: cancelReply }, m["ui.cancel"]));
      ui.form.replying.hidden = false;
      render();
      ui.form.fields.text.control.focus();
    }

    function cancelReply() {
      const id = state.replyTo;
      state.replyTo = null;
      ui.form.replying.hidden = true;
      render();
      if (id) focusComment(id);
    }

    // --- the form -----------------------------------------------------------------------

    function check(values) {
      const errors = {};
      const need = (field, ok, key) => { if (!ok && !errors[field]) errors[field] = [m[key]]; };
      const limits = config.limits;
      need("text", values.text, "text.missing");
      need("text", chars(values.text) <= limits.text, "text.too_long");
      need("name", values.name, "name.missing");
      need("name", chars(values.name) <= limits.name, "name.too_long");
      if (values.email) {
        need("email", /^[^\s@]+@[^\s@]+$/.test(values.email), "email.invalid");
        need("email", chars(values.email) <= limits.email, "email.too_long");
      } else {
        need("email", !config.require_email, "email.missing");
        need("email", !values.notify_replies, "notify.email_missing");
      }
      if (values.website) {
        need("website", /^https?:\/\/[^\s/?#]+/i.test(values.website), "website.invalid");
        need("website", chars(values.website) <= limits.website, "website.too_long");
      }
      return errors;
    }

    function showErrors(errors, general) {
      const form = ui.form;
      let first = null;
      for (const [name, { control, error }] of Object.entries(form.fields)) {
        const messages = errors[name];
        error.textContent = messages ? messages.join(" ") : "";
        if (messages) {
          control.setAttribute("aria-invalid", "true");
          first = first || control;
        } else control.removeAttribute("aria-invalid");
      }
      form.alert.replaceChildren(...general.map((sentence) => h("p", {}, sentence)));
      const target = first || (general.length ? form.alert : null);
      if (target) target.focus();
    }

    async function send(event) {
      event.preventDefault();
      const form = ui.form;
      const values = {};
      for (const [name, { control }] of Object.entries(form.fields)) values[name] = control.value.trim();
      values.notify_replies = form.notify.checked;
      const invalid = check(values);
      if (Object.keys(invalid).length) return showErrors(invalid, []);
      const payload = { [config.honeypot]: form.trap.value };
      for (const [name, value] of Object.entries(values)) if (value) payload[name] = value;
      if (state.replyTo) payload.parent_id = state.replyTo;
      form.submit.disabled = true;
      form.submit.textContent = m["ui.sending"];
      let response, answer;
      try {
        response = await api(`articles/${encodeURIComponent(article)}/comments`, {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) });
        answer = await body(response);
      } catch {
        response = null;
      } finally {
        form.submit.disabled = false;
        form.submit.textContent = m["ui.submit"];
      }
      if (!response) return showErrors({}, [m["ui.offline"]]);
      if (response.status === 201) return posted(answer, values.text);
      const errors = {};
      const general = [];
      for (const [field, messages] of Object.entries(answer.errors || {})) {
        if (field in form.fields) errors[field] = messages;
        else general.push(...messages);
      }
      if (!Object.keys(errors).length && !general.length) general.push(answer.message || m["http.default"]);
      const wait = response.headers.get("Retry-After");
      if (response.status === 429 && /^\d+$/.test(wait || "")) general.push(fill(m["ui.retry"], "seconds", wait));
      showErrors(errors, general);
    }

    function posted(answer, text) {
      const comment = { id: answer.id, parent_id: answer.parent_id, name: answer.name, website: answer.website,
                        html: answer.html, created_at: answer.created_at, status: answer.status };
      if (answer.edit_token) {
        own[comment.id] = { token: answer.edit_token, until: answer.edit_until, text, article, comment };
        saveOwn();
      }
      if (answer.status === "approved") {
        state.items.set(comment.id, comment);
        state.total += 1;
      }
      ui.form.element.reset();
      showErrors({}, []);
      state.replyTo = null;
      ui.form.replying.hidden = true;
      render();
      notice(answer.message);
      focusComment(comment.id);
    }

    // --- the author's own comment, during the edit window ---------------------------------

    function edit(comment, content, tools) {
      const entry = mine(comment.id);
      if (!entry) return render();
      const area = h("textarea", { id: "causerie-edit-" + comment.id, rows: 5 });
      area.value = entry.text;
      const error = h("p", { class: "causerie-error", id: area.id + "-error", "aria-live": "polite" });
      area.setAttribute("aria-describedby", error.id);
      const fail = (sentence) => {
        error.textContent = sentence;
        area.setAttribute("aria-invalid", "true");
        area.focus();
      };
      const editor = h("form", { class: "causerie-edit", novalidate: true, onsubmit: async (event) => {
        event.preventDefault();
        const text = area.value.trim();
        if (!text) return fail(m["text.missing"]);
        if (chars(text) > config.limits.text) return fail(m["text.too_long"]);
        let response, answer;
        try {
          response = await api(`comments/${comment.id}`, { method: "PATCH", body: JSON.stringify({ text }),
            headers: { "Content-Type": "application/json", "X-Causerie-Token": entry.token } });
          answer = await body(response);
        } catch { return fail(m["ui.offline"]); }
        if (!response.ok) return fail(((answer.errors && answer.errors.text) || [answer.message || m["http.default"]]).join(" "));
        const changed = { ...entry.comment, html: answer.html, status: answer.status };
        own[comment.id] = { ...entry, text, comment: changed };
        saveOwn();
        if (state.items.has(comment.id)) {
          if (answer.status === "approved") state.items.set(comment.id, { ...state.items.get(comment.id), html: answer.html });
          else { state.items.delete(comment.id); state.total -= 1; }
        }
        render();
        notice(answer.message);
        focusComment(comment.id);
      } },
        h("label", { for: area.id }, m["ui.text"]), area, error,
        h("div", { class: "causerie-actions" },
          h("button", { type: "submit", class: "causerie-submit" }, m["ui.save"]),
          h("button", { type: "button", onclick: () => { render(); focusComment(comment.id); } }, m["ui.cancel"])));
      content.replaceWith(editor);
      tools.hidden = true;
      area.focus();
    }

    async function remove(comment, button) {
      const entry = mine(comment.id);
      if (!entry) return render();
      if (button.dataset.armed !== "1") { // a second press confirms: no dialog box
        button.dataset.armed = "1";
        button.textContent = m["ui.confirm_delete"];
        return;
      }
      let response;
      try {
        response = await api(`comments/${comment.id}`, { method: "DELETE", headers: { "X-Causerie-Token": entry.token } });
      } catch { return notice(m["ui.offline"]); }
      if (response.status !== 204) return notice((await body(response)).message || m["http.default"]);
      delete own[comment.id];
      saveOwn();
      if (state.items.has(comment.id)) {
        const known = [...state.items.values(), ...Object.values(own).map((other) => other.comment)];
        if (known.some((other) => other.parent_id === comment.id)) {
          state.items.set(comment.id, { ...comment, deleted: true, name: "", html: "", website: null });
        } else {
          state.items.delete(comment.id);
          state.total -= 1;
        }
      }
      render();
      notice(m["ui.deleted"]);
    }

    boot();
  }

  const run = () => { const root = document.getElementById("causerie"); if (root) start(root); };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
