// @ts-check
// Agent console: KB change announcements (知識庫異動佈達). Fills <section id="announcements"> in the
// KB pane with the announcements this agent has not acknowledged, each with an 「已閱讀」 button;
// polls every 30 s while logged in. API: GET /api/announcements, POST /api/announcements/{id}/ack.

import { apiClient, el, sessionStore } from "./staff.js";

const POLL_MS = 30_000;
const section = document.getElementById("announcements");
const taipei = new Intl.DateTimeFormat("zh-TW", {
  timeZone: "Asia/Taipei", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
});
let auth = sessionStore("hotline.agent").load();
let timer = 0;
let seen = new Set();
// agent.js owns the login: a lost session is handled there, so nothing to do on 401 here.
const api = apiClient(() => (auth ? auth.token : ""), () => {});

if (section) {
  if (!document.querySelector('link[href="/static/announcements.css"]')) {
    document.head.append(el("link", { rel: "stylesheet", href: "/static/announcements.css" }));
  }
  const count = el("span", { className: "pill ann-count" });
  const status = el("p", { className: "ann-status small", role: "status" });
  const list = el("ul", { className: "ann-list", "aria-labelledby": "ann-title" });
  section.setAttribute("aria-labelledby", "ann-title");
  section.replaceChildren(
    el("div", { className: "pane-head ann-head" }, [el("h2", { id: "ann-title", text: "知識庫異動佈達" }), count]),
    status, list,
  );

  function render(rows) {
    const fresh = rows.filter((row) => !seen.has(row.id));
    seen = new Set(rows.map((row) => row.id));
    section.hidden = rows.length === 0;
    count.textContent = `${rows.length} 則未讀`;
    if (fresh.length) status.textContent = `有 ${fresh.length} 則新的知識庫異動，請閱讀後按「已閱讀」。`;
    list.replaceChildren(...rows.map((row) => {
      const titleId = `ann-${row.id}-title`;
      return el("li", { className: "ann-item", "data-announcement": String(row.id) }, [
        el("h3", { id: titleId, className: "ann-title", text: row.title }),
        el("p", { className: "ann-meta", text: `${taipei.format(new Date(row.created_at * 1000))}・${row.created_by} 佈達・第 ${row.revision} 版` }),
        el("p", { className: "ann-body", text: row.body }),
        el("button", { type: "button", className: "btn btn--primary btn--small", text: "已閱讀",
          "aria-describedby": titleId, onclick: (event) => acknowledge(row, event.currentTarget) }),
      ]);
    }));
  }

  async function acknowledge(row, button) {
    button.disabled = true;
    try {
      await api(`/api/announcements/${row.id}/ack`, { method: "POST" });
    } catch {
      button.disabled = false;
      status.textContent = "無法送出確認，請稍後再試。";
      return;
    }
    const item = button.closest("li");
    const next = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    seen.delete(row.id);
    const left = list.children.length;
    count.textContent = `${left} 則未讀`;
    status.textContent = left ? `已確認「${row.title}」。` : "所有知識庫異動都已確認。";
    if (left && next) next.querySelector("button").focus();
    if (!left) {
      section.hidden = true;
      const query = document.getElementById("kb-query");
      if (query) query.focus();
    }
  }

  async function poll() {
    clearTimeout(timer);
    if (!auth) return;
    try {
      render(await api("/api/announcements"));
    } catch {
      // offline or logged out: keep what is shown and try again at the next poll
    }
    if (auth) timer = setTimeout(poll, POLL_MS);
  }

  document.addEventListener("hotline:session", (event) => {
    const next = /** @type {CustomEvent} */ (event).detail;
    if ((next && next.token) === (auth && auth.token)) return;
    auth = next;
    seen = new Set();
    if (!auth) {
      clearTimeout(timer);
      section.hidden = true;
      list.replaceChildren();
      return;
    }
    poll();
  });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") poll(); });
  document.addEventListener("hotline:announcement", () => { clearTimeout(timer); poll(); }); // pushed by the console
  poll();
}
