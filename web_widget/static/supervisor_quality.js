// @ts-check
// supervisor_quality.js: the 品質抽測 tab of /supervisor. Pick a month and an agent, draw random
// closed chats, read a transcript, tick the seed's etiquette checklist (pre-filled from the server's
// pre-check, which the supervisor confirms or changes), save; the month's scores are listed below
// and appear in the 月報表 tab. Text is set with textContent only.

import { el } from "./staff.js";
import { thisMonth } from "./supervisor_reports.js";

const POINTS = 20;
const SENDERS = { citizen: "民眾", bot: "智能客服", agent: "客服人員", system: "系統" };
let ctx = null;
let ui = null;
let checklist = [];
let current = null; // the open transcript

export async function mount(panel, context) {
  ctx = context;
  ui = {
    month: el("input", { id: "qa-month", type: "month", required: true, value: thisMonth() }),
    agent: el("select", { id: "qa-agent", required: true }),
    size: el("input", { id: "qa-size", type: "number", min: 1, max: 10, value: 3, inputmode: "numeric" }),
    status: el("p", { className: "muted small", role: "status", "aria-live": "polite" }),
    samples: el("ul", { className: "qa-samples", "aria-label": "抽樣對話" }),
    review: el("div", { className: "qa-review" }),
    reviews: el("div", { className: "qa-reviews" }),
  };
  ui.month.addEventListener("change", () => { loadAgents(); loadReviews(); });
  const form = el("form", { className: "rpt-controls", onsubmit: (event) => { event.preventDefault(); drawSample(); } }, [
    el("div", { className: "field" }, [el("label", { for: "qa-month", text: "月份" }), ui.month]),
    el("div", { className: "field" }, [el("label", { for: "qa-agent", text: "客服人員" }), ui.agent]),
    el("div", { className: "field" }, [el("label", { for: "qa-size", text: "抽樣件數" }), ui.size]),
    el("button", { type: "submit", className: "btn btn--primary", text: "抽樣" }),
  ]);
  panel.append(el("div", { className: "qa" }, [
    el("div", { className: "pane-head" }, [el("h2", { text: "品質抽測" }),
      el("span", { className: "muted small", text: "每項 20 分：問候、確認需求、再度確認需求、致謝、答覆正確" })]),
    form, ui.status,
    el("div", { className: "qa-work" }, [
      el("section", { className: "qa-list", "aria-labelledby": "qa-samples-title" }, [
        el("h3", { id: "qa-samples-title", text: "抽樣結果" }), ui.samples]),
      ui.review,
    ]),
    el("section", { "aria-labelledby": "qa-reviews-title" }, [el("h3", { id: "qa-reviews-title", text: "本月抽測評分" }), ui.reviews]),
  ]));
  try {
    checklist = await ctx.api("/api/quality/checklist");
  } catch { checklist = []; }
  await Promise.all([loadAgents(), loadReviews()]);
}

export function show() {
  if (ui) { loadAgents(); loadReviews(); }
}

async function loadAgents() {
  let agents = [];
  try {
    agents = await ctx.api(`/api/quality/agents?month=${encodeURIComponent(ui.month.value)}`);
  } catch (error) {
    if (error.status !== 401 && error.status !== 403) ui.status.textContent = error.detail || "無法載入客服人員。";
    return;
  }
  const chosen = ui.agent.value;
  ui.agent.replaceChildren(...agents.map((a) => el("option", {
    value: a.agent, text: `${a.agent}（結案 ${a.closed_chats}，已抽測 ${a.reviewed}）`,
  })));
  if (agents.some((a) => a.agent === chosen)) ui.agent.value = chosen;
  if (!agents.length) {
    ui.agent.append(el("option", { value: "", text: "本月沒有客服人員結案的對話" }));
  }
}

async function drawSample() {
  if (!ui.agent.value) { ui.status.textContent = "請先選擇客服人員。"; return; }
  let drawn;
  try {
    drawn = await ctx.api("/api/quality/sample", { method: "POST", body: {
      month: ui.month.value, agent: ui.agent.value, size: Math.max(1, Math.min(10, Number(ui.size.value) || 3)),
    } });
  } catch (error) {
    if (error.status !== 401 && error.status !== 403) ui.status.textContent = error.detail || "抽樣失敗，請稍後再試。";
    return;
  }
  ui.status.textContent = drawn.length ? `抽出 ${drawn.length} 件尚未抽測的對話。` : "這位客服人員本月的結案對話都已抽測過。";
  ui.samples.replaceChildren(...drawn.map((d) => el("li", {}, [el("button", {
    type: "button", className: "btn btn--ghost qa-sample", onclick: () => openTranscript(d.conversation_id),
    text: `${d.conversation_id}・${(d.closed_at || "").replace("T", " ").slice(0, 16)}・${d.category || "未分類"}`,
  })])));
}

