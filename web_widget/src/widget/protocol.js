// @ts-check
// The citizen side of /ws/chat (docs/protocol.md): the frames the widget sends, built by pure
// functions, and the citizen-facing wording of the server's error codes.

export const MAX_TEXT = 2000;
export const GENERIC_ERROR = "系統暫時無法處理您的要求，請稍後再試一次。";
/** @type {Record<string, string>} */
export const ERRORS = {
  too_large: "訊息太長了，請縮短為 2,000 字以內再送出。",
  rate_limited: "您傳送得有點快，請稍候幾秒再試一次。",
  bad_state: "目前無法執行這個動作。",
  bad_token: "先前的對話已失效，已為您開始新的對話。",
  bad_score: "評分資料有誤，請重新選擇。",
  not_found: "找不到這段對話，已為您開始新的對話。",
};

/**
 * @typedef {{ conversation_id: string, token: string, last_seq?: number, feedback?: Record<string, boolean> }} Saved
 * @typedef {{ type: string, [key: string]: any }} Frame
 */

/**
 * What to tell the citizen about an error frame: our wording for a known code, the server's own
 * message when it is Chinese, else a generic apology (never an English stack of words).
 * @param {string} code
 * @param {string} [message]
 */
export function errorText(code, message) {
  return ERRORS[code] || (/[\u3400-\u9fff]/.test(message || "") ? String(message) : GENERIC_ERROR);
}

/**
 * A generator of client ids ("w<time>-<n>") that tie an ack to the bubble drawn before it.
 * @param {string} prefix
 * @param {() => number} [now]
 */
export function clientIds(prefix, now = Date.now) {
  let counter = 0;
  return () => `${prefix}${now().toString(36)}-${++counter}`;
}

/**
 * The first frame on every socket: resume a saved conversation from ``lastSeq`` (0 after a reload:
 * the server replays the whole transcript), or start a new one.
 * @param {Saved | null} saved
 * @param {number} lastSeq
 * @returns {Frame}
 */
export function helloFrame(saved, lastSeq) {
  if (!saved) return { type: "hello" };
  return { type: "hello", conversation_id: saved.conversation_id, token: saved.token, last_seq: lastSeq };
}

/** @param {string} text @param {string} clientId @returns {Frame} */
export function messageFrame(text, clientId) {
  return { type: "message", text, client_id: clientId };
}

/** @param {number} seq @param {boolean} helpful @returns {Frame} */
export function feedbackFrame(seq, helpful) {
  return { type: "feedback", seq, helpful };
}

/** @param {number} score @param {string} [comment] @returns {Frame} */
export function surveyFrame(score, comment) {
  /** @type {Frame} */
  const frame = { type: "survey", score: Number(score) };
  const text = (comment || "").trim();
  if (text) frame.comment = text;
  return frame;
}

/**
 * @typedef {{ name: string, phone: string, question: string, consent: boolean }} CallbackFields
 */

export const PHONE_PATTERN = /^[0-9+()#\-\s]{6,40}$/;

/**
 * What is wrong with a callback request before it is sent, or null: the empty required fields
 * (in form order), a phone number that cannot be one, a missing consent.
 * @param {CallbackFields} fields
 * @returns {{ problem: "missing", fields: ("name" | "phone" | "question")[] } | { problem: "phone" | "consent" } | null}
 */
export function callbackProblem(fields) {
  const missing = /** @type {const} */ (["name", "phone", "question"]).filter((key) => !fields[key].trim());
  if (missing.length) return { problem: "missing", fields: missing };
  if (!PHONE_PATTERN.test(fields.phone.trim())) return { problem: "phone" };
  if (!fields.consent) return { problem: "consent" };
  return null;
}

/** @param {CallbackFields} fields @param {string} clientId @returns {Frame} */
export function callbackFrame(fields, clientId) {
  return { type: "callback", name: fields.name.trim(), phone: fields.phone.trim(), question: fields.question.trim(),
           consent: true, client_id: clientId };
}

/** @param {string} clientId @returns {Frame} */
export function leaveFrame(clientId) {
  return { type: "leave", client_id: clientId };
}
