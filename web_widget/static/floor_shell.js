// @ts-check
// The floor pages (/callbacks, /records) in the staff shell: an agent's or a supervisor's login
// from the agent console or the supervisor page carries over (sessionStorage), and a new login
// here is kept for both.

import { startShell } from "./shell.js";

/** @param {(context: import("./shell.js").ShellContext) => void} onStart */
export function startFloor(onStart) {
  return startShell({
    stores: { agent: "hotline.agent", supervisor: "hotline.supervisor" },
    roles: { agent: "客服人員", supervisor: "督導" },
    view: "app-view",
    wrongRole: "請以客服人員或督導帳號登入。",
    forbidden: "這個帳號無法使用此頁。",
    onStart,
  });
}