async function openTranscript(id) {
  try {
    current = await ctx.api(`/api/quality/conversations/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error.status !== 401 && error.status !== 403) ctx.toast(error.detail || "無法載入對話。");
    return;
  }
  const saved = current.review;
  const score = el("strong", { className: "qa-score", "aria-live": "polite" });
  const boxes = checklist.map((item) => {
    const hint = current.precheck[item.item] || {};
    const checked = saved ? saved[item.item] : hint.suggested === true;
    const box = el("input", { type: "checkbox", id: `qa-${item.item}`, name: item.item, checked });
    box.addEventListener("change", updateScore);
    const note = hint.suggested === null || hint.suggested === undefined
      ? "系統無法判斷，請人工確認。"
      : hint.suggested ? `系統建議：符合（「${hint.evidence}」）` : "系統建議：未偵測到";
    return el("div", { className: "qa-check" }, [box, el("label", { for: `qa-${item.item}` }, [
      el("span", { text: `${item.label}（${item.points} 分）` }), el("span", { className: "muted small", text: note }),
    ])]);
  });
  const comment = el("textarea", { id: "qa-comment", rows: 2, maxlength: 2000 });
  comment.value = saved && saved.comment ? saved.comment : "";
  function updateScore() {
    const total = boxes.filter((b) => b.querySelector("input").checked).length * POINTS;
    score.textContent = `得分 ${total} / 100`;
  }
  updateScore();
  const form = el("form", { className: "qa-form", onsubmit: async (event) => {
    event.preventDefault();
    const body = { comment: comment.value.trim() || null };
    for (const b of boxes) { const input = b.querySelector("input"); body[input.name] = input.checked; }
    try {
      const review = await ctx.api(`/api/quality/reviews/${encodeURIComponent(current.conversation_id)}`, { method: "PUT", body });
      ctx.toast(`已儲存 ${review.conversation_id} 的評分：${review.score} 分。`);
      ui.samples.querySelectorAll("button").forEach((b) => { if (b.textContent.startsWith(review.conversation_id)) b.classList.add("qa-sample--done"); });
      loadReviews();
      loadAgents();
    } catch (error) {
      if (error.status !== 401 && error.status !== 403) ctx.toast(error.detail || "儲存失敗，請稍後再試。");
    }
  } }, [
    el("fieldset", {}, [el("legend", { text: "禮貌檢核表" }), ...boxes]),
    el("div", { className: "field" }, [el("label", { for: "qa-comment", text: "備註" }), comment]),
    el("div", { className: "qa-actions" }, [score, el("button", { type: "submit", className: "btn btn--primary", text: "儲存評分" })]),
  ]);
  const log = el("ol", { className: "qa-transcript", "aria-label": "對話紀錄" }, current.messages.map((m) => el("li", {
    className: `qa-msg qa-msg--${m.sender}`,
  }, [
    el("span", { className: "qa-who", text: `${SENDERS[m.sender] || m.sender}${m.agent ? ` ${m.agent}` : ""}・${(m.at || "").slice(11, 19)}` }),
    el("span", { className: "qa-text", text: m.text }),
    m.payload && m.payload.kb_id ? el("span", { className: "pill", text: `知識庫 ${m.payload.kb_id}` }) : null,
  ])));
  ui.review.replaceChildren(el("section", { "aria-labelledby": "qa-review-title" }, [
    el("h3", { id: "qa-review-title", text: `對話 ${current.conversation_id}（${current.agent}）` }),
    el("p", { className: "muted small", text: `分類：${current.category || "未分類"}；摘要：${current.summary || "—"}` }),
    log, form,
  ]));
  ui.review.querySelector("h3").setAttribute("tabindex", "-1");
  ui.review.querySelector("h3").focus();
}

async function loadReviews() {
  let reviews = [];
  try {
    reviews = await ctx.api(`/api/quality/reviews?month=${encodeURIComponent(ui.month.value)}`);
  } catch { return; }
  const mark = (v) => (v ? "✓ 是" : "✗ 否");
  const names = ["greeting", "confirmed_need", "anything_else", "thanks", "correct_answer"];
  const heads = ["對話", "客服人員", "問候", "確認需求", "再度確認", "致謝", "答覆正確", "得分", "評分者"];
  ui.reviews.replaceChildren(el("div", { className: "table-wrap" }, [el("table", { className: "data rpt-table" }, [
    el("caption", { text: "抽測評分（依評分時間，新到舊）" }),
    el("thead", {}, [el("tr", {}, heads.map((h) => el("th", { scope: "col", text: h })))]),
    el("tbody", {}, reviews.length ? reviews.map((r) => el("tr", {}, [
      el("th", { scope: "row" }, [el("button", { type: "button", className: "btn btn--link", text: r.conversation_id,
        "aria-label": `開啟對話 ${r.conversation_id}`, onclick: () => openTranscript(r.conversation_id) })]),
      el("td", { text: r.agent }),
      ...names.map((n) => el("td", { text: mark(r[n]) })),
      el("td", { text: String(r.score) }),
      el("td", { text: r.reviewer }),
    ])) : [el("tr", {}, [el("td", { colspan: heads.length, className: "muted", text: "本月還沒有抽測評分。" })])]),
  ])]));
}
