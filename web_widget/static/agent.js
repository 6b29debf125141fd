// hotline agent console: login, the live queue, several chats in tabs, KB search, transfer and
// close with a wrap-up. Protocol: docs/protocol.md (/ws/agent, /auth/login, /api/kb/search).
// Every text from the server is rendered with textContent, never as HTML.

import { el, requestLogin, sessionStore } from "./staff.js";

const SESSION_KEY = "hotline.agent";
const session = sessionStore(SESSION_KEY);
const TYPING_SEND_MS = 3000;
const TYPING_SHOW_MS = 6000;
const CATEGORIES = [
  "政策緣由與金額", "發放對象與資格", "發放時程與期限", "稅務扣押與法規", "新生兒與未成年", "登記入帳", "直接入帳",
  "網站操作與技術問題", "ATM領現", "郵局領現", "造冊發放", "代領與委託", "旅居國外", "外籍人士與陸港澳",
  "防詐騙與個資", "客服與申訴", "特殊狀況", "其他",
];
// The seed's answer-speed standard (臺中市政府電話禮貌): ≤7 s best, ≤15 s good, ≥31 s worst.
const SPEEDS = [
  { max: 7, key: "best", label: "最佳" },
  { max: 15, key: "good", label: "次佳" },
  { max: 30, key: "slow", label: "偏慢" },
  { max: Infinity, key: "worst", label: "最差" },
];
const ERRORS = {
  queue_empty: "目前沒有民眾在排隊。",
  at_capacity: "已達可同時接聽的對話上限，請先結束其他對話。",
  not_your_chat: "這個對話已不屬於您。",
  no_such_agent: "該客服人員目前不在線上，無法轉接。",
  not_ready: "目前不是「就緒」狀態：請先切換為就緒（或對方正在休息）。",
  reason_required: "休息請選擇原因。",
  rate_limited: "操作太頻繁，請稍候再試。",
  too_large: "訊息太長了，請縮短後再送出。",
  bad_request: "要求格式有誤，請再試一次。",
};
const SENDERS = { citizen: "民眾", bot: "智能客服", agent: "客服人員", system: "系統" };

const $ = (id) => document.getElementById(id);
const ui = {
  loginView: $("login-view"), loginForm: $("login-form"), loginError: $("login-error"),
  username: $("login-username"), password: $("login-password"),
  consoleView: $("console-view"), session: $("session"), who: $("who"), conn: $("conn"), logout: $("logout"),
  accept: $("accept"), capacity: $("capacity"), queue: $("queue"), queueEmpty: $("queue-empty"), queueCount: $("queue-count"),
  tablist: $("tablist"), panels: $("panels"), noChat: $("no-chat"), template: $("chat-panel"),
  kbForm: $("kb-form"), kbQuery: $("kb-query"), kbStatus: $("kb-status"), kbResults: $("kb-results"),
  toast: $("toast"),
};

let auth = session.load();
let ws = null;
let retries = 0;
let retryTimer = 0;
let pingTimer = 0;
let capacity = 3;
let myState = "ready"; // ready | break | wrapup | offline (agent_status.js shows it)
let queue = { entries: [], receivedAt: Date.now(), agentsOnline: 0 };
const chats = new Map(); // conversation_id → chat
let activeId = null;
let clientCounter = 0;
let lastAction = { id: null, at: 0 };
let toastTimer = 0;

// ---- helpers ------------------------------------------------------------------------------------

function saveSession(value) {
  auth = value;
  session.save(value);
  // Extension modules (announcements.js, agent_cases.js) follow the login and the open chat.
  document.dispatchEvent(new CustomEvent("hotline:session", { detail: value }));
}

