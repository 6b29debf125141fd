// @ts-check
// The agent console's KB search: results with 「插入」, which puts the answer in the active chat's
// reply box (the reply then carries the KB id).

import { el } from "./dom.js";

/**
 * @typedef {import("./agent_chats.js").KbEntry & { category?: string, agency?: string }} Entry
 * @param {{ api: import("./staff.js").Api, insert: (entry: Entry) => boolean, toast: (text: string) => void }} env
 * @returns {(usable: boolean) => void} call when a chat that can take an answer comes or goes
 */
export function mountKbSearch(env) {
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const form = $("kb-form");
  const query = /** @type {HTMLInputElement} */ ($("kb-query"));
  const status = $("kb-status");
  const results = $("kb-results");
  let usable = false;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = query.value.trim();
    if (!q) return;
    status.textContent = "搜尋中…";
    try {
      /** @type {Entry[]} */
      const entries = await env.api(`/api/kb/search?q=${encodeURIComponent(q)}&limit=8`);
      render(entries);
      status.textContent = entries.length ? `找到 ${entries.length} 筆結果。` : "沒有找到相符的知識庫條目，請換個關鍵字。";
    } catch {
      status.textContent = "搜尋失敗，請稍後再試。";
    }
  });

  /** @param {Entry[]} entries */
  function render(entries) {
    results.textContent = "";
    for (const entry of entries) {
      const insert = el("button", {
        type: "button", className: "btn btn--secondary btn--small kb-insert", text: "插入",
        "aria-label": `插入答案：${entry.question}`,
        onclick: () => { if (!env.insert(entry)) env.toast("請先選擇進行中的對話。"); },
      });
      results.append(el("li", { className: "kb-item" }, [
        el("h3", { className: "kb-question", text: entry.question }),
        el("p", { className: "kb-meta", text: [entry.category, entry.agency, entry.id].filter(Boolean).join("・") }),
        el("p", { className: "kb-answer", text: entry.answer }),
        insert,
      ]));
    }
    update(usable);
  }

  /** @param {boolean} now */
  function update(now) {
    usable = now;
    for (const button of results.querySelectorAll(".kb-insert")) {
      /** @type {HTMLButtonElement} */ (button).disabled = !usable;
      /** @type {HTMLButtonElement} */ (button).title = usable ? "" : "請先選擇進行中的對話";
    }
  }
  return update;
}
