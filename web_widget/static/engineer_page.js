// @ts-check
// What the parts of the semantic engineer page share: its elements, the API caller of the login
// (set by engineer.js once logged in) and the wrap-up categories from the server.

import { ApiError } from "./staff.js";

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const button = (/** @type {string} */ id) => /** @type {HTMLButtonElement} */ (document.getElementById(id));
export const ui = {
  clustersTitle: $("clusters-title"), clusters: $("clusters"), clustersStatus: $("clusters-status"),
  missCount: $("miss-count"), clustersRefresh: button("clusters-refresh"),
  serving: $("model-serving"), deployed: $("model-deployed"), modelCount: $("model-count"),
  version: /** @type {HTMLSelectElement} */ ($("model-version")),
  train: button("train"), compare: button("compare"), deploy: button("deploy"), rollback: button("rollback"),
  trainProgress: $("train-progress"), trainLabel: $("train-label"),
  modelsStatus: $("models-status"), modelsError: $("models-error"),
  forceForm: /** @type {HTMLFormElement} */ ($("force-form")),
  forceReason: /** @type {HTMLTextAreaElement} */ ($("force-reason")), forceCancel: button("force-cancel"),
  comparison: $("comparison"), verdict: $("verdict"), metrics: $("metrics"),
  fixed: $("fixed"), fixedCount: $("fixed-count"), broken: $("broken"), brokenCount: $("broken-count"),
  rateChart: /** @type {HTMLCanvasElement} */ ($("rate-chart")), rateChartBox: $("rate-chart-box"),
  rateTable: $("rate-table"), rateCaption: $("rate-table-caption"), ratePeriodHead: $("rate-period-head"),
  rateStatus: $("rate-status"),
};

/** @type {{ api: import("./staff.js").Api, categories: string[] }} */
export const page = { api: async () => { throw new ApiError(401, null); }, categories: [] };

/**
 * What to tell the engineer about a failed call: the server unreachable, or ``fallback``.
 * @param {any} error
 * @param {string} fallback
 */
export function failText(error, fallback) {
  if (error instanceof ApiError && error.status === 0) return error.detail;
  return fallback;
}
