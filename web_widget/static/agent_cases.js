// @ts-check
// agent_cases.js: the 建立後送案件 form in the agent console's KB pane (<section id="case-tools">),
// for the active chat: citizen name and contact, the citizen's consent (required), the 人事時地物
// summary, category, urgency and the responsible agency pre-filled from the server's suggestion;
// below it the agent's own cases with their status. Loaded after agent.js.

import { STATUS, ensureCss, taipei } from "./cases_common.js";
import { loadCatalog } from "./shell.js";
import { ApiError, apiClient, el, sessionStore } from "./staff.js";

const section = document.getElementById("case-tools");
let auth = sessionStore("hotline.agent").load();
let conversationId = null;
let prefillFor = null;
const api = apiClient(() => (auth ? auth.token : ""), () => { /* agent.js shows the login again */ });

function input(id, label, control) {
  control.id = id;
  return el("div", { className: "field" }, [el("label", { for: id, text: label }), control]);
}

const f = {
  name: el("input", { maxlength: "100", autocomplete: "off", required: true }),
  contact: el("input", { maxlength: "100", autocomplete: "off", required: true, placeholder: "電話或手機" }),
  consent: el("input", { type: "checkbox", id: "case-consent", required: true }),
  summary: el("textarea", { rows: "4", maxlength: "2000", required: true, placeholder: "人：　事：　時：　地：　物：" }),
  category: el("input", { maxlength: "100", list: "case-categories", autocomplete: "off" }),
  urgency: el("select", {}, [el("option", { value: "normal", text: "普通件（7 日內辦結）" }), el("option", { value: "urgent", text: "急件（3 日內辦結）" })]),
  agency: el("select", { required: true }),
};
const chatLabel = el("p", { className: "muted small" });
const error = el("p", { className: "form-error", role: "alert", hidden: true });
const status = el("p", { className: "case-status", role: "status", "aria-live": "polite" });
const mine = el("ul", { className: "case-mine", "aria-label": "我建立的案件" });
// the categories come from the server (GET /api/catalog) once logged in
const categoryList = el("datalist", { id: "case-categories" });
const form = el("form", { className: "case-form", "aria-labelledby": "case-tools-title", novalidate: true }, [
  input("case-citizen-name", "民眾姓名", f.name),
  input("case-citizen-contact", "聯絡方式", f.contact),
  el("div", { className: "check" }, [f.consent, el("label", { for: "case-consent", text: "民眾同意將個人資料提供承辦機關處理（必要）" })]),
  input("case-summary", "問題概述（人、事、時、地、物）", f.summary),
  input("case-category", "案件類別", f.category),
  categoryList,
  input("case-urgency", "緊急程度", f.urgency),
  input("case-agency", "承辦機關（系統建議，可更改）", f.agency),
  error,
  el("button", { type: "submit", className: "btn btn--primary btn--block", text: "建立後送案件" }),
]);

function fail(text, control) {
  error.textContent = text;
  error.hidden = false;
  if (control) { control.setAttribute("aria-invalid", "true"); control.focus(); }
}

async function prefill() {
  if (!conversationId || prefillFor === conversationId) return;
  prefillFor = conversationId;
  form.reset();
  error.hidden = true;
  for (const control of Object.values(f)) control.removeAttribute("aria-invalid");
  chatLabel.textContent = `對話：${conversationId.slice(0, 8)}`;
  try {
    const data = await api(`/api/cases/prefill?conversation_id=${encodeURIComponent(conversationId)}`);
    f.name.value = data.citizen_name || "";
    f.contact.value = data.citizen_contact || "";
    f.summary.value = data.summary || "";
    f.category.value = data.category || "";
    f.agency.replaceChildren(...data.agencies.map((a) => el("option", { value: a, text: a, selected: a === data.agency })));
    f.agency.value = data.agency || data.agencies[0] || "";
  } catch (e) {
    prefillFor = null;
    status.textContent = e instanceof ApiError && typeof e.detail === "string" ? e.detail : "無法取得建議的承辦機關。";
  }
}

async function loadMine() {
  if (!auth) return;
  try {
    const rows = await api("/api/cases");
    mine.replaceChildren(...rows.slice(0, 10).map((c) => el("li", {
      text: `${c.number}・${c.agency}・${STATUS[c.status] || c.status}・${taipei(c.received_at)}`,
    })));
  } catch { /* the list is a convenience */ }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  for (const control of Object.values(f)) control.removeAttribute("aria-invalid");
  if (!f.name.value.trim()) return fail("請填寫民眾姓名。", f.name);
  if (!f.contact.value.trim()) return fail("請填寫聯絡方式。", f.contact);
  if (!f.consent.checked) return fail("須經民眾同意，才能將資料提供承辦機關。", f.consent);
  if (!f.summary.value.trim()) return fail("請填寫問題概述（人、事、時、地、物）。", f.summary);
  if (!f.agency.value) return fail("請選擇承辦機關。", f.agency);
  try {
    const created = await api("/api/cases", {
      method: "POST",
      body: {
        conversation_id: conversationId, citizen_name: f.name.value.trim(), citizen_contact: f.contact.value.trim(),
        consent: true, summary: f.summary.value.trim(), category: f.category.value.trim() || null,
        urgency: f.urgency.value, agency: f.agency.value,
      },
    });
    status.textContent = `已建立後送案件 ${created.number}（${created.agency}），待督導核准。`;
    f.consent.checked = false;
    await loadMine();
  } catch (e) {
    fail(e instanceof ApiError && typeof e.detail === "string" ? e.detail : "建立失敗，請稍後再試。");
  }
});

function render() {
  const staff = auth && (auth.role === "agent" || auth.role === "supervisor");
  section.hidden = !(staff && conversationId);
  if (!section.hidden) prefill();
}

ensureCss();
// Folded by default, so the KB search results above keep the pane's height (issue 13).
section.replaceChildren(el("details", { className: "case-drawer" }, [
  el("summary", { id: "case-tools-title", text: "建立後送案件" }), chatLabel, form, status,
  el("h3", { className: "small", text: "我建立的案件" }), mine]));
document.addEventListener("hotline:session", (event) => {
  auth = /** @type {CustomEvent} */ (event).detail;
  if (auth && !categoryList.children.length) {
    loadCatalog(api).then((catalog) => {
      if (!categoryList.children.length) categoryList.append(...catalog.categories.map((c) => el("option", { value: c })));
    }, () => { /* the field stays free text */ });
  }
  if (!auth) { conversationId = null; prefillFor = null; }
  render();
  loadMine();
});
document.addEventListener("hotline:active-chat", (event) => {
  const detail = /** @type {CustomEvent} */ (event).detail;
  conversationId = detail ? detail.conversationId : null;
  render();
});
render();
loadMine();
