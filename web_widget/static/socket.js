// @ts-check
// One reconnecting JSON websocket, used by the citizen widget (/ws/chat) and the agent console
// (/ws/agent): frames are JSON objects with a string "type"; a dropped socket is reopened with
// exponential backoff and jitter (and at once when the browser comes back online); a ping keeps
// idle proxies from closing it. Nothing here knows what the frames mean.

/**
 * The wait before reconnect attempt number ``retries`` (0 for the first): 1 s doubling up to
 * ``maxMs``, times a jitter in [0.75, 1.25) so that many clients dropped together do not return together.
 * @param {number} retries
 * @param {number} maxMs
 * @param {number} [random] a number in [0, 1)
 */
export function backoffDelay(retries, maxMs, random = Math.random()) {
  return Math.min(maxMs, 1000 * 2 ** Math.max(0, retries)) * (0.75 + random * 0.5);
}

/**
 * The websocket URL of ``path`` on the server at ``origin`` (http → ws, https → wss).
 * @param {string} origin e.g. "https://example.gov.tw"
 * @param {string} path e.g. "/ws/chat"
 */
export function socketUrl(origin, path) {
  const url = new URL(path, origin);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

/**
 * The text of a websocket message as a frame, or null when it is not a JSON object with a type.
 * @param {unknown} data
 * @returns {{ type: string, [key: string]: any } | null}
 */
export function parseFrame(data) {
  if (typeof data !== "string") return null;
  let frame;
  try { frame = JSON.parse(data); } catch { return null; }
  return frame && typeof frame === "object" && typeof frame.type === "string" ? frame : null;
}

/**
 * @typedef {object} SocketOptions
 * @property {() => string} url
 * @property {() => string[]} [protocols]
 * @property {(send: (frame: object) => boolean) => void} [onOpen]  e.g. send the hello
 * @property {(frame: { type: string, [key: string]: any }) => void} onFrame
 * @property {(event: CloseEvent) => boolean | void} [onClose]  return false: do not reconnect
 * @property {(delayMs: number) => void} [onRetry]  a reconnect is scheduled
 * @property {number} [maxDelayMs]
 * @property {number} [pingMs]
 */

/** A websocket that comes back. */
export class ReconnectingSocket {
  /** @param {SocketOptions} options */
  constructor(options) {
    this.options = options;
    /** @type {WebSocket | null} */
    this.ws = null;
    this.wanted = false;
    this.retries = 0;
    this.retryTimer = 0;
    this.pingTimer = 0;
    window.addEventListener("online", () => {
      if (this.wanted && !this.ws) {
        this.retries = 0;
        this.connect();
      }
    });
  }

  /** Open the socket (no-op while one is open or opening); reconnects until ``close()``. */
  connect() {
    this.wanted = true;
    clearTimeout(this.retryTimer);
    if (this.ws && (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)) return;
    const { url, protocols, onOpen, onFrame, onClose } = this.options;
    let socket;
    try {
      socket = new WebSocket(url(), protocols ? protocols() : undefined);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = socket;
    socket.onopen = () => {
      if (socket !== this.ws) return;
      clearInterval(this.pingTimer);
      this.pingTimer = window.setInterval(() => this.send({ type: "ping" }), this.options.pingMs || 25000);
      if (onOpen) onOpen((frame) => this.send(frame));
    };
    socket.onmessage = (event) => {
      if (socket !== this.ws) return;
      const frame = parseFrame(event.data);
      if (frame) onFrame(frame);
    };
    socket.onclose = (event) => {
      if (socket !== this.ws) return;
      this.ws = null;
      clearInterval(this.pingTimer);
      const again = onClose ? onClose(event) : undefined;
      if (this.wanted && again !== false) this.scheduleReconnect();
    };
    socket.onerror = () => { /* onclose follows */ };
  }

  scheduleReconnect() {
    clearTimeout(this.retryTimer);
    const delay = backoffDelay(this.retries, this.options.maxDelayMs || 30000);
    this.retries += 1;
    if (this.options.onRetry) this.options.onRetry(delay);
    this.retryTimer = window.setTimeout(() => this.connect(), delay);
  }

  /** The server greeted us: the next drop starts its backoff from 1 s again. */
  resetBackoff() {
    this.retries = 0;
  }

  /** @returns {boolean} whether the socket is open */
  get open() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Send one frame now. False when the socket is not open (the caller decides: queue it or say so).
   * @param {object} frame
   */
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Close for good (no reconnect) until the next ``connect()``.
   * @param {number} [code]
   * @param {string} [reason]
   */
  close(code = 1000, reason = "") {
    this.wanted = false;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const socket = this.ws;
    this.ws = null;
    if (socket) {
      try { socket.close(code, reason); } catch { /* already closing */ }
    }
  }
}
