// @ts-check
// The widget's frame, drawn inside a Shadow DOM so the host page's CSS cannot reach it and its
// own CSS (widget.css, loaded into the shadow root) cannot leak out: the launcher, the panel with
// its header, banners, log, typing line, composer and footer. No conversation logic here.

import { el, pinToEnd } from "../../static/dom.js";
import { MAX_TEXT } from "./protocol.js";
import { STATUS, badgeText, rememberOpen } from "./state.js";

const ICON_CHAT = '<svg aria-hidden="true" focusable="false" width="26" height="26" viewBox="0 0 24 24">' +
  '<path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z"/></svg>';
export const ICON_THUMB = '<svg aria-hidden="true" focusable="false" width="18" height="18" viewBox="0 0 24 24">' +
  '<path fill="currentColor" d="M2 21h3V10H2v11zm20-10a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 2 7.6 7.6c-.4.4-.6.9-.6 1.4V19a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-1z"/></svg>';
const ICON_CLOSE = '<svg aria-hidden="true" focusable="false" width="20" height="20" viewBox="0 0 24 24">' +
  '<path fill="currentColor" d="M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 0 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z"/></svg>';
const BOT_WAIT_MS = 20000;
export const PLACEHOLDER = "請輸入您的問題，按 Enter 送出";

/**
 * Build the widget under a new host element appended to the page.
 * @param {URL} base where widget.js came from (widget.css lies beside it)
 * @param {{ onLeave: () => void, onRestart: () => void, onOpen: () => void }} actions
 */
