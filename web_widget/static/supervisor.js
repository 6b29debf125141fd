// @ts-check
// hotline supervisor page: login and tabs. Each tab's content is its own module exporting
// mount(panel, context) (called once after login) and optionally show() (called when the tab opens).
// context = { api, session, toast }.

import { startShell } from "./shell.js";

const TABS = {
  cases: "./supervisor_cases.js",
  kb: "./supervisor_kb.js",
  reports: "./supervisor_reports.js",
  quality: "./supervisor_quality.js",
  agencies: "./supervisor_agencies.js",
  wallboard: "./supervisor_wallboard.js",
};
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const mounted = new Map(); // tab → module
/** @type {import("./shell.js").ShellContext | null} */
let context = null;

/** @param {string} name @param {boolean} focus */
async function selectTab(name, focus) {
  for (const key of Object.keys(TABS)) {
    const selected = key === name;
    const tab = $(`tab-${key}`);
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $(`panel-${key}`).hidden = !selected;
  }
  if (focus) $(`tab-${name}`).focus();
  const module = await load(name);
  if (module && typeof module.show === "function") module.show();
}

/** @param {string} name */
async function load(name) {
  if (mounted.has(name)) return mounted.get(name);
  let module = null;
  try {
    module = await import(TABS[name]);
    await module.mount($(`panel-${name}`), { api: context.api, session: context.auth, toast: context.toast });
  } catch (error) {
    console.error(error);
    $(`panel-${name}`).textContent = "這個功能暫時無法載入，請重新整理頁面。";
  }
  mounted.set(name, module);
  return module;
}

const names = Object.keys(TABS);
for (const [index, key] of names.entries()) {
  const tab = $(`tab-${key}`);
  tab.addEventListener("click", () => selectTab(key, false));
  tab.addEventListener("keydown", (event) => {
    let next = null;
    if (event.key === "ArrowRight") next = names[(index + 1) % names.length];
    else if (event.key === "ArrowLeft") next = names[(index - 1 + names.length) % names.length];
    if (next) { event.preventDefault(); selectTab(next, true); }
  });
}

startShell({
  stores: { supervisor: "hotline.supervisor" },
  roles: { supervisor: "督導" },
  view: "sup-view",
  wrongRole: "這個帳號沒有督導權限。",
  forbidden: "這個帳號沒有督導權限。",
  onStart: (started) => {
    context = started;
    selectTab("cases", false);
  },
});
