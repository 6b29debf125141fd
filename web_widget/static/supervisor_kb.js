// @ts-check
// 知識庫維護 tab of /supervisor: the review queue (drafts and pending edits with a before/after
// view), search and edit, approve (a new revision, live at once, announced to agents) or reject,
// each entry's revision history, and who acknowledged which announcement.
// API: handoff/api/kb_admin.py. Every server text is rendered with textContent.

import { el } from "./staff.js";

const FIELDS = [
  { name: "question", label: "問題", multiline: false, max: 500 },
  { name: "answer", label: "答案", multiline: true, max: 5000 },
  { name: "category", label: "類別", multiline: false, max: 100 },
  { name: "agency", label: "承辦機關", multiline: false, max: 100 },
];
const STATUS = { approved: "已上線", draft: "草稿（待審核）", rejected: "已退回" };

let api = null;
/** @type {(text: string) => void} */
let toast = () => {};
const ui = {};
let entries = [];
let currentId = null;

const taipei = new Intl.DateTimeFormat("zh-TW", {
  timeZone: "Asia/Taipei", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
});

/** Epoch seconds (number) or an ISO string, shown in Asia/Taipei. */
function when(value) {
  if (value === null || value === undefined || value === "") return "";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : taipei.format(date);
}

function errorText(error) {
  if (error && typeof error.detail === "string" && error.detail) return error.detail;
  if (error && error.status === 0) return "無法連線到伺服器，請稍後再試。";
  return "操作失敗，請稍後再試。";
}

export async function mount(panel, context) {
  api = context.api;
  toast = context.toast;
  ui.reviewCount = el("span", { className: "pill", "aria-live": "polite" });
  ui.reviewList = el("ul", { className: "kb-list", "aria-label": "待審核項目" });
  ui.reviewEmpty = el("p", { className: "empty", text: "目前沒有待審核的草稿或修改。", hidden: true });
  ui.query = el("input", { id: "kb-admin-query", type: "search", maxlength: "200", autocomplete: "off",
    placeholder: "關鍵字或編號，例如：ATM" });
  ui.listStatus = el("p", { className: "muted small", role: "status" });
  ui.entryList = el("ul", { className: "kb-list kb-list--entries", "aria-label": "知識庫條目" });
  ui.detail = el("section", { className: "kb-detail", "aria-label": "條目內容", tabindex: "-1" }, [
    el("p", { className: "muted", text: "從左側選擇待審核項目或知識庫條目。" }),
  ]);
  ui.acks = el("div", { className: "kb-acks-body" });
  ui.categories = el("datalist", { id: "kb-admin-categories" });
  ui.agencies = el("datalist", { id: "kb-admin-agencies" });

  const search = el("form", { className: "kb-search", role: "search", novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    loadEntries(ui.query.value.trim());
  } }, [
    el("label", { for: "kb-admin-query", className: "sr-only", text: "搜尋知識庫條目" }),
    ui.query,
    el("button", { type: "submit", className: "btn btn--secondary", text: "搜尋" }),
  ]);

  panel.append(
    el("div", { className: "kb-admin" }, [
      el("div", { className: "kb-side" }, [
        el("section", { "aria-labelledby": "kb-review-title" }, [
          el("div", { className: "pane-head" }, [el("h2", { id: "kb-review-title", text: "待審核" }), ui.reviewCount]),
          ui.reviewEmpty, ui.reviewList,
        ]),
        el("section", { "aria-labelledby": "kb-entries-title" }, [
          el("h2", { id: "kb-entries-title", text: "知識庫條目" }),
          search, ui.listStatus, ui.entryList,
        ]),
      ]),
      ui.detail,
    ]),
    el("section", { className: "kb-acks", "aria-labelledby": "kb-acks-title" }, [
      el("div", { className: "pane-head" }, [
        el("h2", { id: "kb-acks-title", text: "佈達確認狀況" }),
        el("button", { type: "button", className: "btn btn--ghost btn--small", text: "重新整理", onclick: loadAcks }),
      ]),
      ui.acks,
    ]),
    ui.categories, ui.agencies,
  );
  await refresh();
}

export function show() {
  refresh();
}

async function refresh() {
  await Promise.all([loadReview(), loadEntries(ui.query.value.trim()), loadAcks()]);
}

