// The agency page (/agency): an agency user logs in and handles the cases dispatched to their own
// agency — accept or return with a reason, reply to the citizen, close — and reads notifications.

import { mountBoard } from "./cases_common.js";
import { apiClient, bindLoginForm, sessionStore } from "./staff.js";

const session = sessionStore("hotline.agency");
const $ = (id) => document.getElementById(id);
const ui = {
  loginView: $("login-view"), loginForm: $("login-form"), loginError: $("login-error"),
  username: $("login-username"), password: $("login-password"),
  view: $("agency-view"), session: $("session"), who: $("who"), logout: $("logout"), toast: $("toast"),
};
let auth = session.load();
let toastTimer = 0;

const api = apiClient(() => (auth ? auth.token : ""), (status) => {
  logout(status === 403 ? "這個帳號沒有機關案件權限。" : "登入已逾時，請重新登入。");
});

function toast(text) {
  ui.toast.textContent = text;
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { ui.toast.hidden = true; }, 5000);
}

function showLogin(message) {
  ui.view.hidden = true;
  ui.view.replaceChildren();
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

function start() {
  ui.loginView.hidden = true;
  ui.view.hidden = false;
  ui.session.hidden = false;
  ui.who.textContent = `${auth.username}（承辦機關）`;
  mountBoard(ui.view, { api, role: "agency", toast });
}

bindLoginForm({ role: "agency", wrongRole: "這個帳號不是承辦機關帳號。" }, (body) => {
  auth = body;
  session.save(body);
  start();
});

ui.logout.addEventListener("click", () => logout(""));

if (auth && auth.role === "agency") start();
else showLogin("");
