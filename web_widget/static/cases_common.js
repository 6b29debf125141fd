// @ts-check
// Cases (後送案件) shared by the agency page and the supervisor's 後送案件 tab: the case list with
// status and deadline badges, the case record (表1) with its history, the actions the role may
// take in the case's status, and the notifications list. Server text is set with textContent only.

import { loadCatalog } from "./shell.js";
import { ApiError, el } from "./staff.js";

export const STATUS = {
  draft: "待核准", approved: "已核准", dispatched: "已派送", accepted: "已受理", returned: "已退回",
  replied: "已回覆民眾", closed: "已結案",
};
export const URGENCY = { normal: "普通件", urgent: "急件" };
const CHANNEL = { email: "電子郵件", sms: "簡訊", none: "不通知（電話聯繫）" };
const SCALE = { 5: "非常滿意", 4: "滿意", 3: "普通", 2: "不滿意", 1: "非常不滿意" };
const DEADLINE_STATE = { ok: "期限內", soon: "即將到期", overdue: "已逾期" };
const ACTIONS = {
  created: "建立", edit: "修改", approve: "核准", dispatch: "派送", redispatch: "重新派送", accept: "受理",
  return: "退回", reply: "回覆民眾", close: "結案", kb_draft: "轉為知識庫草稿", reminder: "期限提醒", escalated: "陳報督導",
};
const POLL_MS = 30_000;
const TIME = new Intl.DateTimeFormat("zh-TW", {
  timeZone: "Asia/Taipei", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  hour12: false,
});

/** Add cases.css once (pages that do not link it themselves). */
export function ensureCss() {
  if (!document.querySelector('link[href="/static/cases.css"]')) {
    document.head.append(el("link", { rel: "stylesheet", href: "/static/cases.css" }));
  }
}

/** Epoch seconds as Asia/Taipei wall time. */
export function taipei(ts) {
  return ts === null || ts === undefined ? "—" : TIME.format(new Date(ts * 1000));
}

export function statusBadge(status) {
  return el("span", { className: `badge badge--${status}`, text: STATUS[status] || status });
}

/** Badges for urgency, each running deadline (label, due time, state in words) and escalation. */
export function deadlineBadges(record) {
  const badges = [];
  if (record.urgency === "urgent") badges.push(el("span", { className: "badge badge--urgent", text: "急件" }));
  for (const d of record.deadlines || []) {
    badges.push(el("span", {
      className: `badge badge--${d.state}`, text: `${d.label}期限 ${taipei(d.due_at)}・${DEADLINE_STATE[d.state] || d.state}`,
    }));
  }
  if (record.escalated_at) badges.push(el("span", { className: "badge badge--escalated", text: "已陳報督導" }));
  return badges;
}

function message(error) {
  if (error instanceof ApiError) {
    if (typeof error.detail === "string") return error.detail;
    if (Array.isArray(error.detail)) return "資料格式有誤，請檢查必填欄位。";
    return `操作失敗（${error.status}）`;
  }
  return "操作失敗，請稍後再試。";
}

function field(id, label, control) {
  control.id = id;
  return el("div", { className: "field" }, [el("label", { for: id, text: label }), control]);
}

function agencySelect(agencies, current) {
  const select = el("select", { required: true });
  for (const name of agencies.includes(current) || !current ? agencies : [current, ...agencies]) {
    select.append(el("option", { value: name, text: name, selected: name === current }));
  }
  return select;
}

/**
 * Mount the case board in ``root``. ``role`` is "supervisor" or "agency"; ``api`` is staff.js's
 * apiClient. Returns {refresh} (the supervisor tab calls it when the tab is shown).
 * @param {HTMLElement} root
 * @param {{ api: import("./staff.js").Api, role: string, toast?: (text: string) => void }} options
 */