// ---- lists ---------------------------------------------------------------------------------------
async function loadReview() {
  let items;
  try {
    items = await api("/api/kb/review");
  } catch (error) {
    ui.reviewEmpty.hidden = false;
    ui.reviewEmpty.textContent = errorText(error);
    return;
  }
  ui.reviewCount.textContent = `${items.length} 項`;
  ui.reviewEmpty.hidden = items.length > 0;
  ui.reviewEmpty.textContent = "目前沒有待審核的草稿或修改。";
  ui.reviewList.replaceChildren(...items.map((item) => el("li", {}, [
    el("button", { type: "button", className: "kb-pick", onclick: () => openEntry(item.entry_id) }, [
      el("span", { className: `pill ${item.kind === "new" ? "kb-pill--new" : "kb-pill--edit"}`,
        text: item.kind === "new" ? "新增" : "修改" }),
      el("span", { className: "kb-pick-id", text: item.entry_id }),
      el("span", { className: "kb-pick-text", text: `${item.after.question || "（未填問題）"}・${item.summary}` }),
    ]),
  ])));
}

async function loadEntries(query) {
  ui.listStatus.textContent = "載入中…";
  let body;
  try {
    body = await api(`/api/kb/entries${query ? `?q=${encodeURIComponent(query)}&limit=50` : ""}`);
  } catch (error) {
    ui.listStatus.textContent = errorText(error);
    return;
  }
  entries = body.entries;
  if (!query) fillSuggestions(entries);
  ui.listStatus.textContent = query
    ? (entries.length ? `找到 ${entries.length} 筆。` : "沒有相符的條目，請換個關鍵字。")
    : `共 ${body.total} 筆已上線條目。`;
  ui.entryList.replaceChildren(...entries.map((entry) => el("li", {}, [
    el("button", { type: "button", className: "kb-pick", onclick: () => openEntry(entry.id) }, [
      el("span", { className: "kb-pick-id", text: entry.id }),
      el("span", { className: "kb-pick-text", text: entry.question }),
      entry.pending ? el("span", { className: "pill kb-pill--edit", text: "待審" }) : null,
    ]),
  ])));
}

function fillSuggestions(rows) {
  const unique = (key) => [...new Set(rows.map((r) => r[key]).filter(Boolean))].sort();
  ui.categories.replaceChildren(...unique("category").map((value) => el("option", { value })));
  ui.agencies.replaceChildren(...unique("agency").map((value) => el("option", { value })));
}

// ---- one entry -----------------------------------------------------------------------------------
async function openEntry(id, notice) {
  currentId = id;
  let data;
  try {
    data = await api(`/api/kb/entries/${encodeURIComponent(id)}`);
  } catch (error) {
    ui.detail.replaceChildren(el("p", { className: "form-error", role: "alert", text: errorText(error) }));
    return;
  }
  if (currentId !== id) return;
  renderEntry(data, notice);
  ui.detail.querySelector("h2").focus();
}

function renderEntry(data, notice) {
  const { entry, review, history } = data;
  const error = el("p", { className: "form-error", role: "alert", hidden: true });
  const showError = (text) => { error.textContent = text; error.hidden = false; };
  const status = entry.status === "approved" ? `${STATUS.approved}・第 ${entry.revision} 版` : STATUS[entry.status] || entry.status;
  ui.detail.replaceChildren(
    el("div", { className: "kb-detail-head" }, [
      el("h2", { id: "kb-detail-title", tabindex: "-1", text: `${entry.id}　${entry.question || "（未填問題）"}` }),
      el("span", { className: "pill", text: status }),
    ]),
    notice ? el("p", { className: "kb-notice", role: "status", text: notice }) : null,
    error,
    review ? reviewBlock(entry, review, showError) : null,
    entry.status === "rejected" ? null : editForm(entry, review, showError),
    historyBlock(history),
  );
}