function announceActiveChat() {
  document.dispatchEvent(new CustomEvent("hotline:active-chat", { detail: { conversationId: activeId } }));
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function timeLabel(createdAt) {
  const date = typeof createdAt === "number" ? new Date(createdAt * 1000) : new Date();
  return date.toLocaleTimeString("zh-TW", { hour: "2-digit", minute: "2-digit", hour12: false });
}

function speedOf(seconds) {
  return SPEEDS.find((s) => seconds <= s.max);
}

function shortId(id) {
  return String(id).replace(/^c_/, "").slice(-4).toUpperCase();
}

function toast(text) {
  ui.toast.textContent = text;
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { ui.toast.hidden = true; }, 6000);
}

function errorText(frame) {
  return ERRORS[frame.code] || (/[\u3400-\u9fff]/.test(frame.message || "") ? frame.message : `操作失敗（${frame.code || "error"}）。`);
}

// ---- login --------------------------------------------------------------------------------------
function showLogin(message) {
  ui.consoleView.hidden = true;
  ui.session.hidden = true;
  ui.loginView.hidden = false;
  ui.loginError.hidden = !message;
  ui.loginError.textContent = message || "";
  ui.username.focus();
}

function showConsole() {
  ui.loginView.hidden = true;
  ui.consoleView.hidden = false;
  ui.session.hidden = false;
  ui.who.textContent = `${auth.username}（${auth.role === "supervisor" ? "督導" : "客服人員"}）`;
  renderQueue();
  renderChatsEmpty();
}

ui.loginForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = ui.username.value.trim();
  const password = ui.password.value;
  if (!username || !password) {
    showLoginError("請輸入帳號與密碼。");
    return;
  }
  const button = ui.loginForm.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const body = await requestLogin(username, password);
    if (body === null) {
      showLoginError("帳號或密碼錯誤，請再試一次。");
      return;
    }
    saveSession(body);
    ui.password.value = "";
    start();
  } catch {
    showLoginError("無法連線到伺服器，請稍後再試。");
  } finally {
    button.disabled = false;
  }
});

function showLoginError(text) {
  ui.loginError.textContent = text;
  ui.loginError.hidden = false;
}

ui.logout.addEventListener("click", () => logout());

function logout(message) {
  saveSession(null);
  if (ws) {
    const socket = ws;
    ws = null;
    socket.close(1000, "logout");
  }
  clearTimeout(retryTimer);
  clearInterval(pingTimer);
  for (const id of [...chats.keys()]) removeChat(id);
  showLogin(message);
}

function start() {
  showConsole();
  connect();
  document.dispatchEvent(new CustomEvent("hotline:session", { detail: auth }));
}

// ---- websocket ----------------------------------------------------------------------------------
function setConn(text, ok) {
  ui.conn.textContent = text;
  ui.conn.classList.toggle("conn--ok", !!ok);
}

function connect() {
  if (!auth) return;
  clearTimeout(retryTimer);
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  // The token goes in the subprotocol list, never in the URL (URLs end up in access logs).
  const socket = new WebSocket(`${proto}//${location.host}/ws/agent`, ["hotline.v1", `bearer.${auth.token}`]);
  ws = socket;
  setConn("連線中…", false);
  socket.onmessage = (event) => {
    if (socket !== ws) return;
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    if (frame && typeof frame.type === "string") handle(frame);
  };
  socket.onclose = (event) => {
    if (socket !== ws) return;
    ws = null;
    clearInterval(pingTimer);
    if (event.code === 4401) return logout("登入已逾時，請重新登入。");
    if (event.code === 4403) return logout("此帳號的角色無法接聽對話，請改用客服人員帳號登入。");
    const delay = Math.min(15000, 1000 * 2 ** retries) * (0.75 + Math.random() * 0.5);
    retries += 1;
    setConn("連線中斷，重新連線中…", false);
    retryTimer = setTimeout(connect, delay);
    return undefined;
  };
}

function send(frame) {
  if (!ws || ws.readyState !== WebSocket.OPEN) {
    toast("目前未連線，請稍候再試。");
    return false;
  }
  ws.send(JSON.stringify(frame));
  return true;
}

