// @ts-check
// callbacks.js: /callbacks — callback requests as work. Listed by due time; 認領 (claim), 記錄通話
// (reached / no answer / wrong number, with a note), 結案, 重新開啟, and 建立後送案件 through the cases
// API (POST /api/cases with callback_id). API: GET /api/callbacks, POST /api/callbacks/{id}/….

import { startFloor } from "./floor_shell.js";
import { ApiError, el } from "./staff.js";

const OUTCOMES = { reached: "已聯繫", no_answer: "未接聽", wrong_number: "號碼錯誤" };
const STATUS = { open: "待處理", claimed: "處理中", closed: "已結案" };
const $ = (id) => document.getElementById(id);
let ctx = null;

function when(ts) {
  return ts ? new Date(ts * 1000).toLocaleString("zh-TW", { hour12: false, timeZone: "Asia/Taipei" }) : "—";
}

function reason(error, fallback) {
  return error instanceof ApiError && typeof error.detail === "string" ? error.detail : fallback;
}

async function act(path, body, done) {
  try {
    await ctx.api(path, { method: "POST", body });
    $("cb-status").textContent = done;
    await load();
  } catch (error) {
    ctx.toast(reason(error, "操作失敗，請稍後再試。"));
  }
}

function caseForm(row) {
  const agency = el("select", { id: `cb-agency-${row.id}` });
  const consent = el("input", { type: "checkbox", id: `cb-consent-${row.id}` });
  const form = el("form", { className: "cb-actions", novalidate: true, hidden: true }, [
    el("div", { className: "field" }, [el("label", { for: agency.id, text: "承辦機關" }), agency]),
    el("div", { className: "check" }, [consent, el("label", { for: consent.id, text: "民眾同意將資料提供承辦機關" })]),
    el("button", { type: "submit", className: "btn btn--primary btn--small", text: "送出案件" }),
  ]);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!consent.checked) { ctx.toast("須經民眾同意，才能將資料提供承辦機關。"); consent.focus(); return; }
    try {
      const created = await ctx.api("/api/cases", { method: "POST", body: {
        callback_id: row.id, citizen_name: row.name, citizen_contact: row.phone, consent: true, summary: row.question,
        agency: agency.value } });
      $("cb-status").textContent = `已建立後送案件 ${created.number}（${created.agency}），待督導核准。`;
      await load();
    } catch (error) {
      ctx.toast(reason(error, "建立案件失敗。"));
    }
  });
  form.open = async () => {
    form.hidden = false;
    try {
      const prefill = await ctx.api(`/api/cases/prefill?callback_id=${row.id}`);
      agency.replaceChildren(...prefill.agencies.map((a) => el("option", { value: a, text: a, selected: a === prefill.agency })));
    } catch (error) {
      ctx.toast(reason(error, "無法取得承辦機關。"));
    }
  };
  return form;
}

function item(row) {
  const now = Date.now() / 1000;
  const overdue = row.status !== "closed" && row.due_at && row.due_at < now;
  const mine = row.claimed_by === ctx.auth.username;
  const outcome = el("select", { id: `cb-outcome-${row.id}` },
    Object.entries(OUTCOMES).map(([value, text]) => el("option", { value, text })));
  const note = el("input", { id: `cb-note-${row.id}`, maxlength: "1000", placeholder: "通話備註" });
  const buttons = [];
  if (row.status === "open") {
    buttons.push(el("button", { type: "button", className: "btn btn--primary btn--small", text: "認領",
      onclick: () => act(`/api/callbacks/${row.id}/claim`, undefined, `已認領 ${row.number}。`) }));
  }
  const attempt = el("form", { className: "cb-actions", novalidate: true, hidden: !(row.status === "claimed" && (mine || ctx.auth.role === "supervisor")) }, [
    el("div", { className: "field" }, [el("label", { for: outcome.id, text: "通話結果" }), outcome]),
    el("div", { className: "field" }, [el("label", { for: note.id, text: "備註" }), note]),
    el("button", { type: "submit", className: "btn btn--secondary btn--small", text: "記錄通話" }),
    el("button", { type: "button", className: "btn btn--danger btn--small", text: "結案",
      onclick: () => act(`/api/callbacks/${row.id}/close`, undefined, `${row.number} 已結案。`) }),
  ]);
  attempt.addEventListener("submit", (event) => {
    event.preventDefault();
    act(`/api/callbacks/${row.id}/attempts`, { outcome: outcome.value, note: note.value.trim() || null },
      `已記錄 ${row.number} 的通話：${OUTCOMES[outcome.value]}。`);
  });
  if (row.status === "closed") {
    buttons.push(el("button", { type: "button", className: "btn btn--secondary btn--small", text: "重新開啟",
      onclick: () => act(`/api/callbacks/${row.id}/reopen`, undefined, `${row.number} 已重新開啟。`) }));
  }
  const cases = caseForm(row);
  if (!row.case_number) {
    buttons.push(el("button", { type: "button", className: "btn btn--ghost btn--small", text: "建立後送案件",
      onclick: () => cases.open() }));
  }
  const state = row.status === "claimed" ? `處理中（${row.claimed_by}）` : STATUS[row.status] || row.status;
  return el("li", { className: `cb-item cb-item--${row.status}${overdue ? " cb-item--overdue" : ""}`, "data-number": row.number }, [
    el("div", { className: "cb-head" }, [
      el("span", { className: "cb-number", text: row.number || `#${row.id}` }),
      el("span", { className: `cb-badge cb-badge--${row.status}`, text: state }),
      el("span", { text: `${row.name}・${row.phone}` }),
      el("span", { className: "muted small", text: `${overdue ? "已逾期・" : ""}到期 ${when(row.due_at)}` }),
      row.case_number ? el("span", { className: "muted small", text: `後送案件 ${row.case_number}` }) : null,
    ]),
    el("p", { className: "cb-question", text: row.question }),
    row.attempts.length ? el("ol", { className: "cb-attempts", "aria-label": "通話紀錄" }, row.attempts.map((a) =>
      el("li", { text: `${when(a.at)} ${a.agent}：${OUTCOMES[a.outcome] || a.outcome}${a.note ? `（${a.note}）` : ""}` }))) : null,
    el("div", { className: "cb-actions" }, buttons), attempt, cases,
  ]);
}

async function load() {
  const status = /** @type {HTMLSelectElement} */ ($("cb-filter")).value;
  try {
    const rows = await ctx.api(`/api/callbacks${status ? `?status=${status}` : ""}`);
    $("cb-list").replaceChildren(...rows.map(item));
    if (!rows.length) $("cb-list").append(el("li", { className: "empty", text: "目前沒有回電需求。" }));
  } catch (error) {
    $("cb-status").textContent = reason(error, "無法載入回電清單。");
  }
}

startFloor((context) => {
  ctx = context;
  $("cb-filter").addEventListener("change", load);
  load();
  setInterval(load, 30000);
});
