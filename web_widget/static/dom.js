// @ts-check
// DOM building shared by the citizen widget and every staff page. Text is set with textContent,
// never as HTML: every string from the server stays text.

/**
 * @typedef {Record<string, any>} Props  text, className, on<event> listeners, or attributes
 * @typedef {Node | string | null | undefined | false} Child
 */

/**
 * Build an element: props.text sets textContent (never HTML), on* props add listeners, other props
 * become attributes (true → present, null/undefined/false → absent).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props]
 * @param {Child[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
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

/**
 * Keep a scrolling log pinned to its newest line, also when the area around it grows, unless the
 * reader scrolled up: a scroll event soon after our own scrolling is ours, not theirs.
 * @param {HTMLElement} log
 * @returns {{ toEnd: () => void }}
 */
export function pinToEnd(log) {
  let pinned = true;
  let autoScrolledAt = 0;
  const toEnd = () => {
    pinned = true;
    autoScrolledAt = Date.now();
    log.scrollTop = log.scrollHeight;
  };
  log.addEventListener("scroll", () => {
    if (log.scrollHeight - log.scrollTop - log.clientHeight < 24) pinned = true;
    else if (Date.now() - autoScrolledAt > 300) pinned = false;
  });
  if (typeof ResizeObserver === "function") new ResizeObserver(() => { if (pinned) toEnd(); }).observe(log);
  return { toEnd };
}

/**
 * Enter sends, Shift+Enter is a new line, never while an IME is composing (注音, 倉頡…).
 * @param {KeyboardEvent} event
 */
export function isSendKey(event) {
  return event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229;
}
