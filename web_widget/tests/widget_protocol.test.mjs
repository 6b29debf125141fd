// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  GENERIC_ERROR, callbackFrame, callbackProblem, clientIds, errorText, feedbackFrame, helloFrame, messageFrame,
  surveyFrame,
} from "../src/widget/protocol.js";

test("hello resumes a saved conversation from the last seq, or starts one", () => {
  assert.deepEqual(helloFrame(null, 7), { type: "hello" });
  assert.deepEqual(helloFrame({ conversation_id: "c_1", token: "t" }, 0),
                   { type: "hello", conversation_id: "c_1", token: "t", last_seq: 0 });
});

test("client ids are unique and carry the prefix", () => {
  const next = clientIds("w", () => 35);
  assert.deepEqual([next(), next()], ["wz-1", "wz-2"]);
});

test("message, feedback and survey frames", () => {
  assert.deepEqual(messageFrame("ATM", "w1"), { type: "message", text: "ATM", client_id: "w1" });
  assert.deepEqual(feedbackFrame(4, false), { type: "feedback", seq: 4, helpful: false });
  assert.deepEqual(surveyFrame(5, "  "), { type: "survey", score: 5 });
  assert.deepEqual(surveyFrame(2, " 太慢 "), { type: "survey", score: 2, comment: "太慢" });
});

test("a callback request is checked before it is sent", () => {
  const ok = { name: " 王小明 ", phone: "0912-345-678", question: "何時入帳？", consent: true };
  assert.equal(callbackProblem(ok), null);
  assert.deepEqual(callbackProblem({ ...ok, name: " ", question: "" }), { problem: "missing", fields: ["name", "question"] });
  assert.deepEqual(callbackProblem({ ...ok, phone: "abc" }), { problem: "phone" });
  assert.deepEqual(callbackProblem({ ...ok, consent: false }), { problem: "consent" });
  assert.deepEqual(callbackFrame(ok, "w9"), {
    type: "callback", name: "王小明", phone: "0912-345-678", question: "何時入帳？", consent: true, client_id: "w9",
  });
});

test("errors read as Chinese: ours, the server's Chinese message, or a generic one", () => {
  assert.match(errorText("rate_limited"), /稍候/);
  assert.equal(errorText("odd", "請先填寫姓名"), "請先填寫姓名");
  assert.equal(errorText("odd", "KeyError: x"), GENERIC_ERROR);
});