function handle(frame) {
  switch (frame.type) {
    case "hello": return onHello(frame);
    case "queue": return onQueue(frame);
    case "assigned": return onAssigned(frame);
    case "message": return onMessage(frame);
    case "closed": return onClosed(frame);
    case "typing": return onTyping(frame);
    case "status": return onStatus(frame);
    case "error": return onError(frame);
    case "announcement": // a KB change to acknowledge: announcements.js re-reads its list
      document.dispatchEvent(new CustomEvent("hotline:announcement", { detail: frame }));
      return undefined;
    default: return undefined; // ack, pong
  }
}

function onHello(frame) {
  retries = 0;
  capacity = Number(frame.capacity) || capacity;
  setConn("已連線", true);
  clearInterval(pingTimer);
  pingTimer = setInterval(() => send({ type: "ping" }), 25000);
  if (frame.status) onStatus(frame.status);
  const mine = new Set(frame.chats || []);
  for (const chat of chats.values()) {
    if (!chat.ended && !mine.has(chat.id)) endChat(chat, "對話已重新排隊，由其他客服人員接手。");
  }
  updateCapacity();
}

function onStatus(frame) {
  myState = frame.state || "ready";
  document.dispatchEvent(new CustomEvent("hotline:status", { detail: frame }));
  updateCapacity();
}
// agent_status.js asks for a state change through this event (the socket lives here)
document.addEventListener("hotline:set-status", (event) => send({ type: "status", ...event.detail }));

function onQueue(frame) {
  queue = { entries: Array.isArray(frame.entries) ? frame.entries : [], receivedAt: Date.now(),
            agentsOnline: Number(frame.agents_online) || 0, agentsReady: Number(frame.agents_ready) || 0 };
  renderQueue();
}

function onError(frame) {
  const text = errorText(frame);
  const chat = lastAction.id && Date.now() - lastAction.at < 5000 ? chats.get(lastAction.id) : null;
  if (chat && !chat.ended && frame.code !== "queue_empty") {
    chat.error.textContent = text;
    chat.error.hidden = false;
  } else {
    toast(text);
  }
}

// ---- queue --------------------------------------------------------------------------------------
function renderQueue() {
  const { entries } = queue;
  ui.queue.textContent = "";
  for (const entry of entries) {
    const wait = el("span", { className: "wait" });
    const speed = el("span", { className: "speed" });
    const item = el("li", { className: "queue-item" }, [
      el("div", { className: "queue-line" }, [el("span", { className: "pos", text: `第 ${entry.position} 位` }), wait, speed]),
      el("p", { className: "preview", text: entry.preview || "（尚未留下問題）" }),
    ]);
    item.dataset.waited = String(Number(entry.waited_seconds) || 0);
    ui.queue.append(item);
  }
  ui.queueEmpty.hidden = entries.length > 0;
  ui.queueCount.textContent = `${entries.length} 位`;
  tickQueue();
  updateCapacity();
}

