// @ts-check
// The widget's state that outlives a page: {conversation_id, token, last_seq, feedback} in
// localStorage (resume after a reload) and whether the panel was open (sessionStorage); and the
// pure wording of the conversation's state for the header and the queue banner.

export const STORE_KEY = "hotline.chat.v1";
export const OPEN_KEY = "hotline.chat.open";

/** @type {Record<string, string>} */
export const NAMES = { bot: "智能客服", citizen: "您", agent: "客服人員", system: "系統通知" };
/** @type {Record<string, string>} */
export const STATUS = {
  bot: "智能客服・24 小時為您服務",
  queued: "正在等候真人客服",
  with_agent: "真人文字客服服務中",
  closed: "本次對話已結束",
};

/** @typedef {import("./protocol.js").Saved} Saved */

/**
 * The saved conversation, or null (none, storage blocked or corrupt: start afresh).
 * @param {Storage | null} [storage]
 * @returns {Saved | null}
 */
export function loadSaved(storage = safeLocalStorage()) {
  try {
    const raw = JSON.parse((storage && storage.getItem(STORE_KEY)) || "null");
    if (raw && typeof raw.conversation_id === "string" && typeof raw.token === "string") return raw;
  } catch { /* corrupt */ }
  return null;
}

/**
 * @param {Saved | null} saved
 * @param {Storage | null} [storage]
 */
export function persistSaved(saved, storage = safeLocalStorage()) {
  try {
    if (!storage) return;
    if (saved) storage.setItem(STORE_KEY, JSON.stringify(saved));
    else storage.removeItem(STORE_KEY);
  } catch { /* private mode: the chat still works, only without resume */ }
}

/** @returns {Storage | null} */
function safeLocalStorage() {
  try { return window.localStorage; } catch { return null; }
}

/** @param {boolean} open */
export function rememberOpen(open) {
  try { sessionStorage.setItem(OPEN_KEY, open ? "1" : "0"); } catch { /* ignore */ }
}

export function wasOpen() {
  try { return sessionStorage.getItem(OPEN_KEY) === "1"; } catch { return false; }
}

/**
 * The header's status line.
 * @param {string} state bot | queued | with_agent | closed
 * @param {string} agentName
 * @param {string} serviceNumber the 1999-style number, once the chat has one
 */
export function statusText(state, agentName, serviceNumber) {
  const main = state === "with_agent" && agentName ? `真人文字客服 ${agentName} 為您服務` : (STATUS[state] || "");
  return main + (serviceNumber && state !== "bot" ? `・服務編號 ${serviceNumber}` : "");
}

/**
 * The queue banner for a queue frame: the place and a wait estimate, or — with nobody ready to
 * answer — says so and points at the callback form, never a made-up wait.
 * @param {Record<string, any>} frame
 */
export function queueText(frame) {
  const position = Number(frame.position) || 1;
  if (frame.estimated_wait_seconds === null || frame.estimated_wait_seconds === undefined) {
    return `您目前排在第 ${position} 位。目前沒有客服人員可以立即為您服務，無法預估等候時間；` +
      "您可以繼續等候，或留下電話由專人回電。";
  }
  const seconds = Number(frame.estimated_wait_seconds) || 0;
  const wait = seconds < 60 ? "不到 1 分鐘" : `約 ${Math.round(seconds / 60)} 分鐘`;
  return `您目前排在第 ${position} 位，預估等候時間${wait}。請保持此視窗開啟。`;
}

/**
 * "HH:MM" in the browser's time zone for a server timestamp (seconds), or now.
 * @param {unknown} createdAt
 * @param {() => Date} [now]
 */
export function timeLabel(createdAt, now = () => new Date()) {
  const date = typeof createdAt === "number" ? new Date(createdAt * 1000) : now();
  return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
}

/** The unread badge: "9+" past nine. @param {number} unread */
export function badgeText(unread) {
  return unread > 9 ? "9+" : String(unread);
}
