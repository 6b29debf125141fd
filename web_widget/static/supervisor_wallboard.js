// @ts-check
// supervisor_wallboard.js: the 即時看板 tab — the floor pushed live over /ws/wallboard (the token in
// the subprotocol list, never the URL): waiting now, longest wait, agents by state, today's answer
// speed in the seed's bands (≤7 s / ≤15 s / ≤31 s / >31 s), abandonment, satisfaction, open callbacks.

import { ReconnectingSocket, socketUrl } from "./socket.js";
import { el } from "./staff.js";

const STATES = { ready: "就緒", break: "休息", wrapup: "話後處理", offline: "離線" };
let ctx = null;
let ui = null;
/** @type {ReconnectingSocket | null} */
let socket = null;

function pct(value) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
}

function clock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s} 秒` : `${Math.floor(s / 60)} 分 ${s % 60} 秒`;
}

function tile(id, title) {
  const value = el("p", { className: "wb-value", id: `wb-${id}`, text: "—" });
  const sub = el("p", { className: "wb-sub", id: `wb-${id}-sub` });
  return { node: el("div", { className: "wb-tile" }, [el("h3", { text: title }), value, sub]), value, sub };
}

function render(board) {
  ui.waiting.value.textContent = String(board.waiting);
  ui.longest.value.textContent = board.waiting ? clock(board.longest_wait_seconds) : "—";
  const s = board.agents_by_state;
  ui.ready.value.textContent = String(s.ready);
  ui.ready.sub.textContent = `休息 ${s.break}・話後處理 ${s.wrapup}・離線 ${s.offline}`;
  ui.abandon.value.textContent = pct(board.abandonment_rate);
  ui.abandon.sub.textContent = `今日進線 ${board.queued_today}・放棄 ${board.abandoned_today}`;
  ui.satisfaction.value.textContent = pct(board.satisfaction_rate);
  ui.satisfaction.sub.textContent = board.surveys_today ? `${board.surveys_today} 份問卷・平均 ${board.average_score} 分` : "今日尚無問卷";
  ui.callbacks.value.textContent = String(board.open_callbacks);
  ui.bands.replaceChildren(...board.answer_bands.map((b) => el("div", { className: `wb-band wb-band--${b.key}` }, [
    el("strong", { text: String(b.count) }), el("span", { text: b.label }),
  ])));
  ui.bandsNote.textContent = `今日已接聽 ${board.answered_today} 通（自排隊到客服人員第一句回覆）`;
  ui.agents.replaceChildren(...board.agents.map((a) => el("tr", { "data-agent": a.username }, [
    el("td", { text: a.username }),
    el("td", {}, [el("span", { className: `wb-state wb-state--${a.state}`, text: STATES[a.state] || a.state })]),
    el("td", { text: a.reason || "" }),
  ])));
  ui.updated.textContent = `更新於 ${new Date(board.at * 1000).toLocaleTimeString("zh-TW", { hour12: false })}`;
  ui.panel.dataset.updates = String(Number(ui.panel.dataset.updates || 0) + 1);
}

/** The wallboard's socket (socket.js: backoff, jitter, back when online); opened when the tab shows. */
function connect() {
  if (socket) { socket.connect(); return; }
  socket = new ReconnectingSocket({
    url: () => socketUrl(location.origin, "/ws/wallboard"),
    // the token in the subprotocol list, never in the URL (URLs end up in access logs)
    protocols: () => ["hotline.v1", `bearer.${(ctx.session && ctx.session.token) || ""}`],
    onOpen: () => { socket.resetBackoff(); ui.conn.textContent = "即時更新中"; },
    onFrame: (frame) => {
      try { render(frame); } catch (error) { console.error(error); }
    },
    onClose: (event) => {
      if (event.code === 4401 || event.code === 4403) { ui.conn.textContent = "請重新登入督導帳號。"; return false; }
      return true;
    },
    onRetry: () => { ui.conn.textContent = "連線中斷，重新連線中…"; },
    maxDelayMs: 15000,
  });
  ui.conn.textContent = "連線中…";
  socket.connect();
}

export async function mount(panel, context) {
  ctx = context;
  ui = {
    panel, waiting: tile("waiting", "排隊等候中"), longest: tile("longest", "最久等候"), ready: tile("ready", "就緒客服人員"),
    abandon: tile("abandon", "今日放棄率"), satisfaction: tile("satisfaction", "今日滿意度（滿意以上）"),
    callbacks: tile("callbacks", "待處理回電"),
    bands: el("div", { className: "wb-bands", id: "wb-bands", "aria-label": "今日接聽速度分布" }),
    bandsNote: el("p", { className: "muted small" }),
    agents: el("tbody", { id: "wb-agents" }),
    conn: el("p", { className: "muted small", role: "status" }),
    updated: el("p", { className: "muted small" }),
  };
  panel.replaceChildren(el("div", { className: "wb" }, [
    el("h2", { text: "即時看板" }), ui.conn,
    el("div", { className: "wb-tiles" }, [ui.waiting, ui.longest, ui.ready, ui.abandon, ui.satisfaction, ui.callbacks]
      .map((t) => t.node)),
    el("section", { "aria-labelledby": "wb-bands-title" }, [
      el("h3", { id: "wb-bands-title", text: "今日接聽速度（7 秒 / 15 秒 / 31 秒）" }), ui.bands, ui.bandsNote]),
    el("section", { "aria-labelledby": "wb-agents-title" }, [
      el("h3", { id: "wb-agents-title", text: "客服人員狀態" }),
      el("table", { className: "wb-agents" }, [
        el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: "帳號" }), el("th", { scope: "col", text: "狀態" }),
          el("th", { scope: "col", text: "原因" })])]), ui.agents])]),
    ui.updated,
  ]));
}

export function show() {
  connect();
}
