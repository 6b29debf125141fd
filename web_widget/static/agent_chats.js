// @ts-check
// The agent console's open chats, one tab each: the transcript, typing, reply (with a quoted KB
// answer), transfer, and close with the wrap-up (表1 fields). agent.js owns the socket and the
// queue; this module owns the tabs. Every text from the server is rendered with textContent.

import { el, isSendKey, pinToEnd } from "./dom.js";
import { clock, fillOptions, shortId, timeLabel } from "./agent_format.js";

const TYPING_SEND_MS = 3000;
const TYPING_SHOW_MS = 6000;
/** @type {Record<string, string>} */
const SENDERS = { citizen: "民眾", bot: "智能客服", agent: "客服人員", system: "系統" };
/** @type {Record<string, string>} */
const CLOSE_REASONS = {
  agent: "對話已結案，民眾將收到滿意度調查。",
  abandoned: "民眾已離開，對話已結束。",
  citizen_left: "民眾已結束對話。",
  transferred: "對話已轉接給其他客服人員。",
};

/**
 * @typedef {{ type: string, [key: string]: any }} Frame
 * @typedef {{ id: string, question: string, answer: string }} KbEntry
 * @typedef {object} Chat
 * @property {string} id
 * @property {HTMLButtonElement} tab
 * @property {HTMLElement} panel
 * @property {boolean} ended
 * @property {number} unread
 * @property {string | null} kbId
 * @property {string} [kbText]
 * @property {Record<string, string>} payloads
 * @property {number} lastSeq
 * @property {number} lastTyping
 * @property {number} typingTimer
 * @property {HTMLElement} transcript
 * @property {HTMLElement} typing
 * @property {HTMLElement} error
 * @property {HTMLFormElement} reply
 * @property {HTMLTextAreaElement} replyBox
 * @property {HTMLElement} kbChip
 * @property {HTMLFormElement} wrapup
 * @property {HTMLSelectElement} category
 * @property {HTMLElement} tabLabel
 * @property {HTMLElement} tabBadge
 * @property {string} preview
 * @property {() => void} scroll
 *
 * @typedef {object} DeskEnv
 * @property {(frame: Frame) => boolean} send
 * @property {() => string} username  the agent's own name ("您" in the transcript)
 * @property {(id: string | null) => void} noteAction  errors in the next seconds belong to this chat
 * @property {() => void} onChange  open chats changed (capacity, accept button)
 * @property {() => void} focusAccept
 */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {DeskEnv} env */
