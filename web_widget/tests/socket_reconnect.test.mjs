// @ts-check
// ReconnectingSocket against a fake WebSocket and fake timers: it sends the hello on open, parses
// frames, reconnects after a drop with a growing delay, stops when told, and reopens when online.
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";

/** @type {FakeSocket[]} */
let sockets = [];
/** @type {{ at: number, fn: () => void }[]} */
let timers = [];

class FakeSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 3;
  /** @param {string} url @param {string[] | undefined} protocols */
  constructor(url, protocols) {
    this.url = url;
    this.protocols = protocols;
    this.readyState = FakeSocket.CONNECTING;
    /** @type {string[]} */
    this.sent = [];
    /** @type {any} */ this.onopen = null;
    /** @type {any} */ this.onmessage = null;
    /** @type {any} */ this.onclose = null;
    /** @type {any} */ this.onerror = null;
    sockets.push(this);
  }
  /** @param {string} data */
  send(data) { this.sent.push(data); }
  open() { this.readyState = FakeSocket.OPEN; this.onopen(); }
  /** @param {string} data */
  receive(data) { this.onmessage({ data }); }
  /** @param {number} code */
  drop(code = 1006) { this.readyState = FakeSocket.CLOSED; this.onclose({ code }); }
  close() { this.readyState = FakeSocket.CLOSED; }
}

const g = /** @type {any} */ (globalThis);
beforeEach(() => {
  sockets = [];
  timers = [];
  const events = new EventTarget();
  g.WebSocket = FakeSocket;
  g.window = {
    addEventListener: events.addEventListener.bind(events),
    dispatchEvent: events.dispatchEvent.bind(events),
    setTimeout: (/** @type {() => void} */ fn, /** @type {number} */ at) => timers.push({ at, fn }),
    setInterval: () => 0,
  };
  g.clearTimeout = () => {};
  g.clearInterval = () => {};
});
afterEach(() => { delete g.window; delete g.WebSocket; });

const { ReconnectingSocket } = await import("../static/socket.js");

/** @param {Partial<import("../static/socket.js").SocketOptions>} [extra] */
function make(extra = {}) {
  /** @type {any[]} */
  const frames = [];
  const socket = new ReconnectingSocket({
    url: () => "ws://test/ws/chat", onFrame: (frame) => frames.push(frame),
    onOpen: (send) => { send({ type: "hello" }); }, maxDelayMs: 30000, ...extra,
  });
  return { socket, frames };
}

test("sends the hello on open and hands over only typed JSON frames", () => {
  const { socket, frames } = make();
  assert.equal(socket.send({ type: "ping" }), false); // not open yet
  socket.connect();
  sockets[0].open();
  assert.deepEqual(sockets[0].sent, ['{"type":"hello"}']);
  sockets[0].receive('{"type":"welcome"}');
  sockets[0].receive("garbage");
  sockets[0].receive('{"no":"type"}');
  assert.deepEqual(frames, [{ type: "welcome" }]);
  assert.equal(socket.send({ type: "ping" }), true);
});

test("a drop reconnects after a growing delay; a greeting resets it", () => {
  const { socket } = make({ onRetry: () => {} });
  socket.connect();
  sockets[0].drop();
  assert.equal(timers.length, 1);
  assert.ok(timers[0].at >= 750 && timers[0].at < 1250);
  timers[0].fn();
  assert.equal(sockets.length, 2);
  sockets[1].drop();
  assert.ok(timers[1].at >= 1500 && timers[1].at < 2500);
  socket.resetBackoff();
  timers[1].fn();
  sockets[2].drop();
  assert.ok(timers[2].at < 1250);
});

test("onClose returning false, or close(), stops reconnecting", () => {
  const { socket } = make({ onClose: (event) => event.code !== 4401 });
  socket.connect();
  sockets[0].drop(4401);
  assert.equal(timers.length, 0);
  socket.connect();
  sockets[1].open();
  socket.close();
  assert.equal(socket.open, false);
  assert.equal(timers.length, 0);
});

test("coming back online reconnects at once", () => {
  const { socket } = make();
  socket.connect();
  sockets[0].drop();
  g.window.dispatchEvent(new Event("online"));
  assert.equal(sockets.length, 2);
});