export function createView(base, actions) {
  const host = el("div", { id: "hotline-widget" });
  const shadow = host.attachShadow({ mode: "open" });
  const css = el("link", { rel: "stylesheet", href: new URL("widget.css", base).href });

  const launcherBadge = el("span", { className: "hl-badge", hidden: true, "aria-hidden": "true" });
  const launcher = el("button", {
    type: "button", className: "hl-launcher", "aria-label": "開啟普發現金線上客服",
    "aria-expanded": "false", "aria-controls": "hl-panel",
  });
  launcher.innerHTML = ICON_CHAT; // static markup, no message text
  launcher.append(el("span", { className: "hl-launcher-text", text: "線上客服", "aria-hidden": "true" }), launcherBadge);

  const statusLine = el("p", { className: "hl-subtitle", id: "hl-subtitle", text: STATUS.bot });
  const closeButton = el("button", { type: "button", className: "hl-icon-button", "aria-label": "關閉客服視窗" });
  closeButton.innerHTML = ICON_CLOSE;
  const header = el("div", { className: "hl-header" }, [
    el("div", { className: "hl-emblem", "aria-hidden": "true", text: "普" }),
    el("div", { className: "hl-heading" }, [
      el("h2", { id: "hl-title", className: "hl-title", text: "普發現金線上客服" }), statusLine,
    ]),
    closeButton,
  ]);
  const connBanner = el("div", { className: "hl-banner hl-banner--warn", role: "status", hidden: true });
  const queueBanner = el("div", { className: "hl-banner hl-banner--queue", role: "status", hidden: true });
  // 離開排隊: the citizen leaves the line at once (no ghost place left for others to wait behind)
  const leaveBar = el("div", { className: "hl-leave", hidden: true }, [
    el("button", { type: "button", className: "hl-button", text: "離開排隊", onclick: actions.onLeave }),
  ]);
  const log = el("div", {
    className: "hl-log", id: "hl-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "對話內容", tabindex: "0",
  });
  const typingLine = el("div", { className: "hl-typing", role: "status", "aria-live": "polite" });
  const input = el("textarea", {
    id: "hl-input", className: "hl-input", rows: "1", maxlength: String(MAX_TEXT),
    placeholder: PLACEHOLDER, autocomplete: "off", "aria-describedby": "hl-hint",
  });
  const sendButton = el("button", { type: "submit", className: "hl-send", text: "送出" });
  const composer = el("form", { className: "hl-composer", novalidate: true }, [
    el("label", { for: "hl-input", className: "hl-sr", text: "輸入您的問題" }),
    input,
    sendButton,
    el("p", { id: "hl-hint", className: "hl-sr", text: "按 Enter 送出，Shift 加 Enter 換行。" }),
  ]);
  const restartButton = el("button", {
    type: "button", className: "hl-button hl-button--primary", text: "開始新的對話", onclick: actions.onRestart,
  });
  const restartBar = el("div", { className: "hl-restart", hidden: true }, [restartButton]);
  const footer = el("p", { className: "hl-footer", text: "請勿輸入身分證字號、帳號密碼等敏感資料。" });
  const panel = el("section", {
    id: "hl-panel", className: "hl-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "hl-title", "aria-describedby": "hl-subtitle", hidden: true,
  }, [header, connBanner, queueBanner, leaveBar, log, typingLine, restartBar, composer, footer]);
  const root = el("div", { className: "hl-root", lang: "zh-Hant-TW" }, [panel, launcher]);

  // shown once its stylesheet is in, so the page never flashes an unstyled button
  root.hidden = true;
  const reveal = () => { root.hidden = false; };
  css.addEventListener("load", reveal);
  css.addEventListener("error", reveal);
  setTimeout(reveal, 4000);
  shadow.append(css, root);

  const scroller = pinToEnd(log);
  const botWait = el("div", { className: "hl-msg hl-msg--bot hl-waiting" }, [
    el("span", { className: "hl-sr", text: "智能客服正在回覆" }),
    el("div", { className: "hl-bubble", "aria-hidden": "true" }, [
      el("span", { className: "hl-dot" }), el("span", { className: "hl-dot" }), el("span", { className: "hl-dot" }),
    ]),
  ]);
  let botWaitTimer = 0;
  let unread = 0;

  const view = {
    host, shadow, root, panel, launcher, log, input, sendButton, composer, restartBar, restartButton,
    statusLine, connBanner, queueBanner, leaveBar, typingLine,
    scrollToEnd: scroller.toEnd,

    /** @param {boolean} [focus] */
    openPanel(focus) {
      panel.hidden = false;
      root.classList.add("hl-open");
      launcher.setAttribute("aria-expanded", "true");
      launcher.setAttribute("aria-label", "關閉普發現金線上客服");
      unread = 0;
      view.updateBadge();
      rememberOpen(true);
      actions.onOpen();
      scroller.toEnd();
      if (focus !== false) setTimeout(() => (input.disabled ? log : input).focus(), 0);
    },

    closePanel() {
      panel.hidden = true;
      root.classList.remove("hl-open");
      launcher.setAttribute("aria-expanded", "false");
      launcher.setAttribute("aria-label", "開啟普發現金線上客服");
      rememberOpen(false);
      launcher.focus();
    },

    /** A new message arrived while the panel was closed. */
    countUnread() {
      unread += 1;
      view.updateBadge();
    },

    updateBadge() {
      launcherBadge.hidden = unread === 0;
      launcherBadge.textContent = badgeText(unread);
      if (panel.hidden) {
        launcher.setAttribute("aria-label", unread ? `開啟普發現金線上客服（有 ${unread} 則新訊息）` : "開啟普發現金線上客服");
      }
    },

    /** @param {HTMLElement} node @param {string} text */
    showBanner(node, text) { node.textContent = text; node.hidden = false; },
    /** @param {HTMLElement} node */
    hideBanner(node) { node.hidden = true; node.textContent = ""; },

    /** The element that has the focus inside the widget (the page's activeElement is the host). */
    focused() { return shadow.activeElement; },

    showBotWait() {
      log.append(botWait);
      scroller.toEnd();
      clearTimeout(botWaitTimer);
      botWaitTimer = window.setTimeout(view.hideBotWait, BOT_WAIT_MS);
    },
    hideBotWait() {
      clearTimeout(botWaitTimer);
      botWait.remove();
    },

    autoGrow() {
      input.style.height = "auto";
      input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
    },
  };

  launcher.addEventListener("click", () => { if (panel.hidden) view.openPanel(); else view.closePanel(); });
  closeButton.addEventListener("click", view.closePanel);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); view.closePanel(); }
  });
  return view;
}

/** @typedef {ReturnType<typeof createView>} View */