function reviewBlock(entry, review, showError) {
  const note = el("input", { id: "kb-approve-note", maxlength: "500", autocomplete: "off" });
  const reason = el("input", { id: "kb-reject-reason", maxlength: "500", autocomplete: "off" });
  // Personal data in text about to be published (王先生, IDs, phones, accounts): warn, and approval needs a tick.
  const warnings = review.pii_warnings || [];
  const piiConfirm = warnings.length ? el("input", { type: "checkbox", id: "kb-pii-confirm" }) : null;
  const piiBlock = warnings.length ? el("div", { className: "kb-warn", role: "alert" }, [
    el("p", { text: "內容疑似含有個人資料：" + warnings.map((w) => `${w.field}（${w.labels.join("、")}）`).join("；") }),
    el("label", { for: "kb-pii-confirm" }, [piiConfirm, " 我已確認內容不含民眾個人資料，可以公開"]),
  ]) : null;
  const who = review.proposed_by ? `${review.proposed_by} 於 ${when(review.proposed_at)} 提出` : `草稿建立於 ${when(review.proposed_at)}`;
  const approve = async () => {
    try {
      const result = await api(`/api/kb/entries/${encodeURIComponent(entry.id)}/approve`, {
        method: "POST", body: { note: note.value.trim(), confirm_pii: Boolean(piiConfirm && piiConfirm.checked) },
      });
      let text = `已核准第 ${result.revision} 版，機器人即時使用新內容，並已佈達給客服人員。`;
      if (result.retrain_needed) {
        text += " 這是新的問題：需由語意工程師重新訓練並部署模型，機器人才會辨識它"
          + (result.training_file ? `（例句已寫入 ${result.training_file}）。` : "。");
      }
      if (result.training_error) text += ` ${result.training_error}`;
      toast(`已核准 ${entry.id} 第 ${result.revision} 版。`);
      await Promise.all([loadReview(), loadEntries(ui.query.value.trim()), loadAcks()]);
      await openEntry(entry.id, text);
    } catch (error) {
      showError(errorText(error));
    }
  };
  const reject = async () => {
    if (!reason.value.trim()) {
      reason.setAttribute("aria-invalid", "true");
      showError("請填寫退回原因。");
      reason.focus();
      return;
    }
    try {
      await api(`/api/kb/entries/${encodeURIComponent(entry.id)}/reject`, { method: "POST", body: { reason: reason.value.trim() } });
      toast(`已退回 ${entry.id}。`);
      await Promise.all([loadReview(), loadEntries(ui.query.value.trim())]);
      await openEntry(entry.id, "已退回，上線內容不變。");
    } catch (error) {
      showError(errorText(error));
    }
  };
  return el("section", { className: "kb-review", "aria-labelledby": "kb-review-head" }, [
    el("h3", { id: "kb-review-head", text: review.kind === "new" ? `待審核：新增條目` : `待審核：${review.summary}` }),
    el("p", { className: "muted small", text: who }),
    review.stale ? el("p", { className: "kb-warn", text: "上線內容在這項修改提出後已更新，請檢查並重新儲存修改後再核准。" }) : null,
    piiBlock,
    review.kind === "new"
      ? el("p", { className: "kb-warn", text: "新條目核准後立即可供查詢；機器人要在模型重新訓練並部署後才會辨識這個新問題。" })
      : null,
    el("div", { className: "kb-diff" }, review.changes.map((change) => diffRow(change, review.kind === "new"))),
    review.examples && review.examples.length ? el("div", { className: "kb-examples" }, [
      el("h4", { text: "提案附帶的訓練例句" }),
      el("ul", {}, review.examples.map((text) => el("li", { text }))),
    ]) : null,
    el("div", { className: "kb-decide" }, [
      el("div", { className: "field" }, [el("label", { for: "kb-approve-note", text: "核准說明（選填，會寫入版本紀錄與佈達）" }), note]),
      el("button", { type: "button", className: "btn btn--primary", text: "核准並佈達", onclick: approve }),
      el("div", { className: "field" }, [el("label", { for: "kb-reject-reason", text: "退回原因" }), reason]),
      el("button", { type: "button", className: "btn btn--danger", text: "退回", onclick: reject }),
    ]),
  ]);
}

/** One field's before/after; deleted text is struck through, inserted text highlighted. */
function diffRow(change, isNew) {
  const side = (title, keep) => el("div", { className: "kb-side-text" }, [
    el("h4", { text: title }),
    el("p", {}, change.segments.filter((s) => s.op === "equal" || s.op === keep).map((s) => {
      if (s.op === "equal") return document.createTextNode(s.text);
      return el(s.op === "delete" ? "del" : "ins", { text: s.text });
    })),
  ]);
  return el("div", { className: "kb-diff-row" }, [
    el("h4", { className: "kb-diff-field", text: change.label }),
    isNew ? el("div", { className: "kb-side-text" }, [el("p", { text: change.after || "（空白）" })])
      : el("div", { className: "kb-diff-pair" }, [side("修改前", "delete"), side("修改後", "insert")]),
  ]);
}

