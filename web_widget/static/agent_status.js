// @ts-check
// agent_status.js: the agent's own state in the console's queue pane — 就緒 / 休息（原因）/ 話後處理 /
// 離線. Only a ready agent takes chats; after a chat the server puts the agent in 話後處理 until they
// choose 就緒, take the next chat, or the after-chat limit runs out. agent.js owns the socket: this
// module asks for a change with the "hotline:set-status" event and hears "hotline:status".

const LABELS = { ready: "就緒", break: "休息", wrapup: "話後處理", offline: "離線" };
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const box = $("status-box");
const now = $("status-now");
const select = /** @type {HTMLSelectElement} */ ($("status-select"));
const reason = /** @type {HTMLSelectElement} */ ($("status-reason"));
const apply = $("status-apply");
let countdown = 0;

function show(status) {
  clearInterval(countdown);
  const state = status.state || "ready";
  box.dataset.state = state;
  select.value = state;
  reason.hidden = state !== "break";
  if (status.reason) reason.value = status.reason;
  const base = state === "break" && status.reason ? `休息（${status.reason}）` : LABELS[state] || state;
  const tick = () => {
    const left = status.until ? Math.max(0, Math.round(status.until - Date.now() / 1000)) : null;
    now.textContent = left !== null && state === "wrapup" ? `${base}・${left} 秒後自動就緒` : base;
    if (left === 0) {  // the after-chat limit ran out: the server counts the agent ready again
      clearInterval(countdown);
      now.textContent = LABELS.ready;
      box.dataset.state = "ready";
      select.value = "ready";  // the picker agrees with the label (it kept showing 話後處理)
    }
  };
  tick();
  if (state === "wrapup" && status.until) countdown = setInterval(tick, 1000);
}

select.addEventListener("change", () => { reason.hidden = select.value !== "break"; });
apply.addEventListener("click", () => {
  /** @type {{ state: string, reason?: string }} */
  const detail = { state: select.value };
  if (select.value === "break") detail.reason = reason.value;
  document.dispatchEvent(new CustomEvent("hotline:set-status", { detail }));
});
document.addEventListener("hotline:status", (event) => show(/** @type {CustomEvent} */ (event).detail || {}));

export {}; // an ES module (loaded with type="module")