export function createDesk(env) {
  const ui = {
    tablist: $("tablist"), panels: $("panels"), noChat: $("no-chat"),
    template: /** @type {HTMLTemplateElement} */ ($("chat-panel")),
  };
  /** @type {Map<string, Chat>} conversation_id → chat */
  const chats = new Map();
  /** @type {string | null} */
  let activeId = null;
  let clientCounter = 0;
  /** @type {string[]} */
  let categories = [];
  /** @type {((usable: boolean) => void) | null} */
  let onActiveChange = null;

  function changed() {
    ui.noChat.hidden = chats.size > 0;
    env.onChange();
  }

  function updateKbButtons() {
    if (onActiveChange) onActiveChange(!!activeChat());
  }

  function announceActive() {
    updateKbButtons();
    document.dispatchEvent(new CustomEvent("hotline:active-chat", { detail: { conversationId: activeId } }));
  }

  /** @param {Frame} frame */
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
    changed();
    if (!activeId || !chats.get(activeId) || chats.get(activeId).ended) selectChat(id, false);
    else markUnread(chat);
  }

  /** @param {string} id @param {Frame} frame */
  function createChat(id, frame) {
    const fragment = /** @type {DocumentFragment} */ (ui.template.content.cloneNode(true));
    const panel = /** @type {HTMLElement} */ (fragment.querySelector(".chat"));
    const tab = el("button", {
      type: "button", role: "tab", id: `tab-${id}`, className: "tab", "aria-controls": `panel-${id}`,
      "aria-selected": "false", tabindex: "-1",
    });
    panel.id = `panel-${id}`;
    panel.setAttribute("aria-labelledby", `tab-${id}`);
    panel.hidden = true;
    for (const node of panel.querySelectorAll("[data-id]")) node.id = `${/** @type {HTMLElement} */ (node).dataset.id}-${id}`;
    for (const node of panel.querySelectorAll("[data-for]")) {
      /** @type {HTMLLabelElement} */ (node).htmlFor = `${/** @type {HTMLElement} */ (node).dataset.for}-${id}`;
    }
    /** @type {<T extends Element = HTMLElement>(selector: string) => T} */
    const find = (selector) => panel.querySelector(selector);
    const transcript = find(".transcript");
    /** @type {Chat} */
    const chat = {
      id, tab, panel, ended: false, unread: 0, kbId: null, payloads: {}, lastSeq: 0, lastTyping: 0, typingTimer: 0,
      transcript,
      typing: find(".typing"),
      error: find(".chat-error"),
      reply: find(".reply"),
      replyBox: find("textarea[data-id=reply]"),
      kbChip: find(".kb-chip"),
      wrapup: find(".wrapup"),
      category: find("select[data-id=category]"),
      tabLabel: el("span", { className: "tab-label" }),
      tabBadge: el("span", { className: "tab-badge", hidden: true }),
      preview: "",
      // when the reply area grows (KB chip, wrap-up form) keep the newest message in view
      scroll: pinToEnd(transcript).toEnd,
    };
    fillOptions(chat.category, categories);
    tab.append(chat.tabLabel, chat.tabBadge);
    find(".chat-title").textContent = `民眾 ${shortId(id)}`;
    transcript.setAttribute("aria-label", `與民眾 ${shortId(id)} 的對話紀錄`);
    const waited = typeof frame.waited_seconds === "number" ? `等候 ${clock(frame.waited_seconds)} 後接聽・` : "";
    const from = frame.transferred_from ? `由 ${frame.transferred_from} 轉接・` : "";
    const number = frame.number ? `服務編號 ${frame.number}・` : "";
    find(".chat-meta").textContent = `${from}${waited}${number}對話編號 ${id}`;
    updateTabLabel(chat);

    tab.addEventListener("click", () => selectChat(id, true));
    tab.addEventListener("keydown", onTabKey);
    chat.reply.addEventListener("submit", (event) => { event.preventDefault(); sendReply(chat); });
    chat.replyBox.addEventListener("keydown", (event) => {
      if (isSendKey(event)) {
        event.preventDefault();
        sendReply(chat);
      }
    });
    chat.replyBox.addEventListener("input", () => {
      const now = Date.now();
      if (!chat.ended && now - chat.lastTyping > TYPING_SEND_MS && chat.replyBox.value.trim()) {
        chat.lastTyping = now;
        env.send({ type: "typing", conversation_id: id });
      }
    });
    find(".kb-chip-clear").addEventListener("click", () => { setKb(chat, null); chat.replyBox.focus(); });
    find(".transfer").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = find(/** @type {string} */ (".transfer-input"));
      const to = /** @type {HTMLInputElement} */ (input).value.trim();
      if (!to) { showChatError(chat, "請輸入要轉接的客服帳號。"); input.focus(); return; }
      env.noteAction(id);
      if (env.send({ type: "transfer", conversation_id: id, to })) /** @type {HTMLInputElement} */ (input).value = "";
    });
    const closeOpen = find(".close-open");
    closeOpen.addEventListener("click", () => {
      chat.wrapup.hidden = !chat.wrapup.hidden;
      if (!chat.wrapup.hidden) chat.category.focus();
    });
    find(".wrapup-cancel").addEventListener("click", () => {
      chat.wrapup.hidden = true;
      closeOpen.focus();
    });
    chat.wrapup.addEventListener("submit", (event) => {
      event.preventDefault();
      submitWrapup(chat);
    });
    find(".dismiss").addEventListener("click", () => removeChat(id));

    ui.tablist.append(tab);
    ui.panels.append(fragment);
    chats.set(id, chat);
    changed();
    return chat;
  }

  /** @param {Chat} chat */
  function submitWrapup(chat) {
    const category = chat.category.value;
    const field = (/** @type {string} */ name) => /** @type {HTMLInputElement} */ (chat.wrapup.querySelector(`[data-id=${name}]`));
    const table1 = { answer: field("answer").value.trim(), citizen_name: field("citizen_name").value.trim(),
                     citizen_phone: field("citizen_phone").value.trim(), faq_needed: field("faq_needed").checked };
    chat.category.setAttribute("aria-invalid", category ? "false" : "true");
    if (!category) { showChatError(chat, "請選擇問題類別。"); chat.category.focus(); return; }
    env.noteAction(chat.id);
    env.send({ type: "close", conversation_id: chat.id,
               wrapup: { category, summary: field("summary").value.trim(), case_needed: field("case_needed").checked, ...table1 } });
  }

  /** @param {Chat} chat */
  function updateTabLabel(chat) {
    chat.tabLabel.textContent = `民眾 ${shortId(chat.id)}${chat.ended ? "（已結束）" : ""}`;
    chat.tab.title = chat.preview;
    chat.tab.classList.toggle("tab--ended", chat.ended);
    chat.tabBadge.hidden = chat.unread === 0;
    chat.tabBadge.textContent = chat.unread ? `${chat.unread}` : "";
    chat.tabBadge.setAttribute("aria-label", `${chat.unread} 則未讀`);
  }

  /** @param {Chat} chat */
  function markUnread(chat) {
    if (chat.id === activeId) return;
    chat.unread += 1;
    updateTabLabel(chat);
  }

  /** @param {string} id @param {boolean} focusTab */
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
        chat.scroll();
      }
    }
    const chat = chats.get(id);
    if (focusTab && chat) chat.tab.focus();
    announceActive();
  }

  const tabs = () => /** @type {HTMLElement[]} */ ([...ui.tablist.querySelectorAll("[role=tab]")]);

  /** @param {KeyboardEvent} event */
  function onTabKey(event) {
    const all = tabs();
    const index = all.indexOf(/** @type {HTMLElement} */ (event.currentTarget));
    let next = null;
    if (event.key === "ArrowRight") next = all[(index + 1) % all.length];
    else if (event.key === "ArrowLeft") next = all[(index - 1 + all.length) % all.length];
    else if (event.key === "Home") next = all[0];
    else if (event.key === "End") next = all[all.length - 1];
    if (next) {
      event.preventDefault();
      selectChat(next.id.slice(4), true);
    }
  }

  /** @param {string} id */
  function removeChat(id) {
    const chat = chats.get(id);
    if (!chat) return;
    const index = tabs().indexOf(chat.tab);
    chat.tab.remove();
    chat.panel.remove();
    chats.delete(id);
    if (activeId === id) {
      activeId = null;
      const rest = tabs();
      const next = rest[Math.min(index, rest.length - 1)];
      if (next) selectChat(next.id.slice(4), true);
      else env.focusAccept();
    }
    changed();
    announceActive();
  }

  /** @param {Chat} chat @param {Frame} message @param {boolean} live */
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
    if (sender === "agent" && message.agent) who = message.agent === env.username() ? "您" : `客服人員 ${message.agent}`;
    const body = el("div", { className: "msg-body" });
    if (clicked) body.append(el("span", { className: "tag", text: "點選按鈕" }));
    body.append(el("p", { text }));
    if (Array.isArray(message.buttons) && message.buttons.length) {
      body.append(el("p", { className: "msg-buttons", text: `按鈕：${message.buttons.map((b) => b.title).join("｜")}` }));
    }
    if (message.kb_id) body.append(el("span", { className: "tag tag--kb", text: `知識庫 ${message.kb_id}` }));
    const item = el("div", { className: `msg msg--${sender}` }, [
      el("div", { className: "msg-head" }, [
        el("span", { className: "msg-who", text: who }),
        el("time", { className: "msg-time", text: timeLabel(message.created_at) }),
      ]),
      body,
    ]);
    if (typeof message.seq === "number") item.dataset.seq = String(message.seq);
    chat.transcript.append(item);
    chat.scroll();
    if (live && sender === "citizen") {
      hideTyping(chat);
      markUnread(chat);
    }
  }

  /** @param {Frame} frame */
  function onMessage(frame) {
    const chat = chats.get(frame.conversation_id);
    if (chat) appendMessage(chat, frame, true);
  }

  /** @param {Frame} frame */
  function onTyping(frame) {
    const chat = chats.get(frame.conversation_id);
    if (!chat || chat.ended) return;
    chat.typing.textContent = "民眾輸入中…";
    clearTimeout(chat.typingTimer);
    chat.typingTimer = window.setTimeout(() => hideTyping(chat), TYPING_SHOW_MS);
  }

  /** @param {Chat} chat */
  function hideTyping(chat) {
    clearTimeout(chat.typingTimer);
    chat.typing.textContent = "";
  }

  /** @param {Frame} frame */
  function onClosed(frame) {
    const chat = chats.get(frame.conversation_id);
    if (chat) endChat(chat, CLOSE_REASONS[frame.reason] || "對話已結束。");
  }

  /** @param {Chat} chat @param {string} text */
  function endChat(chat, text) {
    chat.ended = true;
    hideTyping(chat);
    chat.reply.hidden = true;
    chat.wrapup.hidden = true;
    chat.error.hidden = true;
    /** @type {HTMLElement} */ (chat.panel.querySelector(".chat-actions")).hidden = true;
    const ended = /** @type {HTMLElement} */ (chat.panel.querySelector(".ended"));
    ended.querySelector(".ended-text").textContent = text;
    ended.hidden = false;
    updateTabLabel(chat);
    changed();
    updateKbButtons();
    if (chat.id === activeId) /** @type {HTMLElement} */ (ended.querySelector(".dismiss")).focus();
  }

  /** The server's hello lists the chats still ours: the others were re-queued meanwhile. @param {string[]} mine */
  function keepOnly(mine) {
    const keep = new Set(mine);
    for (const chat of chats.values()) {
      if (!chat.ended && !keep.has(chat.id)) endChat(chat, "對話已重新排隊，由其他客服人員接手。");
    }
  }

  /** @param {Chat} chat @param {string} text */
  function showChatError(chat, text) {
    chat.error.textContent = text;
    chat.error.hidden = false;
  }

  /** @param {Chat} chat */
  function sendReply(chat) {
    const text = chat.replyBox.value.trim();
    if (!text || chat.ended) return;
    /** @type {Frame} */
    const frame = { type: "message", conversation_id: chat.id, text, client_id: `a${Date.now().toString(36)}-${++clientCounter}` };
    if (chat.kbId) frame.kb_id = chat.kbId;
    env.noteAction(chat.id);
    if (!env.send(frame)) return;
    chat.error.hidden = true;
    chat.replyBox.value = "";
    setKb(chat, null);
  }

  /** @param {Chat} chat @param {KbEntry | null} entry */
  function setKb(chat, entry) {
    chat.kbId = entry ? entry.id : null;
    chat.kbChip.hidden = !entry;
    chat.kbChip.querySelector(".kb-chip-text").textContent = entry ? `引用知識庫 ${entry.id}：${entry.question}` : "";
  }

  function activeChat() {
    const chat = activeId ? chats.get(activeId) : null;
    return chat && !chat.ended ? chat : null;
  }

  /** Put a KB answer in the active chat's reply box (quoted: the reply carries its KB id). @param {KbEntry} entry */
  function insertKb(entry) {
    const chat = activeChat();
    if (!chat) return false;
    const current = chat.replyBox.value.trim();
    chat.replyBox.value = current && current !== chat.kbText ? `${current}\n\n${entry.answer}` : entry.answer;
    chat.kbText = entry.answer;
    setKb(chat, entry);
    chat.replyBox.focus();
    chat.replyBox.setSelectionRange(chat.replyBox.value.length, chat.replyBox.value.length);
    return true;
  }

  return {
    onAssigned, onMessage, onTyping, onClosed, keepOnly, insertKb,
    /** @param {string} id */
    chat: (id) => chats.get(id),
    openCount: () => [...chats.values()].filter((c) => !c.ended).length,
    hasChats: () => chats.size > 0,
    removeAll: () => { for (const id of [...chats.keys()]) removeChat(id); },
    /** @param {string[]} list */
    setCategories(list) {
      categories = list;
      for (const chat of chats.values()) fillOptions(chat.category, list);
    },
    /** @param {(usable: boolean) => void} listener told whether a chat can take a KB answer */
    onActive(listener) { onActiveChange = listener; },
  };
}