function editForm(entry, review, showError) {
  const base = review ? review.after : entry;
  const inputs = {};
  const rows = FIELDS.map((field) => {
    const id = `kb-edit-${field.name}`;
    const props = { id, name: field.name, maxlength: String(field.max), value: field.multiline ? null : base[field.name] || "" };
    if (field.name === "category") props.list = "kb-admin-categories";
    if (field.name === "agency") props.list = "kb-admin-agencies";
    const input = field.multiline ? el("textarea", { id, name: field.name, rows: "7", maxlength: String(field.max) }) : el("input", props);
    if (field.multiline) input.value = base[field.name] || "";
    inputs[field.name] = input;
    return el("div", { className: "field" }, [el("label", { for: id, text: field.label }), input]);
  });
  const draft = entry.status === "draft";
  const submit = async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(FIELDS.map((f) => [f.name, inputs[f.name].value]));
    try {
      await api(`/api/kb/entries/${encodeURIComponent(entry.id)}`, { method: "PUT", body });
      toast(draft ? "草稿已儲存。" : "修改已送審，核准後才會上線。");
      await Promise.all([loadReview(), loadEntries(ui.query.value.trim())]);
      await openEntry(entry.id, draft ? "草稿已儲存，核准後上線。" : "修改已送審，請檢查修改前後內容後核准。");
    } catch (error) {
      showError(errorText(error));
    }
  };
  return el("form", { className: "kb-edit", "aria-labelledby": "kb-edit-title", novalidate: true, onsubmit: submit }, [
    el("h3", { id: "kb-edit-title", text: draft ? "編輯草稿" : "編輯（送審後由督導核准才會上線）" }),
    ...rows,
    el("button", { type: "submit", className: "btn btn--secondary", text: draft ? "儲存草稿" : "儲存修改並送審" }),
  ]);
}

function historyBlock(history) {
  const revisions = history.revisions.map((rev) => el("li", {}, [
    el("details", {}, [
      el("summary", { text: `第 ${rev.revision} 版・${when(rev.created_at)}・${rev.author}・${rev.note || rev.source}` }),
      el("p", { className: "kb-history-q", text: `問題：${rev.question}` }),
      el("p", { className: "kb-history-a", text: rev.answer }),
      el("p", { className: "muted small", text: `類別：${rev.category}　承辦機關：${rev.agency}` }),
    ]),
  ]));
  const decisions = history.reviews.filter((r) => r.status === "rejected").map((r) => el("li", {
    text: `退回・${when(r.reviewed_at)}・${r.reviewed_by}：${r.note}`,
  }));
  return el("section", { className: "kb-history", "aria-labelledby": "kb-history-title" }, [
    el("h3", { id: "kb-history-title", text: "版本紀錄" }),
    revisions.length ? el("ol", { className: "kb-revisions", "aria-label": "版本紀錄" }, revisions)
      : el("p", { className: "muted", text: "尚未上線，沒有版本紀錄。" }),
    decisions.length ? el("ul", { className: "kb-rejections", "aria-label": "退回紀錄" }, decisions) : null,
  ]);
}

// ---- announcements -------------------------------------------------------------------------------
async function loadAcks() {
  let rows;
  try {
    rows = await api("/api/kb/announcements?limit=30");
  } catch (error) {
    ui.acks.replaceChildren(el("p", { className: "form-error", text: errorText(error) }));
    return;
  }
  if (!rows.length) {
    ui.acks.replaceChildren(el("p", { className: "muted", text: "還沒有任何佈達。" }));
    return;
  }
  const header = ["佈達時間", "條目", "內容", "已確認", "未確認"].map((text) => el("th", { scope: "col", text }));
  ui.acks.replaceChildren(el("table", { className: "kb-acks-table" }, [
    el("caption", { className: "sr-only", text: "佈達確認狀況" }),
    el("thead", {}, [el("tr", {}, header)]),
    el("tbody", {}, rows.map((row) => el("tr", { "data-announcement": String(row.id) }, [
      el("td", { text: when(row.created_at) }),
      el("td", { text: `${row.kb_id}（第 ${row.revision} 版）` }),
      el("td", { text: row.title }),
      el("td", { className: "kb-acked", text: row.acks.length
        ? row.acks.map((a) => `${a.username}（${when(a.acked_at)}）`).join("、") : "—" }),
      el("td", { className: "kb-unacked", text: row.pending.length ? row.pending.join("、") : "全部已確認" }),
    ]))),
  ]));
}