function tickQueue() {
  const elapsed = (Date.now() - queue.receivedAt) / 1000;
  for (const item of ui.queue.children) {
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

function openChats() {
  return [...chats.values()].filter((c) => !c.ended).length;
}

function updateCapacity() {
  const busy = openChats();
  ui.capacity.textContent = `接聽中 ${busy} / ${capacity}・線上客服人員 ${queue.agentsOnline} 位（就緒 ${queue.agentsReady || 0} 位）`;
  ui.accept.disabled = queue.entries.length === 0 || busy >= capacity || myState === "break" || myState === "offline";
}

ui.accept.addEventListener("click", () => {
  lastAction = { id: null, at: Date.now() };
  send({ type: "accept" });
});

// ---- chats --------------------------------------------------------------------------------------
function renderChatsEmpty() {
  ui.noChat.hidden = chats.size > 0;
}

function onAssigned(frame) {
  const id = frame.conversation_id;
  let chat = chats.get(id);
  if (!chat || chat.ended) {
    if (chat) removeChat(id);
    chat = createChat(id, frame);
  }
  chat.transcript.textContent = "";
  chat.payloads = {};
  chat.lastSeq = 0;
  for (const message of frame.transcript || []) appendMessage(chat, message, false);
  updateCapacity();
  if (!activeId || !chats.get(activeId) || chats.get(activeId).ended) selectChat(id, false);
  else markUnread(chat);
}

function createChat(id, frame) {
  const fragment = ui.template.content.cloneNode(true);
  const panel = fragment.querySelector(".chat");
  const tab = el("button", {
    type: "button", role: "tab", id: `tab-${id}`, className: "tab", "aria-controls": `panel-${id}`,
    "aria-selected": "false", tabindex: "-1",
  });
  panel.id = `panel-${id}`;
  panel.setAttribute("aria-labelledby", `tab-${id}`);
  panel.hidden = true;
  for (const node of panel.querySelectorAll("[data-id]")) node.id = `${node.dataset.id}-${id}`;
  for (const node of panel.querySelectorAll("[data-for]")) node.htmlFor = `${node.dataset.for}-${id}`;
  const select = panel.querySelector("select");
  for (const category of CATEGORIES) select.append(el("option", { value: category, text: category }));

  const chat = {
    id, tab, panel, ended: false, unread: 0, kbId: null, payloads: {}, lastSeq: 0, lastTyping: 0, typingTimer: 0,
    transcript: panel.querySelector(".transcript"),
    typing: panel.querySelector(".typing"),
    error: panel.querySelector(".chat-error"),
    reply: panel.querySelector(".reply"),
    replyBox: panel.querySelector("textarea[data-id=reply]"),
    kbChip: panel.querySelector(".kb-chip"),
    wrapup: panel.querySelector(".wrapup"),
    title: panel.querySelector(".chat-title"),
    meta: panel.querySelector(".chat-meta"),
    tabLabel: el("span", { className: "tab-label" }),
    tabBadge: el("span", { className: "tab-badge", hidden: true }),
    preview: "",
  };
  tab.append(chat.tabLabel, chat.tabBadge);
  // when the reply area grows (KB chip, wrap-up form) keep the newest message in view
  // (a scroll event soon after our own scrolling is ours, not the agent scrolling up to read)
  chat.pinned = true;
  chat.autoScrolledAt = 0;
  chat.transcript.addEventListener("scroll", () => {
    const t = chat.transcript;
    if (t.scrollHeight - t.scrollTop - t.clientHeight < 24) chat.pinned = true;
    else if (Date.now() - chat.autoScrolledAt > 300) chat.pinned = false;
  });
  new ResizeObserver(() => { if (chat.pinned) scrollChat(chat); }).observe(chat.transcript);
  chat.title.textContent = `民眾 ${shortId(id)}`;
  chat.transcript.setAttribute("aria-label", `與民眾 ${shortId(id)} 的對話紀錄`);
  const waited = typeof frame.waited_seconds === "number" ? `等候 ${clock(frame.waited_seconds)} 後接聽・` : "";
  const from = frame.transferred_from ? `由 ${frame.transferred_from} 轉接・` : "";
  const number = frame.number ? `服務編號 ${frame.number}・` : "";
  chat.meta.textContent = `${from}${waited}${number}對話編號 ${id}`;
  updateTabLabel(chat);

  tab.addEventListener("click", () => selectChat(id, true));
  tab.addEventListener("keydown", onTabKey);
  panel.querySelector(".reply").addEventListener("submit", (event) => { event.preventDefault(); sendReply(chat); });
  chat.replyBox.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      sendReply(chat);
    }
  });
  chat.replyBox.addEventListener("input", () => {
    const now = Date.now();
    if (!chat.ended && now - chat.lastTyping > TYPING_SEND_MS && chat.replyBox.value.trim()) {
      chat.lastTyping = now;
      send({ type: "typing", conversation_id: id });
    }
  });
  panel.querySelector(".kb-chip-clear").addEventListener("click", () => { setKb(chat, null); chat.replyBox.focus(); });
  panel.querySelector(".transfer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = panel.querySelector(".transfer-input");
    const to = input.value.trim();
    if (!to) { showChatError(chat, "請輸入要轉接的客服帳號。"); input.focus(); return; }
    lastAction = { id, at: Date.now() };
    if (send({ type: "transfer", conversation_id: id, to })) input.value = "";
  });
  panel.querySelector(".close-open").addEventListener("click", () => {
    chat.wrapup.hidden = !chat.wrapup.hidden;
    if (!chat.wrapup.hidden) chat.wrapup.querySelector("select").focus();
  });
  panel.querySelector(".wrapup-cancel").addEventListener("click", () => {
    chat.wrapup.hidden = true;
    panel.querySelector(".close-open").focus();
  });
  chat.wrapup.addEventListener("submit", (event) => {
    event.preventDefault();
    const category = chat.wrapup.querySelector("select").value;
    const field = (name) => chat.wrapup.querySelector(`[data-id=${name}]`);
    const summary = field("summary").value.trim();
    const caseNeeded = field("case_needed").checked;
    const table1 = { answer: field("answer").value.trim(), citizen_name: field("citizen_name").value.trim(),
                     citizen_phone: field("citizen_phone").value.trim(), faq_needed: field("faq_needed").checked };
    const select = chat.wrapup.querySelector("select");
    select.setAttribute("aria-invalid", category ? "false" : "true");
    if (!category) { showChatError(chat, "請選擇問題類別。"); select.focus(); return; }
    lastAction = { id, at: Date.now() };
    send({ type: "close", conversation_id: id, wrapup: { category, summary, case_needed: caseNeeded, ...table1 } });
  });
  panel.querySelector(".dismiss").addEventListener("click", () => removeChat(id));

  ui.tablist.append(tab);
  ui.panels.append(fragment);
  chats.set(id, chat);
  renderChatsEmpty();
  return chat;
}

