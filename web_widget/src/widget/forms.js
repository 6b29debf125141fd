// @ts-check
// The two forms the server asks the widget to show inside the log: the 5-point survey (with an
// optional comment) and the callback request (name, phone, question, consent).

import { el } from "../../static/dom.js";
import { callbackFrame, callbackProblem, surveyFrame } from "./protocol.js";

const DEFAULT_SCALE = [
  { score: 5, label: "非常滿意" }, { score: 4, label: "滿意" }, { score: 3, label: "普通" },
  { score: 2, label: "不滿意" }, { score: 1, label: "非常不滿意" },
];
/** @typedef {"name" | "phone" | "question"} FieldName */
/** @type {Record<FieldName, string>} */
const FIELD_NAMES = { name: "姓名", phone: "聯絡電話", question: "問題說明" };
/** @type {FieldName[]} */
const FIELD_ORDER = ["name", "phone", "question"];

/**
 * @typedef {import("./protocol.js").Frame} Frame
 * @typedef {import("./view.js").View} View
 */

/** @param {string} prefix */
const uniqueId = (prefix) => `${prefix}${Math.random().toString(36).slice(2, 8)}`;

/**
 * @param {string} id
 * @param {string} label
 * @param {HTMLElement} control
 * @param {boolean} required
 */
function field(id, label, control, required) {
  return el("div", { className: "hl-field" }, [
    el("label", { for: id, text: label + (required ? "（必填）" : "") }), control,
  ]);
}

/**
 * @param {View} view
 * @param {{ send: (frame: Frame) => boolean, nextClientId: () => string, onSurveyShown: () => void }} chat
 */
