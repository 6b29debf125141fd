// @ts-check
// Drawing the conversation in the widget's log: message bubbles, suggestion chips, 👍/👎 on
// answers and notes. Every text is set with textContent, never as HTML.

import { el } from "../../static/dom.js";
import { feedbackFrame } from "./protocol.js";
import { NAMES, timeLabel } from "./state.js";
import { ICON_THUMB } from "./view.js";

/**
 * @typedef {import("./protocol.js").Frame} Frame
 * @typedef {import("./view.js").View} View
 * @typedef {object} Conversation  what the drawing needs to know of the conversation
 * @property {string} state
 * @property {string | null} lastSender
 * @property {Record<string, string>} payloadTitles  "/REG-001" → "普發現金要去哪裡登記？"
 * @property {import("./protocol.js").Saved | null} saved
 * @property {(frame: Frame) => boolean} send
 * @property {(text: string, shownAs?: string) => void} sendText
 * @property {() => void} persist
 * @property {(form: Frame) => void} renderForm
 */

/**
 * @param {View} view
 * @param {Conversation} chat
 */
export function createMessages(view, chat) {
  const { log } = view;

  /** @param {string} text */
  function note(text) {
    log.append(el("div", { className: "hl-note", role: "note" }, [el("p", { text })]));
    chat.lastSender = null;
    view.scrollToEnd();
  }

  /**
   * @param {Frame} frame a message frame (or a bubble drawn before the server's echo)
   * @param {{ clientId?: string, payload?: string }} [options]
   */
  function renderMessage(frame, options) {
    const sender = NAMES[frame.sender] ? frame.sender : "system";
    let name = NAMES[sender];
    if (sender === "agent" && frame.agent) name = `客服人員 ${frame.agent}`;
    const item = el("div", { className: `hl-msg hl-msg--${sender}${frame.kind ? ` hl-kind--${frame.kind}` : ""}` });
    if (typeof frame.seq === "number") item.setAttribute("data-seq", String(frame.seq));
    const showName = sender !== "citizen" && chat.lastSender !== sender;
    item.append(el("span", { className: showName ? "hl-who" : "hl-who hl-sr", text: `${name}：` }));
    const bubble = el("div", { className: "hl-bubble" });
    for (const paragraph of String(frame.text || "").split(/\n{2,}/)) bubble.append(el("p", { text: paragraph }));
    item.append(bubble, el("time", { className: "hl-time", text: timeLabel(frame.created_at) }));
    if (options && options.clientId) {
      item.setAttribute("data-client-id", options.clientId);
      item.setAttribute("data-text", options.payload || frame.text);
      item.classList.add("hl-pending");
    }
    if (Array.isArray(frame.buttons) && frame.buttons.length) item.append(renderButtons(frame.buttons));
    if (frame.kind === "answer" && sender === "bot" && typeof frame.seq === "number") item.append(renderFeedback(frame.seq));
    log.append(item);
    chat.lastSender = sender;
    if (frame.form && typeof frame.form === "object") chat.renderForm(frame.form);
    view.scrollToEnd();
    return item;
  }

  /** @param {{ payload?: unknown, title?: unknown }[]} buttons */
  function renderButtons(buttons) {
    const group = el("div", { className: "hl-chips", role: "group", "aria-label": "建議選項" });
    for (const button of buttons) {
      if (!button || typeof button.payload !== "string") continue;
      const payload = button.payload;
      const label = String(button.title || payload);
      chat.payloadTitles[payload] = label;
      group.append(el("button", {
        type: "button", className: "hl-chip", text: label, disabled: chat.state !== "bot",
        onclick: () => chat.sendText(payload, label),
      }));
    }
    return group;
  }

  /** @param {number} seq */
  function renderFeedback(seq) {
    const given = chat.saved && chat.saved.feedback ? chat.saved.feedback[seq] : undefined;
    const thanks = el("span", { className: "hl-feedback-thanks", text: given === undefined ? "" : "感謝您的回饋" });
    const up = el("button", { type: "button", className: "hl-vote", "aria-label": "這個回答有幫助",
                              "aria-pressed": given === true ? "true" : "false" });
    const down = el("button", { type: "button", className: "hl-vote", "aria-label": "這個回答沒有幫助",
                                "aria-pressed": given === false ? "true" : "false" });
    up.innerHTML = ICON_THUMB; // 👍 as an icon: not every system has an emoji font
    down.innerHTML = ICON_THUMB;
    down.classList.add("hl-vote--down");
    /** @param {boolean} helpful */
    const vote = (helpful) => {
      chat.send(feedbackFrame(seq, helpful));
      up.setAttribute("aria-pressed", String(helpful));
      down.setAttribute("aria-pressed", String(!helpful));
      thanks.textContent = "感謝您的回饋";
      if (chat.saved) {
        chat.saved.feedback = chat.saved.feedback || {};
        chat.saved.feedback[seq] = helpful;
        chat.persist();
      }
    };
    up.addEventListener("click", () => vote(true));
    down.addEventListener("click", () => vote(false));
    return el("div", { className: "hl-feedback", role: "group", "aria-label": "這個回答有幫助嗎？" }, [
      el("span", { className: "hl-feedback-label", text: "這個回答有幫助嗎？", "aria-hidden": "true" }), up, down, thanks,
    ]);
  }

  return { note, renderMessage };
}