function updateTabLabel(chat) {
  const status = chat.ended ? "（已結束）" : "";
  chat.tabLabel.textContent = `民眾 ${shortId(chat.id)}${status}`;
  chat.tab.title = chat.preview;
  chat.tab.classList.toggle("tab--ended", chat.ended);
  chat.tabBadge.hidden = chat.unread === 0;
  chat.tabBadge.textContent = chat.unread ? `${chat.unread}` : "";
  chat.tabBadge.setAttribute("aria-label", `${chat.unread} 則未讀`);
}

function markUnread(chat) {
  if (chat.id === activeId) return;
  chat.unread += 1;
  updateTabLabel(chat);
}

function selectChat(id, focusTab) {
  activeId = id;
  for (const chat of chats.values()) {
    const selected = chat.id === id;
    chat.tab.setAttribute("aria-selected", String(selected));
    chat.tab.tabIndex = selected ? 0 : -1;
    chat.panel.hidden = !selected;
    if (selected) {
      chat.unread = 0;
      updateTabLabel(chat);
      scrollChat(chat);
    }
  }
  const chat = chats.get(id);
  if (focusTab && chat) chat.tab.focus();
  updateKbButtons();
  announceActiveChat();
}

function onTabKey(event) {
  const tabs = [...ui.tablist.querySelectorAll("[role=tab]")];
  const index = tabs.indexOf(event.currentTarget);
  let next = null;
  if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
  else if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
  else if (event.key === "Home") next = tabs[0];
  else if (event.key === "End") next = tabs[tabs.length - 1];
  if (next) {
    event.preventDefault();
    selectChat(next.id.slice(4), true);
  }
}

function removeChat(id) {
  const chat = chats.get(id);
  if (!chat) return;
  const tabs = [...ui.tablist.querySelectorAll("[role=tab]")];
  const index = tabs.indexOf(chat.tab);
  chat.tab.remove();
  chat.panel.remove();
  chats.delete(id);
  if (activeId === id) {
    activeId = null;
    const rest = [...ui.tablist.querySelectorAll("[role=tab]")];
    const next = rest[Math.min(index, rest.length - 1)];
    if (next) selectChat(next.id.slice(4), true);
    else ui.accept.focus();
  }
  renderChatsEmpty();
  updateCapacity();
  updateKbButtons();
  announceActiveChat();
}