export function createForms(view, chat) {
  const { log } = view;

  /** @param {Frame} form */
  function renderSurvey(form) {
    const scale = Array.isArray(form.scale) && form.scale.length ? form.scale : DEFAULT_SCALE;
    const legendId = uniqueId("hl-survey-");
    const status = el("p", { className: "hl-form-status", role: "status" });
    const buttons = el("div", { className: "hl-scale" });
    // the seed's 「蒐集民眾回饋意見」: an optional comment, sent with the score (issue 15)
    const comment = el("textarea", { id: `${legendId}-comment`, name: "comment", rows: "2", maxlength: "1000",
                                     className: "hl-survey-comment" });
    const box = el("div", { className: "hl-form hl-form--survey", role: "group", "aria-labelledby": legendId }, [
      el("p", { id: legendId, className: "hl-form-title", text: "請為本次服務評分" }),
      field(`${legendId}-comment`, "回饋意見（選填）", comment, false), buttons, status,
    ]);
    for (const option of scale) {
      buttons.append(el("button", {
        type: "button", className: "hl-score", "data-score": String(option.score), text: String(option.label),
        /** @param {MouseEvent} event */
        onclick: (event) => {
          for (const b of buttons.querySelectorAll("button")) { b.disabled = true; b.setAttribute("aria-pressed", "false"); }
          /** @type {HTMLElement} */ (event.currentTarget).setAttribute("aria-pressed", "true");
          status.textContent = `已送出評分：${option.label}，謝謝您！`;
          box.classList.add("hl-done");
          comment.disabled = true;
          chat.send(surveyFrame(Number(option.score), comment.value));
        },
      }));
    }
    log.append(box);
    chat.onSurveyShown();
    view.scrollToEnd();
    return box;
  }

  /** @param {Frame} form */
  function renderCallback(form) {
    const existing = log.querySelector(".hl-form--callback:not(.hl-done)");
    if (existing) existing.remove(); // one open callback form at a time
    const id = uniqueId("hl-cb-");
    /** @type {Record<string, string>} */
    const labels = {};
    for (const f of form.fields || []) if (f && f.name) labels[f.name] = f.label;
    const controls = {
      name: el("input", { id: `${id}-name`, name: "name", type: "text", autocomplete: "name", required: true, maxlength: "100" }),
      phone: el("input", { id: `${id}-phone`, name: "phone", type: "tel", autocomplete: "tel", inputmode: "tel",
                           required: true, maxlength: "40" }),
      question: el("textarea", { id: `${id}-question`, name: "question", rows: "3", required: true, maxlength: "2000" }),
    };
    const consent = el("input", { id: `${id}-consent`, name: "consent", type: "checkbox", required: true });
    const error = el("p", { className: "hl-form-error", role: "alert", hidden: true });
    const submit = el("button", { type: "submit", className: "hl-button hl-button--primary", text: "送出回電需求" });
    const box = el("form", { className: "hl-form hl-form--callback", "aria-labelledby": `${id}-title`, novalidate: true }, [
      el("p", { id: `${id}-title`, className: "hl-form-title", text: "留言請專人回電" }),
      ...FIELD_ORDER.map((key) => field(controls[key].id, labels[key] || FIELD_NAMES[key], controls[key], true)),
      el("div", { className: "hl-check" }, [consent, el("label", { for: consent.id, text: labels.consent || "我同意提供聯絡資料供回電使用" })]),
      error,
      submit,
    ]);
    /** @param {string} text @param {HTMLElement} focus */
    const fail = (text, focus) => {
      error.textContent = text;
      error.hidden = false;
      focus.focus();
    };
    box.addEventListener("input", (event) => {
      const target = /** @type {HTMLElement} */ (event.target);
      if (target.getAttribute("aria-invalid") === "true") target.setAttribute("aria-invalid", "false");
      error.hidden = true;
    });
    box.addEventListener("submit", (event) => {
      event.preventDefault();
      const fields = { name: controls.name.value, phone: controls.phone.value, question: controls.question.value,
                       consent: consent.checked };
      for (const key of FIELD_ORDER) controls[key].setAttribute("aria-invalid", fields[key].trim() ? "false" : "true");
      const problem = callbackProblem(fields);
      if (problem && problem.problem === "missing") {
        const names = problem.fields.map((key) => FIELD_NAMES[key]);
        return fail(`請填寫${names.join("、")}。`, controls[problem.fields[0]]);
      }
      if (problem && problem.problem === "phone") {
        controls.phone.setAttribute("aria-invalid", "true");
        return fail("請輸入正確的聯絡電話（例如 0912-345-678 或 02-2345-6789）。", controls.phone);
      }
      if (problem) return fail("請勾選同意提供聯絡資料，我們才能回電給您。", consent);
      error.hidden = true;
      submit.disabled = true;
      chat.send(callbackFrame(fields, chat.nextClientId()));
      return undefined;
    });
    log.append(box);
    view.scrollToEnd();
    return box;
  }

  /** @param {Frame} form */
  function renderForm(form) {
    if (form.form === "survey") renderSurvey(form);
    else if (form.form === "callback") renderCallback(form);
  }

  /**
   * Close the open forms of one kind (the survey was answered, the callback was saved or is moot).
   * @param {"survey" | "callback"} kind
   * @param {string} [note]
   */
  function finishForms(kind, note) {
    for (const box of log.querySelectorAll(`.hl-form--${kind}:not(.hl-done)`)) {
      box.classList.add("hl-done");
      for (const control of box.querySelectorAll("input, textarea, button")) {
        /** @type {HTMLInputElement} */ (control).disabled = true;
      }
      if (kind === "callback") box.append(el("p", { className: "hl-form-status", text: note || "已送出回電需求。" }));
    }
  }

  /** A form the server refused (missing fields, no consent): its message under the form. @param {string} text */
  function refuseCallback(text) {
    const error = /** @type {HTMLElement | null} */ (log.querySelector(".hl-form--callback:not(.hl-done) .hl-form-error"));
    if (!error) return false;
    error.textContent = text;
    error.hidden = false;
    const submit = /** @type {HTMLButtonElement | null} */ (error.closest("form")?.querySelector("button[type=submit]") ?? null);
    if (submit) submit.disabled = false;
    return true;
  }

  return { renderForm, finishForms, refuseCallback };
}
