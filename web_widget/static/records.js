// @ts-check
// records.js: /records — the 表1 records (受理民眾案件紀錄表): search by date, number, agent, category
// and text; open one with its transcript, wrap-up, survey and case; export CSV or Excel. Agents see
// the chats they handled, supervisors all (the server decides). API: GET /api/records[/export|/{id}].

import { startFloor } from "./floor_shell.js";
import { ApiError, el } from "./staff.js";

const SENDERS = { citizen: "民眾", bot: "智能客服", agent: "客服人員", system: "系統" };
const OUTCOMES = { agent_resolved: "客服人員結案", abandoned: "民眾離開", citizen_left: "民眾結束對話",
  bot_resolved: "智能客服解決" };
const SCORES = { 5: "非常滿意", 4: "滿意", 3: "普通", 2: "不滿意", 1: "非常不滿意" };
const $ = (id) => document.getElementById(id);
let ctx = null;

function when(ts) {
  return ts ? new Date(ts * 1000).toLocaleString("zh-TW", { hour12: false, timeZone: "Asia/Taipei" }) : "—";
}

function query() {
  const params = new URLSearchParams();
  for (const [key, id] of [["date_from", "rec-from"], ["date_to", "rec-to"], ["number", "rec-number"],
    ["agent", "rec-agent"], ["category", "rec-category"], ["text", "rec-text"]]) {
    const value = /** @type {HTMLInputElement} */ ($(id)).value.trim();
    if (value) params.set(key, value);
  }
  return params;
}

async function search() {
  try {
    const rows = await ctx.api(`/api/records?${query()}`);
    $("rec-status").textContent = `共 ${rows.length} 筆`;
    $("rec-rows").replaceChildren(...rows.map((r) => el("tr", { "data-number": r.number || "" }, [
      el("td", { text: r.number || "—" }), el("td", { text: r.received_local || "—" }),
      el("td", { text: [r.citizen_name, r.citizen_phone].filter(Boolean).join("・") || "—" }),
      el("td", { text: r.summary || "—" }), el("td", { text: r.agent || "—" }), el("td", { text: r.category || "—" }),
      el("td", { text: r.faq_needed ? "是" : "否" }), el("td", { text: r.case_number || "—" }),
      el("td", {}, [el("button", { type: "button", className: "btn btn--secondary btn--small", text: "開啟",
        "aria-label": `開啟 ${r.number || r.conversation_id}`, onclick: () => open(r.conversation_id) })]),
    ])));
  } catch (error) {
    $("rec-status").textContent = error instanceof ApiError && error.detail ? String(error.detail) : "查詢失敗。";
  }
}

function pairs(rows) {
  return el("dl", { className: "rec-dl" }, rows.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v || "—" })]));
}

async function open(conversationId) {
  const panel = $("rec-detail");
  try {
    const data = await ctx.api(`/api/records/${encodeURIComponent(conversationId)}`);
    const c = data.conversation;
    const w = data.wrapup || {};
    panel.replaceChildren(
      el("h2", { id: "rec-detail-title", text: `紀錄 ${c.number || c.id}` }),
      pairs([["受話時間", when(c.assigned_at || c.queued_at)], ["處理人員", w.agent || c.agent], ["結果", OUTCOMES[c.outcome] || c.outcome || "處理中"]]),
      el("h3", { text: "結案紀錄（表1）" }),
      pairs([["類別", w.category], ["問題摘要", w.summary], ["答覆內容", w.answer], ["民眾姓名", w.citizen_name],
        ["聯絡電話", w.citizen_phone], ["需新增FAQ", w.faq_needed ? `是${w.kb_draft_id ? `（草稿 ${w.kb_draft_id}）` : ""}` : "否"]]),
      el("h3", { text: "滿意度" }),
      el("p", { text: data.survey ? `${data.survey.score} 分（${SCORES[data.survey.score]}）${data.survey.comment ? `：${data.survey.comment}` : ""}` : "未填寫" }),
      el("h3", { text: "後送案件" }),
      el("p", { text: data.cases.length ? data.cases.map((k) => `${k.number}（${k.agency}）`).join("、") : "無" }),
      el("h3", { text: "對話內容" }),
      el("ol", { className: "rec-transcript" }, data.transcript.map((m) => el("li", {}, [
        el("span", { className: "who", text: m.sender === "agent" && m.agent ? `客服人員 ${m.agent}` : SENDERS[m.sender] || m.sender }),
        el("span", { text: m.text }),
      ]))),
    );
    panel.hidden = false;
    panel.focus();
  } catch (error) {
    ctx.toast(error instanceof ApiError && error.status === 404 ? "找不到這筆紀錄（或您沒有權限）。" : "無法開啟紀錄。");
  }
}

async function download(format) {
  const response = await fetch(`/api/records/export?${query()}&format=${format}`,
    { headers: { Authorization: `Bearer ${ctx.auth.token}` } });
  if (!response.ok) { ctx.toast("匯出失敗，請稍後再試。"); return; }
  const url = URL.createObjectURL(await response.blob());
  const link = el("a", { href: url, download: `records.${format}` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

startFloor((context) => {
  ctx = context;
  $("rec-form").addEventListener("submit", (event) => { event.preventDefault(); search(); });
  $("rec-csv").addEventListener("click", () => download("csv"));
  $("rec-xlsx").addEventListener("click", () => download("xlsx"));
  search();
});
