// @ts-check
// hotline agent console: the live queue, several chats in tabs (agent_chats.js), KB search
// (agent_kb.js), in the staff shell (shell.js). Protocol: docs/protocol.md (/ws/agent, /auth/login,
// /api/kb/search). Every text from the server is rendered with textContent, never as HTML.
// Extension modules (announcements.js, agent_cases.js, agent_status.js) follow the login, the open
// chat and the agent's state through "hotline:*" events on the document.

import { createDesk } from "./agent_chats.js";
import { clock, errorText, speedOf } from "./agent_format.js";
import { mountKbSearch } from "./agent_kb.js";
import { el } from "./dom.js";
import { loadCatalog, startShell } from "./shell.js";
import { ReconnectingSocket, socketUrl } from "./socket.js";

/** @typedef {import("./agent_chats.js").Frame} Frame */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const ui = {
  conn: $("conn"), accept: /** @type {HTMLButtonElement} */ ($("accept")), capacity: $("capacity"),
  queue: $("queue"), queueEmpty: $("queue-empty"), queueCount: $("queue-count"),
};

/** @type {import("./shell.js").ShellContext | null} */
let shell = null;
let capacity = 3;
let myState = "ready"; // ready | break | wrapup | offline (agent_status.js shows it)
let queue = { entries: [], waiting: 0, receivedAt: Date.now(), agentsOnline: 0, agentsReady: 0 };
/** @type {{ id: string | null, at: number }} the chat the agent last acted on, for its errors */
let lastAction = { id: null, at: 0 };

const socket = new ReconnectingSocket({
  url: () => socketUrl(location.origin, "/ws/agent"),
  // The token goes in the subprotocol list, never in the URL (URLs end up in access logs).
  protocols: () => ["hotline.v1", `bearer.${shell ? shell.auth.token : ""}`],
  onFrame: handle,
  onClose: (event) => {
    if (event.code === 4401) { shell.logout("登入已逾時，請重新登入。"); return false; }
    if (event.code === 4403) { shell.logout("此帳號的角色無法接聽對話，請改用客服人員帳號登入。"); return false; }
    return true;
  },
  onRetry: () => setConn("連線中斷，重新連線中…", false),
  maxDelayMs: 15000,
});

const desk = createDesk({
  send,
  username: () => (shell ? shell.auth.username : ""),
  noteAction: (id) => { lastAction = { id, at: Date.now() }; },
  onChange: updateCapacity,
  focusAccept: () => ui.accept.focus(),
});

/** @param {string} text @param {boolean} ok */
function setConn(text, ok) {
  ui.conn.textContent = text;
  ui.conn.classList.toggle("conn--ok", !!ok);
}

/** @param {Frame} frame */
function send(frame) {
  if (socket.send(frame)) return true;
  if (shell) shell.toast("目前未連線，請稍候再試。");
  return false;
}

/** @param {Frame} frame */
function handle(frame) {
  switch (frame.type) {
    case "hello": return onHello(frame);
    case "queue": return onQueue(frame);
    case "assigned": return desk.onAssigned(frame);
    case "message": return desk.onMessage(frame);
    case "closed": return desk.onClosed(frame);
    case "typing": return desk.onTyping(frame);
    case "status": return onStatus(frame);
    case "error": return onError(frame);
    case "announcement": // a KB change to acknowledge: announcements.js re-reads its list
      document.dispatchEvent(new CustomEvent("hotline:announcement", { detail: frame }));
      return undefined;
    default: return undefined; // ack, pong
  }
}

/** @param {Frame} frame */
function onHello(frame) {
  socket.resetBackoff();
  capacity = Number(frame.capacity) || capacity;
  setConn("已連線", true);
  if (frame.status) onStatus(frame.status);
  desk.keepOnly(frame.chats || []);
  updateCapacity();
}

/** @param {Frame} frame */
function onStatus(frame) {
  myState = frame.state || "ready";
  document.dispatchEvent(new CustomEvent("hotline:status", { detail: frame }));
  updateCapacity();
}
// agent_status.js asks for a state change through this event (the socket lives here)
document.addEventListener("hotline:set-status", (event) => {
  send({ type: "status", .../** @type {CustomEvent} */ (event).detail });
});

