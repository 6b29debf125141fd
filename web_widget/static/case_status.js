// @ts-check
// The public case-status page: number + last 4 digits → status and the published reply; then the
// seed's 5-point survey (非常滿意 … 非常不滿意) with a comment box.
const SCALE = [[5, "非常滿意"], [4, "滿意"], [3, "普通"], [2, "不滿意"], [1, "非常不滿意"]];
/** @type {(id: string) => any} the page's elements by id (inputs, buttons, sections) */
const $ = (id) => document.getElementById(id);
let current = null;

function showError(text) {
  $("lookup-error").textContent = text;
  $("lookup-error").hidden = !text;
}

async function lookup(event) {
  event.preventDefault();
  const number = $("number").value.trim();
  const digits = $("digits").value.trim();
  showError("");
  $("result").hidden = true;
  if (!/^\d{7}-\d{4}$/.test(number) || !/^\d{4}$/.test(digits)) {
    showError("請輸入正確格式的案號（7 碼-4 碼）及 4 位數字。");
    return;
  }
  const response = await fetch(`/api/case-status?number=${encodeURIComponent(number)}&digits=${encodeURIComponent(digits)}`);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    showError(body.detail || "查詢失敗，請稍後再試。");
    return;
  }
  current = { number, digits };
  $("r-number").textContent = body.number;
  $("r-status").textContent = body.status;
  $("r-reply-box").hidden = !body.reply;
  $("r-reply").textContent = body.reply || "";
  $("survey").hidden = !body.survey_open;
  $("survey-status").textContent = "";
  $("result").hidden = false;
}

async function survey(event) {
  event.preventDefault();
  const picked = /** @type {HTMLInputElement | null} */ (document.querySelector("input[name=score]:checked"));
  if (!picked || !current) {
    $("survey-status").textContent = "請先選擇分數。";
    return;
  }
  const response = await fetch("/api/case-status/survey", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ...current, score: Number(picked.value), comment: $("comment").value.trim() || null }),
  });
  const body = await response.json().catch(() => ({}));
  $("survey-status").textContent = response.ok ? "謝謝您的評分，已轉知承辦機關。" : (body.detail || "送出失敗。");
  if (response.ok) $("survey").hidden = true;
}

for (const [score, label] of SCALE) {
  const id = `score-${score}`;
  const input = Object.assign(document.createElement("input"), { type: "radio", name: "score", id, value: String(score) });
  const text = Object.assign(document.createElement("label"), { htmlFor: id, textContent: label });
  $("scale").append(input, text);
}
$("lookup").addEventListener("submit", lookup);
$("survey").addEventListener("submit", survey);

export {}; // an ES module (loaded with type="module")
