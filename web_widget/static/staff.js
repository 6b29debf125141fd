// Shared by the staff pages (agent console, engineer page): DOM building and the login session.

/** Build an element: props.text sets textContent (never HTML), on* props add listeners. */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** The login session ({token, role, username}) of one page, kept in sessionStorage. */
export function sessionStore(key) {
  return {
    load() {
      try {
        const raw = JSON.parse(sessionStorage.getItem(key) || "null");
        return raw && typeof raw.token === "string" ? raw : null;
      } catch {
        return null;
      }
    },
    save(value) {
      if (value) sessionStorage.setItem(key, JSON.stringify(value));
      else sessionStorage.removeItem(key);
    },
  };
}

/** POST /auth/login. Resolves to the session {token, username, role}, or null for wrong
 * credentials; throws on any other failure. */
export async function requestLogin(username, password) {
  const response = await fetch("/auth/login", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username, password }),
  });
  if (response.status === 401 || response.status === 422) return null;
  if (!response.ok) throw new Error(String(response.status));
  const body = await response.json();
  return { token: body.token, username: body.username, role: body.role };
}

/** An HTTP error from the API; ``detail`` is the server's message when it sent one. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(`HTTP ${status}`);
    this.status = status;
    this.detail = detail;
  }
}

/** A JSON API caller bound to a page's login: ``api(path, {method, body})``. ``onAuthLost(status)``
 * runs on 401/403 (the page shows its login again). Status 0 means the server was unreachable. */
export function apiClient(getToken, onAuthLost) {
  return async function api(path, { method = "GET", body } = {}) {
    const headers = { Authorization: `Bearer ${getToken() || ""}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, "無法連線到伺服器，請稍後再試。");
    }
    let data = null;
    try { data = await response.json(); } catch { /* no JSON body */ }
    if (response.status === 401 || response.status === 403) {
      onAuthLost(response.status);
      throw new ApiError(response.status, data ? data.detail : null);
    }
    if (!response.ok) throw new ApiError(response.status, data ? data.detail : null);
    return data;
  };
}

/** Wire a staff page's login form (ids login-form, login-username, login-password, login-error)
 * for one role (or a list of roles): ``onLogin(session)`` runs after a successful login with that role. */
export function bindLoginForm({ role, wrongRole }, onLogin) {
  const form = document.getElementById("login-form");
  const username = document.getElementById("login-username");
  const password = document.getElementById("login-password");
  const error = document.getElementById("login-error");
  const fail = (text) => {
    error.textContent = text;
    error.hidden = false;
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = username.value.trim();
    if (!name || !password.value) {
      fail("請輸入帳號與密碼。");
      return;
    }
    try {
      const body = await requestLogin(name, password.value);
      if (body === null) return fail("帳號或密碼錯誤，請再試一次。");
      if (Array.isArray(role) ? !role.includes(body.role) : body.role !== role) return fail(wrongRole);
      password.value = "";
      error.hidden = true;
      onLogin(body);
    } catch {
      fail("無法連線到伺服器，請稍後再試。");
    }
  });
}