function appendMessage(chat, message, live) {
  if (typeof message.seq === "number") {
    if (chat.transcript.querySelector(`[data-seq="${message.seq}"]`)) return;
    chat.lastSeq = Math.max(chat.lastSeq, message.seq);
  }
  const sender = SENDERS[message.sender] ? message.sender : "system";
  let text = String(message.text || "");
  let clicked = false;
  if (sender === "citizen" && text.startsWith("/")) {
    clicked = true;
    text = chat.payloads[text] || text;
  }
  for (const button of message.buttons || []) {
    if (button && typeof button.payload === "string") chat.payloads[button.payload] = String(button.title || button.payload);
  }
  if (sender === "citizen" && !clicked && !chat.preview) {
    chat.preview = text.slice(0, 60);
    updateTabLabel(chat);
  }
  let who = SENDERS[sender];
  if (sender === "agent" && message.agent) who = message.agent === auth?.username ? "您" : `客服人員 ${message.agent}`;
  const head = el("div", { className: "msg-head" }, [
    el("span", { className: "msg-who", text: who }),
    el("time", { className: "msg-time", text: timeLabel(message.created_at) }),
  ]);
  const body = el("div", { className: "msg-body" });
  if (clicked) body.append(el("span", { className: "tag", text: "點選按鈕" }));
  body.append(el("p", { text }));
  if (Array.isArray(message.buttons) && message.buttons.length) {
    body.append(el("p", { className: "msg-buttons", text: `按鈕：${message.buttons.map((b) => b.title).join("｜")}` }));
  }
  if (message.kb_id) body.append(el("span", { className: "tag tag--kb", text: `知識庫 ${message.kb_id}` }));
  const item = el("div", { className: `msg msg--${sender}` }, [head, body]);
  if (typeof message.seq === "number") item.dataset.seq = String(message.seq);
  chat.transcript.append(item);
  scrollChat(chat);
  if (live && sender === "citizen") {
    hideTyping(chat);
    markUnread(chat);
  }
}

function scrollChat(chat) {
  chat.pinned = true;
  chat.autoScrolledAt = Date.now();
  chat.transcript.scrollTop = chat.transcript.scrollHeight;
}

function onMessage(frame) {
  const chat = chats.get(frame.conversation_id);
  if (!chat) return;
  appendMessage(chat, frame, true);
}

function onTyping(frame) {
  const chat = chats.get(frame.conversation_id);
  if (!chat || chat.ended) return;
  chat.typing.textContent = "民眾輸入中…";
  clearTimeout(chat.typingTimer);
  chat.typingTimer = setTimeout(() => hideTyping(chat), TYPING_SHOW_MS);
}

function hideTyping(chat) {
  clearTimeout(chat.typingTimer);
  chat.typing.textContent = "";
}

function onClosed(frame) {
  const chat = chats.get(frame.conversation_id);
  if (!chat) return;
  const reasons = {
    agent: "對話已結案，民眾將收到滿意度調查。",
    abandoned: "民眾已離開，對話已結束。",
    citizen_left: "民眾已結束對話。",
    transferred: "對話已轉接給其他客服人員。",
  };
  endChat(chat, reasons[frame.reason] || "對話已結束。");
}

function endChat(chat, text) {
  chat.ended = true;
  hideTyping(chat);
  chat.reply.hidden = true;
  chat.wrapup.hidden = true;
  chat.error.hidden = true;
  chat.panel.querySelector(".chat-actions").hidden = true;
  const ended = chat.panel.querySelector(".ended");
  ended.querySelector(".ended-text").textContent = text;
  ended.hidden = false;
  updateTabLabel(chat);
  updateCapacity();
  updateKbButtons();
  if (chat.id === activeId) ended.querySelector(".dismiss").focus();
}

