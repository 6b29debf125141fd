// @ts-check
// The staff shell shared by every staff page (agent console, supervisor, engineer, agency,
// callbacks, records): the login form, the session kept per role in sessionStorage, the header's
// "who" line and 登出, the toast, and an API caller that shows the login again on 401/403. The
// markup is the server-side template web_widget/_staff.html; each page passes what differs.

import { apiClient, requestLogin, sessionStore } from "./staff.js";

/**
 * @typedef {import("./staff.js").Session} Session
 * @typedef {import("./staff.js").Api} Api
 * @typedef {{ api: Api, auth: Session, toast: (text: string) => void, logout: (message?: string) => void }} ShellContext
 * @typedef {object} ShellOptions
 * @property {Record<string, string>} stores  role → sessionStorage key ("*": any role, one key)
 * @property {Record<string, string>} roles  role → its name in the header; a role not here cannot log in
 * @property {string} view  the id of the page's content, shown after login
 * @property {string} wrongRole  said when an account of another role logs in
 * @property {string} forbidden  said when the API answers 403
 * @property {boolean} [verify]  ask /auth/me before using a stored login (pages that open a socket)
 * @property {(context: ShellContext) => void} onStart  after a login (or with a stored one)
 * @property {() => void} [onLogout]
 */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {ShellOptions} options */
export function startShell(options) {
  const stores = Object.fromEntries(Object.entries(options.stores).map(([role, key]) => [role, sessionStore(key)]));
  const storeFor = (/** @type {string} */ role) => stores[role] || stores["*"];
  const allowed = (/** @type {Session | null} */ body) => !!body && (!!options.roles[body.role] || "*" in options.roles);
  /** @type {Session | null} */
  let auth = Object.values(stores).map((store) => store.load()).find(allowed) || null;
  const ui = {
    login: $("login-view"), form: /** @type {HTMLFormElement} */ ($("login-form")), error: $("login-error"),
    username: /** @type {HTMLInputElement} */ ($("login-username")),
    password: /** @type {HTMLInputElement} */ ($("login-password")),
    view: $(options.view), session: $("session"), who: $("who"), toast: $("toast"),
  };
  let toastTimer = 0;

  /** @param {string} text */
  const toast = (text) => {
    ui.toast.textContent = text;
    ui.toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = window.setTimeout(() => { ui.toast.hidden = true; }, 6000);
  };
  /** @param {string} [message] */
  const showLogin = (message) => {
    ui.view.hidden = true;
    ui.session.hidden = true;
    ui.login.hidden = false;
    ui.error.hidden = !message;
    ui.error.textContent = message || "";
    ui.username.focus();
  };
  /** @param {string} [message] */
  const logout = (message) => {
    auth = null;
    for (const store of Object.values(stores)) store.save(null);
    if (options.onLogout) options.onLogout();
    showLogin(message);
  };
  const api = apiClient(() => (auth ? auth.token : ""), (status) => {
    logout(status === 403 ? options.forbidden : "登入已逾時，請重新登入。");
  });
  /** @param {Session} session */
  const start = (session) => {
    ui.login.hidden = true;
    ui.view.hidden = false;
    ui.session.hidden = false;
    ui.who.textContent = `${session.username}（${options.roles[session.role] || session.role}）`;
    options.onStart({ api, auth: session, toast, logout });
  };
  /** @param {string} text */
  const fail = (text) => {
    ui.error.textContent = text;
    ui.error.hidden = false;
  };

  ui.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = ui.username.value.trim();
    const password = ui.password.value;
    ui.username.setAttribute("aria-invalid", String(!username));
    ui.password.setAttribute("aria-invalid", String(!password));
    if (!username || !password) {
      fail("請輸入帳號與密碼。");
      (username ? ui.password : ui.username).focus();
      return;
    }
    const button = /** @type {HTMLButtonElement} */ (ui.form.querySelector("button[type=submit]"));
    button.disabled = true;
    try {
      const body = await requestLogin(username, password);
      if (body === null) return fail("帳號或密碼錯誤，請再試一次。");
      if (!allowed(body)) return fail(options.wrongRole);
      auth = body;
      storeFor(body.role).save(body);
      ui.password.value = "";
      ui.error.hidden = true;
      start(body);
    } catch {
      fail("無法連線到伺服器，請稍後再試。");
    } finally {
      button.disabled = false;
    }
    return undefined;
  });
  $("logout").addEventListener("click", () => logout(""));

  (async () => {
    if (!auth) return showLogin("");
    if (options.verify) {
      try {
        const response = await fetch("/auth/me", { headers: { Authorization: `Bearer ${auth.token}` } });
        if (response.status === 401) return logout("登入已逾時，請重新登入。");
      } catch { /* offline: the page retries on its own */ }
    }
    return start(auth);
  })();
  return { toast, logout };
}

/**
 * The wrap-up categories and the active agencies (GET /api/catalog), fetched once per page.
 * @param {Api} api
 * @returns {Promise<{ categories: string[], agencies: string[] }>}
 */
export function loadCatalog(api) {
  if (!catalogPromise) {
    catalogPromise = api("/api/catalog").catch((/** @type {unknown} */ error) => {
      catalogPromise = null; // try again next time
      throw error;
    });
  }
  return catalogPromise;
}
/** @type {Promise<{ categories: string[], agencies: string[] }> | null} */
let catalogPromise = null;
