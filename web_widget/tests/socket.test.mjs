// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";

import { backoffDelay, parseFrame, socketUrl } from "../static/socket.js";

test("backoff doubles from one second up to the ceiling", () => {
  const middle = [0, 1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, 30000, 0.5));
  assert.deepEqual(middle, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
});

test("backoff jitter stays within a quarter either side", () => {
  assert.equal(backoffDelay(2, 30000, 0), 3000);
  assert.ok(backoffDelay(2, 30000, 0.999999) < 5000);
  assert.equal(backoffDelay(20, 15000, 0), 11250);
  assert.equal(backoffDelay(-3, 15000, 0.5), 1000);
});

test("socket URLs follow the page's scheme", () => {
  assert.equal(socketUrl("http://127.0.0.1:8000", "/ws/chat"), "ws://127.0.0.1:8000/ws/chat");
  assert.equal(socketUrl("https://6000.gov.tw", "/ws/agent"), "wss://6000.gov.tw/ws/agent");
});

test("only JSON objects with a string type are frames", () => {
  assert.deepEqual(parseFrame('{"type":"pong"}'), { type: "pong" });
  for (const data of ["not json", "[1]", '{"type":3}', "null", '"type"', new ArrayBuffer(2)]) {
    assert.equal(parseFrame(data), null, String(data));
  }
});