function showChatError(chat, text) {
  chat.error.textContent = text;
  chat.error.hidden = false;
}

function sendReply(chat) {
  const text = chat.replyBox.value.trim();
  if (!text || chat.ended) return;
  const frame = { type: "message", conversation_id: chat.id, text, client_id: `a${Date.now().toString(36)}-${++clientCounter}` };
  if (chat.kbId) frame.kb_id = chat.kbId;
  lastAction = { id: chat.id, at: Date.now() };
  if (!send(frame)) return;
  chat.error.hidden = true;
  chat.replyBox.value = "";
  setKb(chat, null);
}

function setKb(chat, entry) {
  chat.kbId = entry ? entry.id : null;
  chat.kbChip.hidden = !entry;
  chat.kbChip.querySelector(".kb-chip-text").textContent = entry ? `引用知識庫 ${entry.id}：${entry.question}` : "";
}

// ---- knowledge base -----------------------------------------------------------------------------
let kbEntries = [];

ui.kbForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const q = ui.kbQuery.value.trim();
  if (!q || !auth) return;
  ui.kbStatus.textContent = "搜尋中…";
  try {
    const response = await fetch(`/api/kb/search?q=${encodeURIComponent(q)}&limit=8`, {
      headers: { Authorization: `Bearer ${auth.token}` },
    });
    if (response.status === 401) { logout("登入已逾時，請重新登入。"); return; }
    if (!response.ok) throw new Error(String(response.status));
    kbEntries = await response.json();
    renderKb();
    ui.kbStatus.textContent = kbEntries.length ? `找到 ${kbEntries.length} 筆結果。` : "沒有找到相符的知識庫條目，請換個關鍵字。";
  } catch {
    ui.kbStatus.textContent = "搜尋失敗，請稍後再試。";
  }
});

function renderKb() {
  ui.kbResults.textContent = "";
  for (const entry of kbEntries) {
    const insert = el("button", {
      type: "button", className: "btn btn--secondary btn--small kb-insert", text: "插入",
      "aria-label": `插入答案：${entry.question}`,
      onclick: () => insertKb(entry),
    });
    ui.kbResults.append(el("li", { className: "kb-item" }, [
      el("h3", { className: "kb-question", text: entry.question }),
      el("p", { className: "kb-meta", text: [entry.category, entry.agency, entry.id].filter(Boolean).join("・") }),
      el("p", { className: "kb-answer", text: entry.answer }),
      insert,
    ]));
  }
  updateKbButtons();
}

function activeChat() {
  const chat = activeId ? chats.get(activeId) : null;
  return chat && !chat.ended ? chat : null;
}

function updateKbButtons() {
  const usable = !!activeChat();
  for (const button of ui.kbResults.querySelectorAll(".kb-insert")) {
    button.disabled = !usable;
    button.title = usable ? "" : "請先選擇進行中的對話";
  }
}

function insertKb(entry) {
  const chat = activeChat();
  if (!chat) { toast("請先選擇進行中的對話。"); return; }
  const current = chat.replyBox.value.trim();
  chat.replyBox.value = current && current !== chat.kbText ? `${current}\n\n${entry.answer}` : entry.answer;
  chat.kbText = entry.answer;
  setKb(chat, entry);
  chat.replyBox.focus();
  chat.replyBox.setSelectionRange(chat.replyBox.value.length, chat.replyBox.value.length);
}

// ---- start --------------------------------------------------------------------------------------
async function boot() {
  if (!auth) { showLogin(); return; }
  try {
    const response = await fetch("/auth/me", { headers: { Authorization: `Bearer ${auth.token}` } });
    if (response.status === 401) { saveSession(null); showLogin("登入已逾時，請重新登入。"); return; }
  } catch { /* offline: try the socket anyway, it retries */ }
  start();
}

boot();
