// floor_shell.js: the login shell of the floor pages (/callbacks, /records) — the same topbar, login
// card and session as the agent console and the supervisor page: an agent's or a supervisor's login
// from either page carries over (sessionStorage), and a new login here is kept for both.

import { apiClient, bindLoginForm, sessionStore } from "./staff.js";

const STORES = { agent: sessionStore("hotline.agent"), supervisor: sessionStore("hotline.supervisor") };
const ROLE_NAMES = { agent: "客服人員", supervisor: "督導" };

export function startShell(onStart) {
  const $ = (id) => document.getElementById(id);
  let auth = STORES.agent.load() || STORES.supervisor.load();
  const toastNode = $("toast");
  let toastTimer = 0;
  const toast = (text) => {
    toastNode.textContent = text;
    toastNode.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toastNode.hidden = true; }, 5000);
  };
  const showLogin = (message) => {
    $("app-view").hidden = true;
    $("session").hidden = true;
    $("login-view").hidden = false;
    $("login-error").hidden = !message;
    $("login-error").textContent = message || "";
    $("login-username").focus();
  };
  const logout = (message) => {
    auth = null;
    STORES.agent.save(null);
    STORES.supervisor.save(null);
    showLogin(message);
  };
  const api = apiClient(() => (auth ? auth.token : ""), (status) => {
    logout(status === 403 ? "這個帳號無法使用此頁。" : "登入已逾時，請重新登入。");
  });
  const start = () => {
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    $("session").hidden = false;
    $("who").textContent = `${auth.username}（${ROLE_NAMES[auth.role] || auth.role}）`;
    onStart({ api, auth, toast });
  };
  bindLoginForm({ role: Object.keys(STORES), wrongRole: "請以客服人員或督導帳號登入。" }, (body) => {
    auth = body;
    STORES[body.role].save(body);
    start();
  });
  $("logout").addEventListener("click", () => logout(""));
  if (auth && ROLE_NAMES[auth.role]) start();
  else showLogin("");
}
