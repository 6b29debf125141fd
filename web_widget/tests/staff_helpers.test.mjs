// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";

import { clock, errorText, shortId, speedOf } from "../static/agent_format.js";
import { dateTime, gateReason, intentText, percent, versionText, versionTime } from "../static/engineer_format.js";

test("wait clocks and the seed's answer-speed bands", () => {
  assert.deepEqual([clock(0), clock(7.9), clock(75), clock(-3)], ["0:00", "0:07", "1:15", "0:00"]);
  assert.deepEqual([7, 8, 15, 16, 30, 31, 900].map((s) => speedOf(s).key),
                   ["best", "good", "good", "slow", "slow", "worst", "worst"]);
});

test("a chat is named by the last four characters of its id", () => {
  assert.equal(shortId("c_33744ac61131fafc3b3347ce"), "47CE");
});

test("agent errors: ours, the server's Chinese, or the code", () => {
  assert.match(errorText({ code: "at_capacity" }), /上限/);
  assert.equal(errorText({ code: "x", message: "轉接對象不存在" }), "轉接對象不存在");
  assert.equal(errorText({ code: "x", message: "no" }), "操作失敗（x）。");
});

test("engineer formats: percent, Taipei times, versions", () => {
  assert.deepEqual([percent(0.8512), percent(0.85, 2), percent(null)], ["85.1%", "85.00%", "—"]);
  assert.equal(dateTime("soon"), "—");
  assert.match(dateTime(Date.UTC(2026, 10, 30, 2, 0) / 1000), /2026\/11\/30\s10:00/);
  assert.match(versionTime("20261130-123835-020961"), /11\/30\s20:38/);
  assert.equal(versionTime("v1"), "");
  assert.equal(versionText(null), "無");
});

test("intents and gate reasons read in Chinese", () => {
  assert.deepEqual([intentText(null), intentText("nlu_fallback"), intentText("greet"), intentText("ATM-001")],
                   ["未回答", "無法判斷", "greet（問候）", "ATM-001"]);
  assert.equal(gateReason("success drops from 0.91 to 0.88"), "答對率從 0.91 降到 0.88");
  assert.equal(gateReason("wrong answers rise from 0.02 to 0.05"), "答錯率從 0.02 升到 0.05");
  assert.equal(gateReason("something else"), "something else");
});