/** @param {Frame} frame */
function onQueue(frame) {
  const entries = Array.isArray(frame.entries) ? frame.entries : [];
  // the server sends the head of the line (50) and how many wait in all
  queue = { entries, waiting: Math.max(entries.length, Number(frame.waiting) || 0), receivedAt: Date.now(),
            agentsOnline: Number(frame.agents_online) || 0, agentsReady: Number(frame.agents_ready) || 0 };
  renderQueue();
}

/** @param {Frame} frame */
function onError(frame) {
  const text = errorText(frame);
  const chat = lastAction.id && Date.now() - lastAction.at < 5000 ? desk.chat(lastAction.id) : null;
  if (chat && !chat.ended && frame.code !== "queue_empty") {
    chat.error.textContent = text;
    chat.error.hidden = false;
  } else if (shell) {
    shell.toast(text);
  }
}

// ---- queue --------------------------------------------------------------------------------------
function renderQueue() {
  ui.queue.textContent = "";
  for (const entry of queue.entries) {
    const item = el("li", { className: "queue-item" }, [
      el("div", { className: "queue-line" }, [
        el("span", { className: "pos", text: `第 ${entry.position} 位` }), el("span", { className: "wait" }),
        el("span", { className: "speed" }),
      ]),
      el("p", { className: "preview", text: entry.preview || "（尚未留下問題）" }),
    ]);
    item.dataset.waited = String(Number(entry.waited_seconds) || 0);
    ui.queue.append(item);
  }
  const more = queue.waiting - queue.entries.length;
  if (more > 0) ui.queue.append(el("li", { className: "queue-more", text: `另有 ${more} 位民眾等候中` }));
  ui.queueEmpty.hidden = queue.waiting > 0;
  ui.queueCount.textContent = `${queue.waiting} 位`;
  tickQueue();
  updateCapacity();
}

function tickQueue() {
  const elapsed = (Date.now() - queue.receivedAt) / 1000;
  for (const item of /** @type {NodeListOf<HTMLElement>} */ (ui.queue.querySelectorAll("li.queue-item"))) {
    const seconds = Number(item.dataset.waited) + elapsed;
    const speed = speedOf(seconds);
    item.className = `queue-item queue-item--${speed.key}`;
    item.querySelector(".wait").textContent = `已等候 ${clock(seconds)}`;
    const badge = item.querySelector(".speed");
    badge.className = `speed speed--${speed.key}`;
    badge.textContent = speed.label;
  }
}
setInterval(tickQueue, 1000);

function updateCapacity() {
  const busy = desk.openCount();
  ui.capacity.textContent = `接聽中 ${busy} / ${capacity}・線上客服人員 ${queue.agentsOnline} 位（就緒 ${queue.agentsReady || 0} 位）`;
  ui.accept.disabled = queue.waiting === 0 || busy >= capacity || myState === "break" || myState === "offline";
}

ui.accept.addEventListener("click", () => {
  lastAction = { id: null, at: Date.now() };
  send({ type: "accept" });
});

desk.onActive(mountKbSearch({
  api: (path, options) => shell.api(path, options), insert: desk.insertKb, toast: (text) => shell.toast(text),
}));

// ---- start --------------------------------------------------------------------------------------
startShell({
  stores: { "*": "hotline.agent" },
  roles: { agent: "客服人員", supervisor: "督導", "*": "" },
  view: "console-view",
  wrongRole: "",
  forbidden: "此帳號的角色無法使用客服工作台。",
  verify: true,
  onStart(context) {
    shell = context;
    loadCatalog(context.api).then((catalog) => desk.setCategories(catalog.categories), () => {
      context.toast("無法載入問題類別，請重新整理頁面。");
    });
    renderQueue();
    setConn("連線中…", false);
    socket.connect();
    document.dispatchEvent(new CustomEvent("hotline:session", { detail: context.auth }));
  },
  onLogout() {
    socket.close(1000, "logout");
    desk.removeAll();
    shell = null;
    document.dispatchEvent(new CustomEvent("hotline:session", { detail: null }));
  },
});
