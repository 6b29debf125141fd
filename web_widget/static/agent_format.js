// @ts-check
// Pure helpers of the agent console: wait clocks, the seed's answer-speed bands, short chat names
// and the wording of the server's error codes.

// The seed's answer-speed standard (臺中市政府電話禮貌): ≤7 s best, ≤15 s good, ≥31 s worst.
export const SPEEDS = [
  { max: 7, key: "best", label: "最佳" },
  { max: 15, key: "good", label: "次佳" },
  { max: 30, key: "slow", label: "偏慢" },
  { max: Infinity, key: "worst", label: "最差" },
];
/** @type {Record<string, string>} */
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

/** "m:ss" for a number of seconds (never negative). @param {number} seconds */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** The answer-speed band of a wait. @param {number} seconds */
export function speedOf(seconds) {
  return SPEEDS.find((s) => seconds <= s.max) || SPEEDS[SPEEDS.length - 1];
}

/** The last four characters of a conversation id, upper-case: 民眾 9F3A. @param {string} id */
export function shortId(id) {
  return String(id).replace(/^c_/, "").slice(-4).toUpperCase();
}

/** @param {Record<string, any>} frame an error frame: code, message */
export function errorText(frame) {
  return ERRORS[frame.code] || (/[\u3400-\u9fff]/.test(frame.message || "") ? frame.message : `操作失敗（${frame.code || "error"}）。`);
}

/** "HH:MM" (24 h, the browser's zone) of a server timestamp in seconds, or of now. @param {unknown} createdAt */
export function timeLabel(createdAt) {
  const date = typeof createdAt === "number" ? new Date(createdAt * 1000) : new Date();
  return date.toLocaleTimeString("zh-TW", { hour: "2-digit", minute: "2-digit", hour12: false });
}

/**
 * Fill a <select> with the wrap-up categories once (after its "請選擇" placeholder).
 * @param {HTMLSelectElement} select
 * @param {string[]} categories
 */
export function fillOptions(select, categories) {
  if (select.options.length > 1) return;
  for (const category of categories) {
    const option = document.createElement("option");
    option.value = option.textContent = category;
    select.append(option);
  }
}
