// @ts-check
// hotline citizen chat widget: one <script src="/static/widget.js" defer></script> embeds it
// (static/widget.js is this module bundled by esbuild at `make install`; see web_widget/README.md).
//
// Protocol: docs/protocol.md (/ws/chat). The widget keeps {conversation_id, token, last_seq} in
// localStorage and resumes after a reload or a dropped connection. Every text from the server is
// rendered with textContent, never as HTML. Modules: protocol (frames), state (what is kept and
// how a state reads), view (the Shadow DOM frame), messages, forms; this one wires them.

import { isSendKey } from "../../static/dom.js";
import { ReconnectingSocket, socketUrl } from "../../static/socket.js";
import { createForms } from "./forms.js";
import { createMessages } from "./messages.js";
import { ERRORS, MAX_TEXT, clientIds, errorText, helloFrame, leaveFrame, messageFrame } from "./protocol.js";
import { loadSaved, persistSaved, queueText, statusText, wasOpen } from "./state.js";
import { PLACEHOLDER, createView } from "./view.js";

const TYPING_SEND_MS = 4000;
const TYPING_SHOW_MS = 6000;

/** @typedef {import("./protocol.js").Frame} Frame */

/** @param {URL} base */
function start(base) {
  let connected = false; // welcome received on the current socket
  /** @type {Frame[]} frames waiting for a connection */
  let outbox = [];
  let lastTypingSent = 0;
  let typingTimer = 0;
  let lastSeq = 0; // the highest seq rendered on this page
  let serviceNumber = "";
  let agentName = "";
  const nextClientId = clientIds("w");

  const view = createView(base, {
    onLeave: () => send(leaveFrame(nextClientId())),
    onRestart: restart,
    onOpen: () => { if (!socket.ws) socket.connect(); },
  });
  const { log, panel, input } = view;

  /** @type {import("./messages.js").Conversation} */
  const chat = {
    state: "bot", lastSender: null, payloadTitles: {}, saved: loadSaved(),
    send, sendText, persist: () => persistSaved(chat.saved), renderForm: (form) => forms.renderForm(form),
  };
  let surveyPending = false;
  const seenUpTo = chat.saved ? chat.saved.last_seq || 0 : 0; // on screen before a reload
  const messages = createMessages(view, chat);
  const forms = createForms(view, {
    send, nextClientId, onSurveyShown: () => { surveyPending = true; updateRestart(); },
  });

  const socket = new ReconnectingSocket({
    url: () => socketUrl(base.origin, "/ws/chat"),
    onOpen: (sendNow) => { sendNow(helloFrame(chat.saved, lastSeq)); },
    onFrame: handle,
    onClose: () => { connected = false; view.hideBotWait(); },
    onRetry: () => view.showBanner(view.connBanner, "連線中斷，正在重新連線…"),
    maxDelayMs: 30000,
  });

  /** @param {Frame} frame */
  function send(frame) {
    if (connected && socket.send(frame)) return true;
    outbox.push(frame);
    if (!socket.ws) socket.connect();
    return false;
  }

  // ---- frames -----------------------------------------------------------------------------------
  /** @param {Frame} frame */
  function handle(frame) {
    switch (frame.type) {
      case "welcome": return onWelcome(frame);
      case "message": return onMessage(frame);
      case "ack": return onAck(frame);
      case "state": setNumber(frame.number); return setState(frame.state, frame.agent);
      case "queue":
        if (chat.state !== "queued") setState("queued");
        return view.showBanner(view.queueBanner, queueText(frame));
      case "form": return forms.renderForm(frame);
      case "typing": return onTyping(frame);
      case "error": return onError(frame);
      default: return undefined; // pong and anything newer
    }
  }

  /** @param {unknown} number */
  function setNumber(number) {
    if (typeof number === "string" && number) serviceNumber = number;
  }

  /** @param {Frame} frame */
  function onWelcome(frame) {
    setNumber(frame.number);
    const { saved } = chat;
    const fresh = !saved || saved.conversation_id !== frame.conversation_id;
    if (fresh && lastSeq > 0) resetTranscript();
    chat.saved = { conversation_id: frame.conversation_id, token: frame.token, last_seq: fresh ? 0 : (saved.last_seq || 0),
                   feedback: fresh ? {} : (saved.feedback || {}) };
    chat.persist();
    connected = true;
    socket.resetBackoff();
    view.hideBanner(view.connBanner);
    setState(frame.state);
    const pending = outbox;
    outbox = [];
    for (const queued of pending) send(queued);
  }

  /** @param {string} selector */
  const find = (selector) => log.querySelector(selector);

  /** @param {Frame} frame */
  function onMessage(frame) {
    if (typeof frame.seq !== "number") return;
    if (find(`[data-seq="${frame.seq}"]`)) return; // replayed twice
    if (frame.seq > lastSeq) lastSeq = frame.seq;
    if (chat.saved && frame.seq > (chat.saved.last_seq || 0)) { chat.saved.last_seq = frame.seq; chat.persist(); }
    if (frame.sender === "citizen") {
      const pending = find(`.hl-msg--citizen.hl-pending[data-text="${CSS.escape(frame.text)}"]`);
      if (pending) { pending.setAttribute("data-seq", String(frame.seq)); pending.classList.remove("hl-pending"); return; }
      if (String(frame.text).startsWith("/")) {
        const known = chat.payloadTitles[frame.text];
        if (!known) return; // a button payload we cannot name: hide it
        messages.renderMessage({ type: "message", seq: frame.seq, sender: "citizen", text: known, created_at: frame.created_at });
        return;
      }
    } else {
      view.hideBotWait();
      if (frame.sender === "agent") hideTyping();
      if (panel.hidden && frame.seq > seenUpTo) view.countUnread();
    }
    messages.renderMessage(frame);
    if (frame.kind === "goodbye" || frame.kind === "callback_saved") {
      forms.finishForms(frame.kind === "goodbye" ? "survey" : "callback");
    }
    if (frame.kind === "goodbye") { surveyPending = false; updateRestart(); }
  }

  /** @param {Frame} frame */
  function onAck(frame) {
    if (frame.client_id && typeof frame.seq === "number") {
      const bubble = find(`[data-client-id="${CSS.escape(frame.client_id)}"]`);
      if (bubble) {
        const echoed = find(`[data-seq="${frame.seq}"]`);
        if (echoed && echoed !== bubble) bubble.remove(); // the echo came first and was drawn on its own
        else { bubble.setAttribute("data-seq", String(frame.seq)); bubble.classList.remove("hl-pending"); }
      }
      if (frame.seq > lastSeq) lastSeq = frame.seq;
    }
    if (frame.callback_id !== undefined) forms.finishForms("callback");
  }

  /** @param {string} next @param {string} [agent] */
  function setState(next, agent) {
    if (!next) return;
    chat.state = next;
    if (agent) agentName = agent;
    view.statusLine.textContent = statusText(next, agentName, serviceNumber);
    view.leaveBar.hidden = next !== "queued";
    // an agent took the chat: the "no agent yet, leave a callback" form is no longer needed
    if (next === "with_agent") forms.finishForms("callback", "客服人員已加入對話，不需留言回電。");
    view.root.setAttribute("data-state", next);
    if (next !== "queued") view.hideBanner(view.queueBanner);
    else if (view.queueBanner.hidden) view.showBanner(view.queueBanner, "正在為您安排真人客服，請稍候…");
    if (next !== "bot") view.hideBotWait();
    if (next !== "with_agent") hideTyping();
    // suggestion buttons only make sense while the bot has the chat
    for (const chip of log.querySelectorAll(".hl-chip")) /** @type {HTMLButtonElement} */ (chip).disabled = next !== "bot";
    const closed = next === "closed";
    input.disabled = closed;
    view.sendButton.disabled = closed;
    input.placeholder = closed ? "本次對話已結束" : PLACEHOLDER;
    updateRestart();
  }

  function updateRestart() {
    const show = chat.state === "closed" && !surveyPending;
    const wasHidden = view.restartBar.hidden;
    view.restartBar.hidden = !show;
    view.composer.hidden = show;
    if (show && wasHidden && !panel.hidden && view.focused() === input) view.restartButton.focus();
  }

  /** @param {Frame} frame */
  function onTyping(frame) {
    if (frame.sender && frame.sender !== "agent") return;
    view.typingLine.textContent = "客服人員輸入中…";
    view.typingLine.classList.add("hl-visible");
    clearTimeout(typingTimer);
    typingTimer = window.setTimeout(hideTyping, TYPING_SHOW_MS);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    view.typingLine.textContent = "";
    view.typingLine.classList.remove("hl-visible");
  }

  /** @param {Frame} frame */
  function onError(frame) {
    const code = frame.code || "";
    const message = frame.message || "";
    view.hideBotWait();
    if (code === "bad_token" || (code === "not_found" && !connected)) {
      chat.saved = null;
      chat.persist();
      resetTranscript();
      messages.note(ERRORS[code]);
      socket.send({ type: "hello" });
      return;
    }
    if ((code === "consent_required" || code === "missing_fields") && forms.refuseCallback(message || errorText(""))) return;
    if (code === "bad_state" && /survey/.test(message) && /already/.test(message)) {
      forms.finishForms("survey");
      surveyPending = false;
      updateRestart();
      return;
    }
    if (code === "bad_state" && chat.state === "closed") {
      messages.note("本次對話已結束，請點選「開始新的對話」。");
      surveyPending = false;
      updateRestart();
      return;
    }
    messages.note(errorText(code, message));
  }

  function resetTranscript() {
    log.textContent = "";
    lastSeq = 0;
    chat.lastSender = null;
    chat.payloadTitles = {};
    surveyPending = false;
    agentName = "";
    view.hideBanner(view.queueBanner);
  }

  // ---- sending ----------------------------------------------------------------------------------
  /** @param {string} text @param {string} [shownAs] */
  function sendText(text, shownAs) {
    const clientId = nextClientId();
    messages.renderMessage({ type: "message", sender: "citizen", text: shownAs || text }, { clientId, payload: text });
    send(messageFrame(text, clientId));
    if (chat.state === "bot") view.showBotWait();
  }

  view.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || chat.state === "closed") return;
    if (text.length > MAX_TEXT) { messages.note(ERRORS.too_large); return; }
    input.value = "";
    view.autoGrow();
    sendText(text);
  });

  input.addEventListener("keydown", (event) => {
    if (isSendKey(event)) {
      event.preventDefault();
      view.composer.requestSubmit();
    }
  });

  input.addEventListener("input", () => {
    view.autoGrow();
    const now = Date.now();
    if (chat.state === "with_agent" && now - lastTypingSent > TYPING_SEND_MS && connected) {
      lastTypingSent = now;
      send({ type: "typing" });
    }
  });

  function restart() {
    chat.saved = null;
    chat.persist();
    resetTranscript();
    outbox = [];
    setState("bot");
    view.restartBar.hidden = true;
    view.composer.hidden = false;
    socket.close(1000, "new conversation");
    connected = false;
    socket.resetBackoff();
    socket.connect();
    input.focus();
  }

  function mount() {
    document.body.append(view.host);
    if (chat.saved) {
      socket.connect(); // resume at once: a queued citizen keeps their place
      if (wasOpen()) view.openPanel(false);
    }
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
}

const w = /** @type {Window & { __hotlineWidget?: boolean }} */ (window);
if (!w.__hotlineWidget) { // embedded twice: keep the first
  w.__hotlineWidget = true;
  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  start(new URL(script && script.src ? script.src : "/static/widget.js", location.href));
}
