// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";

import { STORE_KEY, badgeText, loadSaved, persistSaved, queueText, statusText, timeLabel } from "../src/widget/state.js";

/** A Storage stand-in over a Map. @returns {Storage} */
function memoryStorage() {
  const data = new Map();
  return /** @type {Storage} */ (/** @type {unknown} */ ({
    getItem: (key) => (data.has(key) ? data.get(key) : null),
    setItem: (key, value) => data.set(key, String(value)),
    removeItem: (key) => data.delete(key),
  }));
}

test("the saved conversation round-trips; anything else is no conversation", () => {
  const storage = memoryStorage();
  assert.equal(loadSaved(storage), null);
  persistSaved({ conversation_id: "c_1", token: "t", last_seq: 3 }, storage);
  assert.deepEqual(loadSaved(storage), { conversation_id: "c_1", token: "t", last_seq: 3 });
  for (const raw of ["{", '{"conversation_id": 1, "token": "t"}', "[]"]) {
    storage.setItem(STORE_KEY, raw);
    assert.equal(loadSaved(storage), null, raw);
  }
  persistSaved(null, storage);
  assert.equal(storage.getItem(STORE_KEY), null);
});

test("the header names the agent and the service number once queued", () => {
  assert.equal(statusText("bot", "", "1151207-0001"), "智能客服・24 小時為您服務");
  assert.equal(statusText("queued", "", "1151207-0001"), "正在等候真人客服・服務編號 1151207-0001");
  assert.equal(statusText("with_agent", "alice", ""), "真人文字客服 alice 為您服務");
});

test("the queue banner never makes up a wait", () => {
  assert.match(queueText({ position: 2, estimated_wait_seconds: null }), /第 2 位。.*無法預估等候時間/);
  assert.match(queueText({ position: 1, estimated_wait_seconds: 30 }), /不到 1 分鐘/);
  assert.match(queueText({ position: 3, estimated_wait_seconds: 150 }), /第 3 位，預估等候時間約 3 分鐘/);
});

test("times are HH:MM and the badge stops at 9+", () => {
  const at = new Date(2026, 11, 7, 9, 5).getTime() / 1000;
  assert.equal(timeLabel(at), "09:05");
  assert.equal(timeLabel(undefined, () => new Date(2026, 0, 1, 23, 59)), "23:59");
  assert.deepEqual([badgeText(1), badgeText(9), badgeText(12)], ["1", "9", "9+"]);
});
