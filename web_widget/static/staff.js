// @ts-check
// Shared by the staff pages: the login session, the login request and the JSON API caller.
// (DOM building lives in dom.js, shared with the citizen widget; re-exported here.)

export { el } from "./dom.js";

/**
 * @typedef {{ token: string, username: string, role: string }} Session
 * @typedef {(path: string, options?: { method?: string, body?: unknown }) => Promise<any>} Api
 */

/**
 * The login session ({token, role, username}) of one page, kept in sessionStorage.
 * @param {string} key
 */
export function sessionStore(key) {
  return {
    /** @returns {Session | null} */
    load() {
      try {
        const raw = JSON.parse(sessionStorage.getItem(key) || "null");
        return raw && typeof raw.token === "string" ? raw : null;
      } catch {
        return null;
      }
    },
    /** @param {Session | null} value */
    save(value) {
      if (value) sessionStorage.setItem(key, JSON.stringify(value));
      else sessionStorage.removeItem(key);
    },
  };
}

/**
 * POST /auth/login. Resolves to the session {token, username, role}, or null for wrong
 * credentials; throws on any other failure.
 * @param {string} username
 * @param {string} password
 * @returns {Promise<Session | null>}
 */
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
  /** @param {number} status @param {any} detail */
  constructor(status, detail) {
    super(`HTTP ${status}`);
    this.status = status;
    this.detail = detail;
  }
}

/**
 * A JSON API caller bound to a page's login: ``api(path, {method, body})``. ``onAuthLost(status)``
 * runs on 401/403 (the page shows its login again). Status 0 means the server was unreachable.
 * @param {() => string} getToken
 * @param {(status: number) => void} onAuthLost
 * @returns {Api}
 */
export function apiClient(getToken, onAuthLost) {
  return async function api(path, { method = "GET", body = undefined } = {}) {
    /** @type {Record<string, string>} */
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