export function mountBoard(root, { api, role, toast = () => {} }) {
  ensureCss();
  const p = `cases-${role}`;
  const state = { cases: [], selected: null, agencies: [], timer: 0 };
  const count = el("span", { className: "pill", "aria-live": "polite", text: "0 件" });
  const statusFilter = el("select", {}, [el("option", { value: "", text: "全部" }),
    ...Object.entries(STATUS).filter(([k]) => role === "supervisor" || !["draft", "approved"].includes(k))
      .map(([value, text]) => el("option", { value, text }))]);
  const agencyFilter = el("select", {}, [el("option", { value: "", text: "全部機關" })]);
  const tbody = el("tbody");
  const empty = el("p", { className: "case-empty", text: "目前沒有案件。", hidden: true });
  const detail = el("section", { className: "pane case-detail", "aria-labelledby": `${p}-detail-title`, tabindex: "-1" });
  const notices = el("ul", { className: "notice-list", "aria-label": "通知清單" });
  const status = el("p", { className: "case-status", role: "status", "aria-live": "polite" });

  const say = (text) => { status.textContent = text; };
  const toolbar = el("div", { className: "case-toolbar" }, [
    field(`${p}-status`, "狀態篩選", statusFilter),
    role === "supervisor" ? field(`${p}-agency`, "機關篩選", agencyFilter) : null,
    el("button", { type: "button", className: "btn btn--secondary btn--small", text: "重新整理", onclick: () => refresh() }),
    role === "supervisor" ? el("button", {
      type: "button", className: "btn btn--ghost btn--small", text: "立即檢查期限",
      onclick: async () => {
        try {
          const t = await api("/api/cases/sweep", { method: "POST" });
          say(`已檢查 ${t.checked} 件：提醒 ${t.reminders}、催辦 ${t.overdue}、陳報 ${t.escalations}。`);
          await refresh();
        } catch (error) { say(message(error)); }
      },
    }) : null,
  ]);
  statusFilter.addEventListener("change", () => refresh());
  agencyFilter.addEventListener("change", () => refresh());

  const listPane = el("section", { className: "pane", "aria-labelledby": `${p}-list-title` }, [
    el("div", { className: "pane-head" }, [el("h2", { id: `${p}-list-title`, text: "後送案件" }), count]),
    toolbar,
    el("table", { className: "case-table" }, [
      el("caption", { text: "案件清單（點選案號查看與處理）" }),
      el("thead", {}, [el("tr", {}, ["案號", "狀態", "承辦機關", "問題概述", "期限"].map((t) => el("th", { scope: "col", text: t })))]),
      tbody,
    ]),
    empty,
  ]);
  const noticePane = el("section", { className: "pane", "aria-labelledby": `${p}-notice-title` }, [
    el("div", { className: "pane-head" }, [
      el("h2", { id: `${p}-notice-title`, text: "通知" }),
      el("button", {
        type: "button", className: "btn btn--ghost btn--small", text: "全部標示已讀",
        onclick: async () => {
          try { await api("/api/notifications/read", { method: "POST", body: { ids: [] } }); await loadNotices(); }
          catch (error) { say(message(error)); }
        },
      }),
    ]),
    notices,
  ]);
  root.replaceChildren(status, el("div", { className: "case-board" }, [listPane, el("div", { className: "case-side" }, [detail, noticePane])]));
  renderDetail(null);

  async function refresh({ detail: withDetail = true } = {}) {
    const query = new URLSearchParams();
    if (statusFilter.value) query.set("status", statusFilter.value);
    if (agencyFilter.value) query.set("agency", agencyFilter.value);
    try {
      if (role === "supervisor" && !state.agencies.length) {
        state.agencies = (await loadCatalog(api)).agencies;
        for (const name of state.agencies) agencyFilter.append(el("option", { value: name, text: name }));
      }
      state.cases = await api(`/api/cases${query.toString() ? `?${query}` : ""}`);
    } catch (error) { say(message(error)); return; }
    renderList();
    await loadNotices();
    if (withDetail && state.selected) await select(state.selected.id, false);
  }

  function renderList() {
    count.textContent = `${state.cases.length} 件`;
    empty.hidden = state.cases.length > 0;
    tbody.replaceChildren(...state.cases.map((c) => el("tr", { "aria-current": state.selected && state.selected.id === c.id ? "true" : null }, [
      el("td", {}, [el("button", {
        type: "button", className: "btn btn--link", text: c.number, "aria-label": `查看案件 ${c.number}`,
        onclick: () => select(c.id, true),
      })]),
      el("td", {}, [statusBadge(c.status)]),
      el("td", { text: c.agency }),
      el("td", { className: "summary-cell", text: c.summary.length > 60 ? `${c.summary.slice(0, 60)}…` : c.summary }),
      el("td", {}, deadlineBadges(c)),
    ])));
  }

  async function select(id, focus) {
    try {
      state.selected = await api(`/api/cases/${id}`);
    } catch (error) {
      state.selected = null;
      say(message(error));
    }
    renderDetail(state.selected);
    renderList();
    if (focus) detail.focus();
  }

  async function act(path, body, done) {
    try {
      const updated = await api(`/api/cases/${state.selected.id}/${path}`, { method: "POST", body });
      say(`案件 ${updated.number}：${done}`);
      toast(`案件 ${updated.number}：${done}`);
      state.selected = updated;
      await refresh();
    } catch (error) { say(message(error)); }
  }

  function renderDetail(record) {
    const title = el("h3", { id: `${p}-detail-title`, text: record ? `案件 ${record.number}` : "案件內容" });
    if (!record) {
      detail.replaceChildren(title, el("p", { className: "muted", text: "請從清單選擇案件。" }));
      return;
    }
    const rows = [
      ["狀態", STATUS[record.status]], ["緊急程度", URGENCY[record.urgency]], ["受理人員", record.receiver],
      ["受話時間", taipei(record.received_at)], ["民眾姓名", record.citizen_name], ["聯絡方式", record.citizen_contact],
      ["問題概述（人事時地物）", record.summary], ["類別", record.category || "—"], ["承辦機關", record.agency],
      ["派送時間", taipei(record.dispatched_at)], ["受理", record.accepted_at ? `${record.accepted_by}・${taipei(record.accepted_at)}` : "—"],
      ["回覆民眾期限", taipei(record.reply_due_at)], ["辦結期限", taipei(record.resolve_due_at)],
      ["回覆民眾", record.replied_at ? `${taipei(record.replied_at)}：${record.reply_text || ""}` : "—"],
      ["退回原因", record.return_reason || "—"], ["催辦次數", String(record.reminders)],
      ["結案", record.closed_at ? `${record.closed_by}・${taipei(record.closed_at)}${record.general_answer ? "（通則性答案）" : ""}` : "—"],
      ["知識庫草稿", record.kb_draft_id || "—"],
      ["通報機關", record.reporting_agency || "—"],
      ["通知民眾方式", CHANNEL[record.notify_channel] || "—"],
      ["已通知民眾", (record.notices || []).map((n) => `${taipei(n.created_at)} ${n.kind === "closed" ? "結案" : "回覆"}・`
        + `${CHANNEL[n.channel]} ${n.address_masked}${n.sent_at ? "（已送出）" : n.error ? `（失敗：${n.error}）` : "（傳送中）"}`).join("；") || "—"],
      ["滿意度", record.survey ? `${SCALE[record.survey.score]}（${record.survey.source === "citizen" ? "民眾線上填寫" : "電話調查"}）`
        + `${record.survey.comment ? `：${record.survey.comment}` : ""}${record.survey.forwarded_at ? "・已轉知機關" : ""}` : "—"],
    ];
    const fields = el("dl", { className: "case-fields" });
    for (const [label, value] of rows) fields.append(el("dt", { text: label }), el("dd", { text: value ?? "—" }));
    const events = el("ol", { className: "case-events", "aria-label": "處理紀錄" }, (record.events || []).map((e) => el("li", {}, [
      el("time", { text: taipei(e.at) }),
      document.createTextNode(`${e.actor === "system" ? "系統" : e.actor} ${ACTIONS[e.action] || e.action}`
        + (e.note ? `：${["reminder", "escalated"].includes(e.action) ? e.note.split(" ").slice(1).join(" ") : e.note}` : "")),
    ])));
    detail.replaceChildren(title, el("div", {}, deadlineBadges(record)), fields, actionsFor(record) || "",
      el("h4", { text: "處理紀錄" }), events);
  }

  function actionsFor(record) {
    const forms = role === "supervisor" ? supervisorActions(record) : agencyActions(record);
    return forms.length ? el("div", { className: "case-actions", role: "group", "aria-label": "案件處理" }, forms) : null;
  }

  function form(name, children, submitText, onSubmit, danger) {
    const node = el("form", { "aria-label": name, novalidate: true }, [
      ...children, el("div", { className: "row" }, [el("button", { type: "submit", className: `btn ${danger ? "btn--danger" : "btn--primary"}`, text: submitText })]),
    ]);
    node.addEventListener("submit", (event) => { event.preventDefault(); onSubmit(); });
    return node;
  }

  function supervisorActions(record) {
    const id = `${p}-${record.id}`;
    if (record.status === "draft") {
      const inputs = {
        citizen_name: el("input", { maxlength: "100", value: record.citizen_name }),
        citizen_contact: el("input", { maxlength: "100", value: record.citizen_contact }),
        summary: el("textarea", { rows: "4", maxlength: "2000" }),
        category: el("input", { maxlength: "100", value: record.category || "" }),
        urgency: el("select", {}, Object.entries(URGENCY).map(([value, text]) => el("option", { value, text, selected: value === record.urgency }))),
        agency: agencySelect(state.agencies, record.agency),
      };
      inputs.summary.value = record.summary;
      const labels = { citizen_name: "民眾姓名", citizen_contact: "聯絡方式", summary: "問題概述（人事時地物）", category: "類別", urgency: "緊急程度", agency: "承辦機關" };
      const edit = form("核准前修改", Object.entries(inputs).map(([k, c]) => field(`${id}-${k}`, labels[k], c)), "儲存修改", async () => {
        const body = Object.fromEntries(Object.entries(inputs).map(([k, c]) => [k, c.value.trim()])
          .filter(([k, v]) => v !== (record[k] || "")));  // only what changed, so the history says what was edited
        if (!Object.keys(body).length) { say("沒有需要儲存的修改。"); return; }
        try {
          state.selected = await api(`/api/cases/${record.id}`, { method: "PATCH", body });
          say(`案件 ${record.number}：已儲存修改`);
          await refresh();
        } catch (error) { say(message(error)); }
      });
      edit.querySelector("button").className = "btn btn--secondary";
      const approve = el("button", { type: "button", className: "btn btn--primary", text: "核准", onclick: () => act("approve", undefined, "已核准") });
      return [edit, el("div", { className: "row" }, [approve])];
    }
    if (record.status === "approved" || record.status === "returned") {
      const again = record.status === "returned";
      const agency = agencySelect(state.agencies, record.agency);
      return [form(again ? "重新派送" : "派送", [field(`${id}-dispatch-agency`, "承辦機關", agency)], again ? "重新派送" : "派送",
        () => act(again ? "redispatch" : "dispatch", { agency: agency.value }, again ? "已重新派送" : "已派送"))];
    }
    const out = record.status === "replied" ? [closeForm(record)] : [];
    if ((record.status === "replied" || record.status === "closed") && !record.survey) out.push(surveyForm(record));
    return out;
  }

  function surveyForm(record) {
    // 表1 滿意度調查: the supervisor phoned the citizen; forwarded to the agency by the server
    const id = `${p}-${record.id}-survey`;
    const score = el("select", {}, Object.entries(SCALE).reverse().map(([value, text]) => el("option", { value, text })));
    const comment = el("input", { maxlength: "1000" });
    return form("記錄滿意度（電話調查）", [field(`${id}-score`, "民眾滿意度", score), field(`${id}-comment`, "民眾意見（選填）", comment)],
      "記錄滿意度", async () => {
        try {
          await api(`/api/cases/${record.id}/survey`, { method: "POST", body: { score: Number(score.value), comment: comment.value.trim() || null } });
          say(`案件 ${record.number}：已記錄滿意度並轉知承辦機關`);
          await refresh();
        } catch (error) { say(message(error)); }
      });
  }

  function closeForm(record) {
    const id = `${p}-${record.id}-close`;
    const general = el("input", { type: "checkbox", id: `${id}-general` });
    const question = el("input", { maxlength: "500", placeholder: "預設為案件的問題概述" });
    return form("結案", [
      el("div", { className: "check" }, [general, el("label", { for: `${id}-general`, text: "通則性答案（轉為知識庫 FAQ 草稿，待督導審核）" })]),
      field(`${id}-question`, "FAQ 問題（選填）", question),
    ], "結案", () => act("close", { general_answer: general.checked, faq_question: question.value.trim() || null }, "已結案"), true);
  }

  function agencyActions(record) {
    const id = `${p}-${record.id}`;
    const out = [];
    if (record.status === "dispatched") {
      out.push(el("div", { className: "row" }, [el("button", { type: "button", className: "btn btn--primary", text: "受理", onclick: () => act("accept", undefined, "已受理") })]));
    }
    if (record.status === "accepted" || record.status === "replied") {
      const text = el("textarea", { rows: "4", maxlength: "4000", required: true });
      out.push(form("回覆民眾", [field(`${id}-reply`, record.status === "replied" ? "補充回覆內容" : "回覆民眾內容", text)], "送出回覆", () => {
        if (!text.value.trim()) { text.setAttribute("aria-invalid", "true"); say("請填寫回覆民眾的內容。"); text.focus(); return; }
        act("reply", { text: text.value.trim() }, "已回覆民眾");
      }));
    }
    if (record.status === "dispatched" || record.status === "accepted") {
      const reason = el("textarea", { rows: "2", maxlength: "2000", required: true, placeholder: "例如：非本機關業務，應由內政部辦理" });
      out.push(form("退回", [field(`${id}-reason`, "退回原因", reason)], "退回", () => {
        if (!reason.value.trim()) { reason.setAttribute("aria-invalid", "true"); say("退回需要填寫原因。"); reason.focus(); return; }
        act("return", { reason: reason.value.trim() }, "已退回");
      }, true));
    }
    if (record.status === "replied") out.push(closeForm(record));
    return out;
  }

  async function loadNotices() {
    let rows;
    try { rows = await api("/api/notifications?limit=50"); } catch { return; }
    notices.replaceChildren(...(rows.length ? rows.map((n) => el("li", { className: n.read_at ? null : "unread" }, [
      n.case_id ? el("button", {
        type: "button", className: "btn btn--link", text: `${n.read_at ? "" : "【未讀】"}${n.text}`,
        onclick: async () => {
          try { await api("/api/notifications/read", { method: "POST", body: { ids: [n.id] } }); } catch { /* shown below */ }
          await select(n.case_id, true);
          await loadNotices();
        },
      }) : el("span", { text: n.text }),
      el("time", { text: taipei(n.created_at) }),
    ])) : [el("li", { className: "muted", text: "沒有通知。" })]));
  }

  clearInterval(state.timer);
  // polling leaves the open case alone so a half-written reply is not wiped
  state.timer = setInterval(() => { if (root.isConnected && !root.closest("[hidden]")) refresh({ detail: false }); }, POLL_MS);
  refresh();
  return { refresh };
}
