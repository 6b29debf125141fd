// @ts-check
// Pure helpers of the semantic engineer page: dates in Asia/Taipei, percentages, model versions,
// intent names and the deploy gate's reasons in Chinese.

export const CONTRACT_RATE = 0.85;
/** @type {Record<string, string>} */
export const MISS_REASONS = {
  low_confidence: "信心不足",
  ambiguous: "意圖模糊",
  out_of_scope: "超出服務範圍",
  handoff: "轉接真人",
  unhelpful: "民眾按「沒幫助」",
  no_content: "沒有內容",
  suggestions_ignored: "未採用建議",
};
/** @type {Record<string, string>} */
export const LABEL_SOURCES = { agent_answer: "客服回覆", suggestion_click: "民眾點選建議" };
/** @type {Record<string, string>} */
export const CONVERSATION_INTENTS = {
  greet: "問候", thanks: "道謝", goodbye: "再見", ask_human: "要求真人客服", affirm: "肯定", deny: "否定",
  out_of_scope: "超出服務範圍",
};
export const METRICS = [
  { key: "questions", label: "測試題數", kind: "count" },
  { key: "success", label: "答對率（範圍內問題）", kind: "rate", higherIsBetter: true },
  { key: "wrong", label: "答錯率（範圍內問題）", kind: "rate", higherIsBetter: false },
  { key: "oos_rejected", label: "範圍外問題正確拒答率", kind: "rate", higherIsBetter: true },
  { key: "wrong_overall", label: "整體答錯率（含範圍外誤答）", kind: "rate", higherIsBetter: false },
];
export const MAX_CHANGES = 50;

/** A server timestamp (seconds) as a date and time in Asia/Taipei, or —. @param {unknown} seconds */
export function dateTime(seconds) {
  if (typeof seconds !== "number") return "—";
  return new Date(seconds * 1000).toLocaleString("zh-TW", {
    timeZone: "Asia/Taipei", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    hour12: false,
  });
}

/** @param {unknown} value a fraction @param {number} [digits] */
export function percent(value, digits = 1) {
  return typeof value === "number" ? `${(value * 100).toFixed(digits)}%` : "—";
}

/** When a model version (a UTC timestamp) was trained, in Asia/Taipei. @param {string | null} version */
export function versionTime(version) {
  // versions are UTC timestamps: 20261130-123835-020961
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(version || "");
  if (!m) return "";
  const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return date.toLocaleString("zh-TW", {
    timeZone: "Asia/Taipei", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
  });
}

/** @param {string | null} version */
export function versionText(version) {
  if (!version) return "無";
  const when = versionTime(version);
  return when ? `${version}（${when} 訓練）` : version;
}

/** @param {string | null} intent */
export function intentText(intent) {
  if (!intent) return "未回答";
  if (intent === "nlu_fallback") return "無法判斷";
  return CONVERSATION_INTENTS[intent] ? `${intent}（${CONVERSATION_INTENTS[intent]}）` : intent;
}

/** The deploy gate's reason (English, from the server) in Chinese. @param {string} reason */
export function gateReason(reason) {
  let m = /^success drops from (\S+) to (\S+)$/.exec(reason);
  if (m) return `答對率從 ${m[1]} 降到 ${m[2]}`;
  m = /^wrong answers rise from (\S+) to (\S+)$/.exec(reason);
  if (m) return `答錯率從 ${m[1]} 升到 ${m[2]}`;
  return reason;
}
