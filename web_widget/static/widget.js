/*
 * hotline citizen chat widget: one <script src="/static/widget.js" defer></script> embeds it.
 *
 * Protocol: docs/protocol.md (/ws/chat). The widget keeps {conversation_id, token, last_seq} in
 * localStorage and resumes after a reload or a dropped connection. Every text from the server is
 * rendered with textContent, never as HTML.
 */
(function () {
  "use strict";

  if (window.__hotlineWidget) return; // embedded twice: keep the first
  window.__hotlineWidget = true;

  var SCRIPT = document.currentScript;
  var BASE = new URL(SCRIPT && SCRIPT.src ? SCRIPT.src : "/static/widget.js", location.href);
  var ORIGIN = BASE.origin;
  var STORE_KEY = "hotline.chat.v1";
  var OPEN_KEY = "hotline.chat.open";
  var MAX_TEXT = 2000;
  var PING_MS = 25000;
  var TYPING_SEND_MS = 4000;
  var TYPING_SHOW_MS = 6000;
  var BOT_WAIT_MS = 20000;

  var NAMES = { bot: "智能客服", citizen: "您", agent: "客服人員", system: "系統通知" };
  var STATUS = {
    bot: "智能客服・24 小時為您服務",
    queued: "正在等候真人客服",
    with_agent: "真人文字客服服務中",
    closed: "本次對話已結束",
  };
  var ERRORS = {
    too_large: "訊息太長了，請縮短為 2,000 字以內再送出。",
    rate_limited: "您傳送得有點快，請稍候幾秒再試一次。",
    bad_state: "目前無法執行這個動作。",
    bad_token: "先前的對話已失效，已為您開始新的對話。",
    bad_score: "評分資料有誤，請重新選擇。",
    not_found: "找不到這段對話，已為您開始新的對話。",
  };
  var GENERIC_ERROR = "系統暫時無法處理您的要求，請稍後再試一次。";

  // ---- state ------------------------------------------------------------------------------------
  var saved = load();
  var ws = null;
  var connected = false; // welcome received on the current socket
  var wantConnection = false;
  var retries = 0;
  var retryTimer = null;
  var pingTimer = null;
  var lastTypingSent = 0;
  var typingTimer = null;
  var botWaitTimer = null;
  var outbox = []; // frames waiting for a connection
  var clientCounter = 0;
  var state = "bot";
  var agentName = "";
  var lastSeq = 0; // the highest seq rendered on this page
  var payloadTitles = {}; // "/REG-001" → "普發現金要去哪裡登記？"
  var surveyPending = false;
  var lastSender = null;
  var unread = 0;
  var seenUpTo = saved ? saved.last_seq || 0 : 0; // messages up to here were on screen before a reload

  function load() {
    try {
      var raw = JSON.parse(localStorage.getItem(STORE_KEY) || "null");
      if (raw && typeof raw.conversation_id === "string" && typeof raw.token === "string") return raw;
    } catch (e) { /* storage blocked or corrupt: start afresh */ }
    return null;
  }

  function persist() {
    try {
      if (saved) localStorage.setItem(STORE_KEY, JSON.stringify(saved));
      else localStorage.removeItem(STORE_KEY);
    } catch (e) { /* private mode: the chat still works, only without resume */ }
  }

  // ---- DOM --------------------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "text") node.textContent = value;
        else if (key === "className") node.className = value;
        else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : value);
      });
    }
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  var ICON_CHAT = '<svg aria-hidden="true" focusable="false" width="26" height="26" viewBox="0 0 24 24">' +
    '<path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z"/></svg>';
  var ICON_THUMB = '<svg aria-hidden="true" focusable="false" width="18" height="18" viewBox="0 0 24 24">' +
    '<path fill="currentColor" d="M2 21h3V10H2v11zm20-10a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 2 7.6 7.6c-.4.4-.6.9-.6 1.4V19a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-1z"/></svg>';
  var ICON_CLOSE = '<svg aria-hidden="true" focusable="false" width="20" height="20" viewBox="0 0 24 24">' +
    '<path fill="currentColor" d="M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 0 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z"/></svg>';

  var css = el("link", { rel: "stylesheet", href: new URL("widget.css", BASE).href });
  document.head.appendChild(css);

  var launcherBadge = el("span", { className: "hl-badge", hidden: true, "aria-hidden": "true" });
  var launcher = el("button", {
    type: "button", className: "hl-launcher", "aria-label": "開啟普發現金線上客服",
    "aria-expanded": "false", "aria-controls": "hl-panel",
  });
  launcher.innerHTML = ICON_CHAT; // static markup, no message text
  launcher.appendChild(el("span", { className: "hl-launcher-text", text: "線上客服", "aria-hidden": "true" }));
  launcher.appendChild(launcherBadge);

  var title = el("h2", { id: "hl-title", className: "hl-title", text: "普發現金線上客服" });
  var statusLine = el("p", { className: "hl-subtitle", id: "hl-subtitle", text: STATUS.bot });
  var closeButton = el("button", { type: "button", className: "hl-icon-button", "aria-label": "關閉客服視窗" });
  closeButton.innerHTML = ICON_CLOSE;
  var header = el("div", { className: "hl-header" }, [
    el("div", { className: "hl-emblem", "aria-hidden": "true", text: "普" }),
    el("div", { className: "hl-heading" }, [title, statusLine]),
    closeButton,
  ]);

  var connBanner = el("div", { className: "hl-banner hl-banner--warn", role: "status", hidden: true });
  var queueBanner = el("div", { className: "hl-banner hl-banner--queue", role: "status", hidden: true });
  // 離開排隊: the citizen leaves the line at once (no ghost place left for others to wait behind)
  var leaveBar = el("div", { className: "hl-leave", hidden: true }, [
    el("button", { type: "button", className: "hl-button", text: "離開排隊", onclick: function () {
      send({ type: "leave", client_id: nextClientId() });
    } }),
  ]);
  var serviceNumber = "";
  var log = el("div", {
    className: "hl-log", id: "hl-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "對話內容", tabindex: "0",
  });
  var typingLine = el("div", { className: "hl-typing", role: "status", "aria-live": "polite" });
  var input = el("textarea", {
    id: "hl-input", className: "hl-input", rows: "1", maxlength: String(MAX_TEXT),
    placeholder: "請輸入您的問題，按 Enter 送出", autocomplete: "off", "aria-describedby": "hl-hint",
  });
  var sendButton = el("button", { type: "submit", className: "hl-send", text: "送出" });
  var composer = el("form", { className: "hl-composer", novalidate: true }, [
    el("label", { "for": "hl-input", className: "hl-sr", text: "輸入您的問題" }),
    input,
    sendButton,
    el("p", { id: "hl-hint", className: "hl-sr", text: "按 Enter 送出，Shift 加 Enter 換行。" }),
  ]);
  var restartBar = el("div", { className: "hl-restart", hidden: true }, [
    el("button", { type: "button", className: "hl-button hl-button--primary", text: "開始新的對話", onclick: restart }),
  ]);
  var footer = el("p", { className: "hl-footer", text: "請勿輸入身分證字號、帳號密碼等敏感資料。" });

  var panel = el("section", {
    id: "hl-panel", className: "hl-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "hl-title", "aria-describedby": "hl-subtitle", hidden: true,
  }, [header, connBanner, queueBanner, leaveBar, log, typingLine, restartBar, composer, footer]);

  var root = el("div", { id: "hotline-widget", className: "hl-root", lang: "zh-Hant-TW" }, [panel, launcher]);

  // shown once its stylesheet is in, so the page never flashes an unstyled button
  root.style.display = "none";
  function reveal() { root.style.display = ""; }
  css.addEventListener("load", reveal);
  css.addEventListener("error", reveal);
  setTimeout(reveal, 4000);

  function mount() {
    document.body.appendChild(root);
    if (saved) {
      connect(); // resume at once: a queued citizen keeps their place
      try { if (sessionStorage.getItem(OPEN_KEY) === "1") openPanel(false); } catch (e) { /* ignore */ }
    }
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  // ---- panel ------------------------------------------------------------------------------------
  function openPanel(focus) {
    panel.hidden = false;
    root.classList.add("hl-open");
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", "關閉普發現金線上客服");
    unread = 0;
    updateBadge();
    try { sessionStorage.setItem(OPEN_KEY, "1"); } catch (e) { /* ignore */ }
    if (!ws) connect();
    scrollToEnd();
    if (focus !== false) setTimeout(function () { (input.disabled ? log : input).focus(); }, 0);
  }

  function closePanel() {
    panel.hidden = true;
    root.classList.remove("hl-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "開啟普發現金線上客服");
    try { sessionStorage.setItem(OPEN_KEY, "0"); } catch (e) { /* ignore */ }
    launcher.focus();
  }

  function updateBadge() {
    launcherBadge.hidden = unread === 0;
    launcherBadge.textContent = unread > 9 ? "9+" : String(unread);
    if (panel.hidden) {
      launcher.setAttribute("aria-label", unread ? "開啟普發現金線上客服（有 " + unread + " 則新訊息）" : "開啟普發現金線上客服");
    }
  }

  launcher.addEventListener("click", function () { if (panel.hidden) openPanel(); else closePanel(); });
  closeButton.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); closePanel(); }
  });

  // ---- connection -------------------------------------------------------------------------------
  function socketUrl() {
    return (ORIGIN.indexOf("https:") === 0 ? "wss:" : "ws:") + ORIGIN.slice(ORIGIN.indexOf("//")) + "/ws/chat";
  }

  function connect() {
    wantConnection = true;
    clearTimeout(retryTimer);
    if (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) return;
    var socket;
    try { socket = new WebSocket(socketUrl()); } catch (e) { scheduleReconnect(); return; }
    ws = socket;
    connected = false;
    socket.onopen = function () {
      var hello = { type: "hello" };
      if (saved) {
        hello.conversation_id = saved.conversation_id;
        hello.token = saved.token;
        hello.last_seq = lastSeq; // 0 after a reload: the server replays the whole transcript
      }
      socket.send(JSON.stringify(hello));
    };
    socket.onmessage = function (event) {
      if (socket !== ws) return;
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame.type === "string") handle(frame);
    };
    socket.onclose = function () {
      if (socket !== ws) return;
      ws = null;
      connected = false;
      clearInterval(pingTimer);
      hideBotWait();
      if (wantConnection) scheduleReconnect();
    };
    socket.onerror = function () { /* onclose follows */ };
  }

  function scheduleReconnect() {
    clearTimeout(retryTimer);
    var delay = Math.min(30000, 1000 * Math.pow(2, retries)) * (0.75 + Math.random() * 0.5);
    retries += 1;
    showBanner(connBanner, "連線中斷，正在重新連線…");
    retryTimer = setTimeout(connect, delay);
  }

  window.addEventListener("online", function () { if (wantConnection && !ws) { retries = 0; connect(); } });

  function send(frame) {
    if (ws && connected && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(frame));
      return true;
    }
    outbox.push(frame);
    if (!ws) connect();
    return false;
  }

  function flushOutbox() {
    var pending = outbox;
    outbox = [];
    pending.forEach(function (frame) { send(frame); });
  }

  function nextClientId() {
    clientCounter += 1;
    return "w" + Date.now().toString(36) + "-" + clientCounter;
  }

  // ---- frames -----------------------------------------------------------------------------------
  function handle(frame) {
    switch (frame.type) {
      case "welcome": return onWelcome(frame);
      case "message": return onMessage(frame);
      case "ack": return onAck(frame);
      case "state": setNumber(frame.number); return setState(frame.state, frame.agent);
      case "queue": return onQueue(frame);
      case "form": return renderForm(frame, log);
      case "typing": return onTyping(frame);
      case "error": return onError(frame);
      default: return undefined; // pong and anything newer
    }
  }

  function setNumber(number) {
    if (typeof number === "string" && number) serviceNumber = number;
  }

  function onWelcome(frame) {
    setNumber(frame.number);
    var fresh = !saved || saved.conversation_id !== frame.conversation_id;
    if (fresh && lastSeq > 0) resetTranscript();
    saved = { conversation_id: frame.conversation_id, token: frame.token, last_seq: fresh ? 0 : (saved.last_seq || 0),
              feedback: fresh ? {} : (saved.feedback || {}) };
    persist();
    connected = true;
    retries = 0;
    hideBanner(connBanner);
    clearInterval(pingTimer);
    pingTimer = setInterval(function () { send({ type: "ping" }); }, PING_MS);
    setState(frame.state);
    flushOutbox();
  }

  function onMessage(frame) {
    if (typeof frame.seq !== "number") return;
    if (log.querySelector('[data-seq="' + frame.seq + '"]')) return; // replayed twice
    if (frame.seq > lastSeq) lastSeq = frame.seq;
    if (saved && frame.seq > (saved.last_seq || 0)) { saved.last_seq = frame.seq; persist(); }
    if (frame.sender === "citizen") {
      var pending = log.querySelector('.hl-msg--citizen.hl-pending[data-text="' + cssEscape(frame.text) + '"]');
      if (pending) { pending.setAttribute("data-seq", String(frame.seq)); pending.classList.remove("hl-pending"); return; }
      if (frame.text.charAt(0) === "/") {
        var known = payloadTitles[frame.text];
        if (!known) return; // a button payload we cannot name: hide it
        renderMessage({ seq: frame.seq, sender: "citizen", text: known, created_at: frame.created_at });
        return;
      }
    }
    if (frame.sender !== "citizen") {
      hideBotWait();
      if (frame.sender === "agent") hideTyping();
      if (panel.hidden && frame.seq > seenUpTo) { unread += 1; updateBadge(); }
    }
    renderMessage(frame);
    if (frame.kind === "goodbye" || frame.kind === "callback_saved") {
      finishForms(frame.kind === "goodbye" ? "survey" : "callback");
    }
    if (frame.kind === "goodbye") { surveyPending = false; updateRestart(); }
  }

  function onAck(frame) {
    if (frame.client_id && typeof frame.seq === "number") {
      var bubble = log.querySelector('[data-client-id="' + cssEscape(frame.client_id) + '"]');
      if (bubble) {
        var echoed = log.querySelector('[data-seq="' + frame.seq + '"]');
        if (echoed && echoed !== bubble) bubble.remove(); // the echo came first and was drawn on its own
        else { bubble.setAttribute("data-seq", String(frame.seq)); bubble.classList.remove("hl-pending"); }
      }
      if (frame.seq > lastSeq) lastSeq = frame.seq;
    }
    if (frame.callback_id !== undefined) finishForms("callback");
  }

  function setState(next, agent) {
    if (!next) return;
    state = next;
    if (agent) agentName = agent;
    statusLine.textContent = (next === "with_agent" && agentName ? "真人文字客服 " + agentName + " 為您服務" : (STATUS[next] || "")) +
      (serviceNumber && next !== "bot" ? "・服務編號 " + serviceNumber : "");
    leaveBar.hidden = next !== "queued";
    // an agent took the chat: the "no agent yet, leave a callback" form is no longer needed
    if (next === "with_agent") finishForms("callback", "客服人員已加入對話，不需留言回電。");
    root.setAttribute("data-state", next);
    if (next === "queued") {
      if (queueBanner.hidden) showBanner(queueBanner, "正在為您安排真人客服，請稍候…");
    } else {
      hideBanner(queueBanner);
    }
    if (next !== "bot") hideBotWait();
    if (next !== "with_agent") hideTyping();
    // suggestion buttons only make sense while the bot has the chat
    Array.prototype.forEach.call(log.querySelectorAll(".hl-chip"), function (chip) {
      chip.disabled = next !== "bot";
    });
    var closed = next === "closed";
    input.disabled = closed;
    sendButton.disabled = closed;
    input.placeholder = closed ? "本次對話已結束" : "請輸入您的問題，按 Enter 送出";
    updateRestart();
  }

  function updateRestart() {
    var show = state === "closed" && !surveyPending;
    var wasHidden = restartBar.hidden;
    restartBar.hidden = !show;
    composer.hidden = show;
    if (show && wasHidden && !panel.hidden && panel.contains(document.activeElement) &&
        document.activeElement === input) {
      restartBar.querySelector("button").focus();
    }
  }

  function onQueue(frame) {
    if (state !== "queued") setState("queued");
    var position = Number(frame.position) || 1;
    if (frame.estimated_wait_seconds === null || frame.estimated_wait_seconds === undefined) {
      // nobody is ready to answer: say so, never a made-up wait (the callback form is in the log)
      showBanner(queueBanner, "您目前排在第 " + position + " 位。目前沒有客服人員可以立即為您服務，無法預估等候時間；" +
        "您可以繼續等候，或留下電話由專人回電。");
      return;
    }
    var seconds = Number(frame.estimated_wait_seconds) || 0;
    var wait = seconds < 60 ? "不到 1 分鐘" : "約 " + Math.round(seconds / 60) + " 分鐘";
    showBanner(queueBanner, "您目前排在第 " + position + " 位，預估等候時間" + wait + "。請保持此視窗開啟。");
  }

  function onTyping(frame) {
    if (frame.sender && frame.sender !== "agent") return;
    typingLine.textContent = "客服人員輸入中…";
    typingLine.classList.add("hl-visible");
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_SHOW_MS);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    typingLine.textContent = "";
    typingLine.classList.remove("hl-visible");
  }

  function onError(frame) {
    var code = frame.code || "";
    hideBotWait();
    if (code === "bad_token" || (code === "not_found" && !connected)) {
      saved = null;
      persist();
      resetTranscript();
      note(ERRORS[code]);
      if (ws) ws.send(JSON.stringify({ type: "hello" }));
      return;
    }
    var form = log.querySelector(".hl-form--callback:not(.hl-done) .hl-form-error");
    if ((code === "consent_required" || code === "missing_fields") && form) {
      form.textContent = frame.message || GENERIC_ERROR;
      form.hidden = false;
      var submit = form.parentNode.querySelector("button[type=submit]");
      if (submit) submit.disabled = false;
      return;
    }
    if (code === "bad_state" && /survey/.test(frame.message || "") && /already/.test(frame.message || "")) {
      finishForms("survey");
      surveyPending = false;
      updateRestart();
      return;
    }
    if (code === "bad_state" && state === "closed") {
      note("本次對話已結束，請點選「開始新的對話」。");
      surveyPending = false;
      updateRestart();
      return;
    }
    note(ERRORS[code] || (/[\u3400-\u9fff]/.test(frame.message || "") ? frame.message : GENERIC_ERROR));
  }

  // ---- rendering --------------------------------------------------------------------------------
  function cssEscape(value) {
    return window.CSS && CSS.escape ? CSS.escape(value) : String(value).replace(/["\\]/g, "\\$&");
  }

  function timeLabel(createdAt) {
    var date = typeof createdAt === "number" ? new Date(createdAt * 1000) : new Date();
    return ("0" + date.getHours()).slice(-2) + ":" + ("0" + date.getMinutes()).slice(-2);
  }

  // Keep the newest message in view, also when banners or the typing line shrink the log, unless
  // the citizen scrolled up to read. A scroll event soon after our own scrolling is ours, not theirs.
  var pinned = true;
  var autoScrolledAt = 0;

  function scrollToEnd() {
    pinned = true;
    autoScrolledAt = Date.now();
    log.scrollTop = log.scrollHeight;
  }

  log.addEventListener("scroll", function () {
    if (log.scrollHeight - log.scrollTop - log.clientHeight < 24) pinned = true;
    else if (Date.now() - autoScrolledAt > 300) pinned = false;
  });
  if (window.ResizeObserver) new ResizeObserver(function () { if (pinned) scrollToEnd(); }).observe(log);

  function note(text) {
    var item = el("div", { className: "hl-note", role: "note" }, [el("p", { text: text })]);
    log.appendChild(item);
    lastSender = null;
    scrollToEnd();
  }

  function resetTranscript() {
    log.textContent = "";
    lastSeq = 0;
    lastSender = null;
    payloadTitles = {};
    surveyPending = false;
    agentName = "";
    hideBanner(queueBanner);
  }

  function renderMessage(frame, options) {
    var sender = NAMES[frame.sender] ? frame.sender : "system";
    var name = NAMES[sender];
    if (sender === "agent" && frame.agent) name = "客服人員 " + frame.agent;
    var item = el("div", { className: "hl-msg hl-msg--" + sender + (frame.kind ? " hl-kind--" + frame.kind : "") });
    if (typeof frame.seq === "number") item.setAttribute("data-seq", String(frame.seq));
    var showName = sender !== "citizen" && lastSender !== sender;
    item.appendChild(el("span", { className: showName ? "hl-who" : "hl-who hl-sr", text: name + "：" }));
    var bubble = el("div", { className: "hl-bubble" });
    String(frame.text || "").split(/\n{2,}/).forEach(function (paragraph) {
      bubble.appendChild(el("p", { text: paragraph }));
    });
    item.appendChild(bubble);
    item.appendChild(el("time", { className: "hl-time", text: timeLabel(frame.created_at) }));
    if (options && options.clientId) {
      item.setAttribute("data-client-id", options.clientId);
      item.setAttribute("data-text", options.payload || frame.text);
      item.classList.add("hl-pending");
    }
    if (Array.isArray(frame.buttons) && frame.buttons.length) item.appendChild(renderButtons(frame.buttons));
    if (frame.kind === "answer" && sender === "bot" && typeof frame.seq === "number") {
      item.appendChild(renderFeedback(frame.seq));
    }
    log.appendChild(item);
    lastSender = sender;
    if (frame.form && typeof frame.form === "object") renderForm(frame.form, log);
    scrollToEnd();
    return item;
  }

  function renderButtons(buttons) {
    var group = el("div", { className: "hl-chips", role: "group", "aria-label": "建議選項" });
    buttons.forEach(function (button) {
      if (!button || typeof button.payload !== "string") return;
      var label = String(button.title || button.payload);
      payloadTitles[button.payload] = label;
      group.appendChild(el("button", {
        type: "button", className: "hl-chip", text: label, disabled: state !== "bot",
        onclick: function () { sendText(button.payload, label); },
      }));
    });
    return group;
  }

  function renderFeedback(seq) {
    var given = saved && saved.feedback ? saved.feedback[seq] : undefined;
    var thanks = el("span", { className: "hl-feedback-thanks", text: given === undefined ? "" : "感謝您的回饋" });
    var up = el("button", { type: "button", className: "hl-vote", "aria-label": "這個回答有幫助", "aria-pressed": given === true ? "true" : "false" });
    var down = el("button", { type: "button", className: "hl-vote", "aria-label": "這個回答沒有幫助", "aria-pressed": given === false ? "true" : "false" });
    up.innerHTML = ICON_THUMB; // 👍 as an icon: not every system has an emoji font
    down.innerHTML = ICON_THUMB.replace("<svg ", '<svg style="transform:rotate(180deg)" ');
    function vote(helpful) {
      send({ type: "feedback", seq: seq, helpful: helpful });
      up.setAttribute("aria-pressed", String(helpful));
      down.setAttribute("aria-pressed", String(!helpful));
      thanks.textContent = "感謝您的回饋";
      if (saved) { saved.feedback = saved.feedback || {}; saved.feedback[seq] = helpful; persist(); }
    }
    up.addEventListener("click", function () { vote(true); });
    down.addEventListener("click", function () { vote(false); });
    return el("div", { className: "hl-feedback", role: "group", "aria-label": "這個回答有幫助嗎？" }, [
      el("span", { className: "hl-feedback-label", text: "這個回答有幫助嗎？", "aria-hidden": "true" }), up, down, thanks,
    ]);
  }

  function renderForm(form, container) {
    if (form.form === "survey") return renderSurvey(form, container);
    if (form.form === "callback") return renderCallback(form, container);
    return undefined;
  }

  function renderSurvey(form, container) {
    var scale = Array.isArray(form.scale) && form.scale.length ? form.scale : [
      { score: 5, label: "非常滿意" }, { score: 4, label: "滿意" }, { score: 3, label: "普通" },
      { score: 2, label: "不滿意" }, { score: 1, label: "非常不滿意" },
    ];
    var legendId = "hl-survey-" + Math.random().toString(36).slice(2, 8);
    var status = el("p", { className: "hl-form-status", role: "status" });
    var buttons = el("div", { className: "hl-scale" });
    // the seed's 「蒐集民眾回饋意見」: an optional comment, sent with the score (issue 15)
    var comment = el("textarea", { id: legendId + "-comment", name: "comment", rows: "2", maxlength: "1000",
                                   className: "hl-survey-comment" });
    var box = el("div", { className: "hl-form hl-form--survey", role: "group", "aria-labelledby": legendId }, [
      el("p", { id: legendId, className: "hl-form-title", text: "請為本次服務評分" }),
      field(legendId + "-comment", "回饋意見（選填）", comment, false), buttons, status,
    ]);
    scale.forEach(function (option) {
      buttons.appendChild(el("button", {
        type: "button", className: "hl-score", "data-score": String(option.score), text: String(option.label),
        onclick: function (event) {
          Array.prototype.forEach.call(buttons.children, function (b) { b.disabled = true; b.setAttribute("aria-pressed", "false"); });
          event.currentTarget.setAttribute("aria-pressed", "true");
          status.textContent = "已送出評分：" + option.label + "，謝謝您！";
          box.classList.add("hl-done");
          comment.disabled = true;
          var frame = { type: "survey", score: Number(option.score) };
          if (comment.value.trim()) frame.comment = comment.value.trim();
          send(frame);
        },
      }));
    });
    surveyPending = true;
    container.appendChild(box);
    updateRestart();
    scrollToEnd();
    return box;
  }

  function field(id, label, control, required) {
    return el("div", { className: "hl-field" }, [
      el("label", { "for": id, text: label + (required ? "（必填）" : "") }), control,
    ]);
  }

  function renderCallback(form, container) {
    var existing = container.querySelector(".hl-form--callback:not(.hl-done)");
    if (existing) existing.remove(); // one open callback form at a time
    var id = "hl-cb-" + Math.random().toString(36).slice(2, 8);
    var labels = {};
    (form.fields || []).forEach(function (f) { if (f && f.name) labels[f.name] = f.label; });
    var name = el("input", { id: id + "-name", name: "name", type: "text", autocomplete: "name", required: true, maxlength: "100" });
    var phone = el("input", { id: id + "-phone", name: "phone", type: "tel", autocomplete: "tel", inputmode: "tel", required: true, maxlength: "40" });
    var question = el("textarea", { id: id + "-question", name: "question", rows: "3", required: true, maxlength: "2000" });
    var consent = el("input", { id: id + "-consent", name: "consent", type: "checkbox", required: true });
    var error = el("p", { className: "hl-form-error", role: "alert", hidden: true });
    var submit = el("button", { type: "submit", className: "hl-button hl-button--primary", text: "送出回電需求" });
    var box = el("form", { className: "hl-form hl-form--callback", "aria-labelledby": id + "-title", novalidate: true }, [
      el("p", { id: id + "-title", className: "hl-form-title", text: "留言請專人回電" }),
      field(id + "-name", labels.name || "姓名", name, true),
      field(id + "-phone", labels.phone || "聯絡電話", phone, true),
      field(id + "-question", labels.question || "問題說明", question, true),
      el("div", { className: "hl-check" }, [consent, el("label", { "for": id + "-consent", text: labels.consent || "我同意提供聯絡資料供回電使用" })]),
      error,
      submit,
    ]);
    box.addEventListener("input", function (event) {
      if (event.target.getAttribute("aria-invalid") === "true") event.target.setAttribute("aria-invalid", "false");
      error.hidden = true;
    });
    box.addEventListener("submit", function (event) {
      event.preventDefault();
      var missing = [];
      [[name, "姓名"], [phone, "聯絡電話"], [question, "問題說明"]].forEach(function (pair) {
        var empty = !pair[0].value.trim();
        pair[0].setAttribute("aria-invalid", empty ? "true" : "false");
        if (empty) missing.push(pair[1]);
      });
      if (missing.length) return showFormError(error, "請填寫" + missing.join("、") + "。", box.querySelector("[aria-invalid=true]"));
      if (!/^[0-9+()#\-\s]{6,40}$/.test(phone.value.trim())) {
        phone.setAttribute("aria-invalid", "true");
        return showFormError(error, "請輸入正確的聯絡電話（例如 0912-345-678 或 02-2345-6789）。", phone);
      }
      if (!consent.checked) return showFormError(error, "請勾選同意提供聯絡資料，我們才能回電給您。", consent);
      error.hidden = true;
      submit.disabled = true;
      send({ type: "callback", name: name.value.trim(), phone: phone.value.trim(), question: question.value.trim(),
             consent: true, client_id: nextClientId() });
      return undefined;
    });
    container.appendChild(box);
    scrollToEnd();
    return box;
  }

  function showFormError(error, text, focus) {
    error.textContent = text;
    error.hidden = false;
    if (focus) focus.focus();
  }

  function finishForms(kind, note) {
    Array.prototype.forEach.call(log.querySelectorAll(".hl-form--" + kind + ":not(.hl-done)"), function (box) {
      box.classList.add("hl-done");
      Array.prototype.forEach.call(box.querySelectorAll("input, textarea, button"), function (control) { control.disabled = true; });
      if (kind === "callback") {
        var status = el("p", { className: "hl-form-status", text: note || "已送出回電需求。" });
        box.appendChild(status);
      }
    });
  }

  // ---- the bot's "…" while it thinks --------------------------------------------------------------
  var botWait = el("div", { className: "hl-msg hl-msg--bot hl-waiting" }, [
    el("span", { className: "hl-sr", text: "智能客服正在回覆" }),
    el("div", { className: "hl-bubble", "aria-hidden": "true" }, [
      el("span", { className: "hl-dot" }), el("span", { className: "hl-dot" }), el("span", { className: "hl-dot" }),
    ]),
  ]);

  function showBotWait() {
    log.appendChild(botWait);
    scrollToEnd();
    clearTimeout(botWaitTimer);
    botWaitTimer = setTimeout(hideBotWait, BOT_WAIT_MS);
  }

  function hideBotWait() {
    clearTimeout(botWaitTimer);
    if (botWait.parentNode) botWait.parentNode.removeChild(botWait);
  }

  // ---- sending ----------------------------------------------------------------------------------
  function sendText(text, shownAs) {
    var clientId = nextClientId();
    renderMessage({ sender: "citizen", text: shownAs || text }, { clientId: clientId, payload: text });
    send({ type: "message", text: text, client_id: clientId });
    if (state === "bot") showBotWait();
  }

  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || state === "closed") return;
    if (text.length > MAX_TEXT) { note(ERRORS.too_large); return; }
    input.value = "";
    autoGrow();
    sendText(text);
  });

  input.addEventListener("keydown", function (event) {
    // Enter sends; Shift+Enter is a new line; never while an IME is composing (注音, 倉頡…)
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      composer.requestSubmit ? composer.requestSubmit() : composer.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  input.addEventListener("input", function () {
    autoGrow();
    var now = Date.now();
    if (state === "with_agent" && now - lastTypingSent > TYPING_SEND_MS && connected) {
      lastTypingSent = now;
      send({ type: "typing" });
    }
  });

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }

  function restart() {
    saved = null;
    persist();
    resetTranscript();
    outbox = [];
    setState("bot");
    restartBar.hidden = true;
    composer.hidden = false;
    if (ws && connected) {
      try { ws.close(1000, "new conversation"); } catch (e) { /* ignore */ }
    }
    ws = null;
    connected = false;
    retries = 0;
    connect();
    input.focus();
  }

  function showBanner(node, text) { node.textContent = text; node.hidden = false; }
  function hideBanner(node) { node.hidden = true; node.textContent = ""; }
})();
