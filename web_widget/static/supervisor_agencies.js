// @ts-check
// supervisor_agencies.js: the 機關 tab of /supervisor. Agencies as data (GET/PATCH/POST /api/agencies):
// contact person, e-mail, extension, active. A case's escalation is e-mailed to its agency's contact;
// 財政部國庫署's address receives the closing notices. Text is set with textContent only.

import { el } from "./staff.js";

let ctx = null;
let ui = null;

function reason(error, fallback) {
  return typeof error.detail === "string" ? error.detail : fallback;
}

const FIELDS = [["contact_person", "聯絡人", "text", 100], ["email", "電子郵件", "email", 200], ["extension", "電話／分機", "text", 40]];

export async function mount(panel, context) {
  ctx = context;
  ui = {
    status: el("p", { className: "muted", role: "status", "aria-live": "polite" }),
    body: el("tbody"),
    name: el("input", { id: "agency-new-name", maxlength: "100", required: true }),
    email: el("input", { id: "agency-new-email", type: "email", maxlength: "200" }),
  };
  const table = el("table", { className: "data-table agencies-table" }, [
    el("caption", { text: "各機關承辦窗口（陳報督導及結案通知寄送對象）" }),
    el("thead", {}, [el("tr", {}, [
      el("th", { scope: "col", text: "機關" }), ...FIELDS.map(([, label]) => el("th", { scope: "col", text: label })),
      el("th", { scope: "col", text: "啟用" }), el("th", { scope: "col", text: "最後修改" }),
      el("th", { scope: "col", text: "動作" }),
    ])]),
    ui.body,
  ]);
  const add = el("form", { className: "rpt-controls", onsubmit: (event) => { event.preventDefault(); create(); } }, [
    el("div", { className: "field" }, [el("label", { for: "agency-new-name", text: "新增機關名稱" }), ui.name]),
    el("div", { className: "field" }, [el("label", { for: "agency-new-email", text: "電子郵件" }), ui.email]),
    el("button", { type: "submit", className: "btn btn--secondary", text: "新增機關" }),
  ]);
  panel.append(el("div", { className: "pane-head" }, [el("h2", { text: "機關與承辦窗口" })]), ui.status, table, add);
}

export function show() {
  return refresh();
}

async function refresh() {
  try {
    const agencies = await ctx.api("/api/agencies");
    ui.body.replaceChildren(...agencies.map(row));
    ui.status.textContent = `共 ${agencies.length} 個機關。`;
  } catch (error) {
    ui.status.textContent = reason(error, "無法載入機關清單。");
  }
}

function row(agency) {
  const slug = encodeURIComponent(agency.name).replace(/%/g, "");
  const inputs = {};
  const cells = FIELDS.map(([key, label, type, max]) => {
    inputs[key] = el("input", { type, value: agency[key] || "", maxlength: String(max), "aria-label": `${agency.name} ${label}`,
                                id: `agency-${slug}-${key}`, "data-field": key });
    return el("td", {}, [inputs[key]]);
  });
  inputs.active = el("input", { type: "checkbox", "aria-label": `${agency.name} 啟用`, "data-field": "active" });
  inputs.active.checked = Boolean(agency.active);
  const save = el("button", { type: "button", className: "btn btn--primary btn--small", text: "儲存",
                              "aria-label": `儲存 ${agency.name}`, onclick: () => update(agency.name, inputs) });
  return el("tr", { "data-agency": agency.name }, [
    el("th", { scope: "row", text: agency.name }), ...cells, el("td", {}, [inputs.active]),
    el("td", { text: agency.updated_by || "—" }), el("td", {}, [save]),
  ]);
}

async function update(name, inputs) {
  const body = { active: inputs.active.checked };
  for (const [key] of FIELDS) body[key] = inputs[key].value.trim();
  try {
    await ctx.api(`/api/agencies/${encodeURIComponent(name)}`, { method: "PATCH", body });
    ctx.toast(`已更新 ${name} 的承辦窗口。`);
    await refresh();
  } catch (error) {
    ui.status.textContent = `${name}：${reason(error, "儲存失敗，請確認電子郵件格式。")}`;
  }
}

async function create() {
  const name = ui.name.value.trim();
  if (!name) return;
  try {
    await ctx.api("/api/agencies", { method: "POST", body: { name, email: ui.email.value.trim() || null } });
    ui.name.value = "";
    ui.email.value = "";
    ctx.toast(`已新增 ${name}。`);
    await refresh();
  } catch (error) {
    ui.status.textContent = reason(error, "新增失敗。");
  }
}
