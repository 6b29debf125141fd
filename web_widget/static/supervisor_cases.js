// @ts-check
// supervisor_cases.js: the 後送案件 tab of /supervisor — every case with status and deadline
// badges; edit and approve drafts, dispatch and re-dispatch, close (with the general-answer box
// that turns the answer into a KB draft), run the deadline check, and the supervisor's notifications.

import { mountBoard } from "./cases_common.js";

let board = null;

export async function mount(panel, context) {
  board = mountBoard(panel, { api: context.api, role: "supervisor", toast: context.toast });
}

export function show() {
  if (board) board.refresh();
}
