// hotline supervisor page: login and tabs. Each tab's content is its own module exporting
// mount(panel, context) (called once after login) and optionally show() (called when the tab opens).
// context = { api, session, toast }.

import { apiClient, bindLoginForm, sessionStore } from "./staff.js";

const session = sessionStore("hotline.supervisor");
const TABS = {
  cases: "./supervisor_cases.js",
  kb: "./supervisor_kb.js",
  reports: "./supervisor_reports.js",
  quality: "./supervisor_quality.js",
  agencies: "./supervisor_agencies.js",
  wallboard: "./supervisor_wallboard.js",
};
const $ = (id) => document.getElementById(id);
const ui = {
  loginView: $("login-view"), loginForm: $("login-form"), loginError: $("login-error"),
  username: $("login-username"), password: $("login-password"),
  supView: $("sup-view"), session: $("session"), who: $("who"), logout: $("logout"), toast: $("toast"),
};
let auth = session.load();
const mounted = new Map(); // tab → module
let toastTimer = 0;

const api = apiClient(() => (auth ? auth.token : ""), (status) => {
  logout(status === 403 ? "這個帳號沒有督導權限。" : "登入已逾時，請重新登入。");
});

function toast(text) {
  ui.toast.textContent = text;
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { ui.toast.hidden = true; }, 5000);
}

function showLogin(message) {
  ui.supView.hidden = true;
  ui.session.hidden = true;
  ui.loginView.hidden = false;
  ui.loginError.hidden = !message;
  ui.loginError.textContent = message || "";
  ui.username.focus();
}

function logout(message) {
  auth = null;
  session.save(null);
  showLogin(message);
}

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

async function load(name) {
  if (mounted.has(name)) return mounted.get(name);
  let module = null;
  try {
    module = await import(TABS[name]);
    await module.mount($(`panel-${name}`), { api, session: auth, toast });
  } catch (error) {
    console.error(error);
    $(`panel-${name}`).textContent = "這個功能暫時無法載入，請重新整理頁面。";
  }
  mounted.set(name, module);
  return module;
}

function start() {
  ui.loginView.hidden = true;
  ui.supView.hidden = false;
  ui.session.hidden = false;
  ui.who.textContent = `${auth.username}（督導）`;
  selectTab("cases", false);
}

bindLoginForm({ role: "supervisor", wrongRole: "這個帳號沒有督導權限。" }, (body) => {
  auth = body;
  session.save(body);
  start();
});

ui.logout.addEventListener("click", () => logout(""));
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

if (auth && auth.role === "supervisor") start();
else showLogin("");
