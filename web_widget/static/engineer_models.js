// @ts-check
// The engineer page's model versions: retrain, compare with the deployed version, deploy (the
// gate's force-with-reason path), roll back.

import { el } from "./dom.js";
import { MAX_CHANGES, METRICS, gateReason, intentText, percent, versionText, versionTime } from "./engineer_format.js";
import { failText, page, ui } from "./engineer_page.js";

let models = { serving: null, deployed: null, versions: [] };
let chosenVersion = null; // the version the engineer picked; null = the newest
let busy = false; // a model action is running
let focusAfter = null; // where focus goes once a model action is done (controls are disabled meanwhile)

// ---- models -------------------------------------------------------------------------------------
export async function loadModels() {
  try {
    models = await page.api("/api/models");
  } catch (error) {
    if (error.status !== 401 && error.status !== 403) showModelsError(failText(error, "無法載入模型版本。"));
    return;
  }
  ui.serving.textContent = versionText(models.serving);
  ui.deployed.textContent = models.deployed ? versionText(models.deployed) : "尚未部署（服務最新版本）";
  ui.modelCount.textContent = `${models.versions.length} 個`;
  const newest = models.versions[models.versions.length - 1] || null;
  if (!models.versions.includes(chosenVersion)) chosenVersion = null;
  ui.version.textContent = "";
  for (const version of [...models.versions].reverse()) {
    const marks = [version === newest ? "最新" : null, version === models.deployed ? "已部署" : null,
      version === models.serving ? "服務中" : null].filter(Boolean);
    ui.version.append(el("option", {
      value: version, text: `${version}${versionTime(version) ? `・${versionTime(version)}` : ""}${marks.length ? `（${marks.join("、")}）` : ""}`,
    }));
  }
  ui.version.value = chosenVersion || newest || "";
  setBusy(busy);
}

ui.version.addEventListener("change", () => {
  const newest = models.versions[models.versions.length - 1];
  chosenVersion = ui.version.value === newest ? null : ui.version.value;
  hideForce();
});

function currentVersion() {
  return ui.version.value || undefined;
}

function setBusy(value) {
  busy = value;
  const none = !models.versions.length;
  ui.train.disabled = value;
  ui.compare.disabled = value || none;
  ui.deploy.disabled = value || none;
  ui.rollback.disabled = value || none;
  ui.version.disabled = value || none;
  ui.forceForm.querySelectorAll("button, textarea").forEach((c) => { /** @type {HTMLButtonElement} */ (c).disabled = value; });
}

function showModelsError(text) {
  ui.modelsError.textContent = text;
  ui.modelsError.hidden = !text;
}

function hideForce() {
  ui.forceForm.hidden = true;
  ui.forceReason.value = "";
  ui.forceReason.removeAttribute("aria-invalid");
}

async function modelAction(button, action) {
  if (busy) return;
  showModelsError("");
  setBusy(true);
  button.setAttribute("aria-busy", "true");
  try {
    await action();
  } catch (error) {
    if (error.status !== 401 && error.status !== 403) showModelsError(error.userText || failText(error, "操作失敗，請稍後再試。"));
  } finally {
    button.removeAttribute("aria-busy");
    setBusy(false);
    // disabled controls lose focus: put it back where the engineer expects it
    const lost = document.activeElement === document.body || document.activeElement === button;
    const target = focusAfter || (lost ? (button.closest("[hidden]") ? ui.deploy : button) : null);
    focusAfter = null;
    if (target) target.focus();
  }
}

ui.train.addEventListener("click", () => modelAction(ui.train, async () => {
  hideForce();
  const started = Date.now();
  const tick = () => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    ui.trainLabel.textContent = `訓練中…已 ${seconds} 秒（通常需要 10 到 60 秒）`;
  };
  tick();
  ui.trainProgress.hidden = false;
  ui.train.textContent = "訓練中…";
  ui.modelsStatus.textContent = "開始重新訓練模型，完成前請勿關閉頁面。";
  const timer = setInterval(tick, 1000);
  try {
    const result = await page.api("/api/models/train", { method: "POST" });
    chosenVersion = null;
    await loadModels();
    ui.version.value = result.version;
    ui.modelsStatus.textContent = `訓練完成：新版本 ${versionText(result.version)}。請按「比較」檢查後再部署。`;
    focusAfter = ui.compare;
  } catch (error) {
    if (error.status === 409) error.userText = "已有一個訓練正在進行，請稍候再試。";
    else if (error.status === 422) error.userText = `訓練失敗：${error.detail || "訓練資料有誤"}`;
    else error.userText = failText(error, "訓練失敗，請稍後再試。");
    ui.modelsStatus.textContent = "";
    throw error;
  } finally {
    clearInterval(timer);
    ui.trainProgress.hidden = true;
    ui.train.textContent = "重新訓練";
  }
}));

ui.compare.addEventListener("click", () => modelAction(ui.compare, async () => {
  ui.modelsStatus.textContent = "比較中…（在回歸測試集上分別執行兩個版本）";
  try {
    const result = await page.api("/api/models/compare", { method: "POST", body: { version: currentVersion() } });
    showComparison(result.version, result.comparison);
    ui.modelsStatus.textContent = `已比較 ${result.version}。`;
  } catch (error) {
    ui.modelsStatus.textContent = "";
    error.userText = failText(error, "比較失敗：找不到這個版本或伺服器錯誤。");
    throw error;
  }
  focusAfter = ui.comparison;
}));

ui.deploy.addEventListener("click", () => modelAction(ui.deploy, () => deploy({})));

ui.forceForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const reason = ui.forceReason.value.trim();
  if (!reason) {
    ui.forceReason.setAttribute("aria-invalid", "true");
    showModelsError("強制部署需要填寫原因。");
    ui.forceReason.focus();
    return;
  }
  ui.forceReason.removeAttribute("aria-invalid");
  modelAction(ui.forceForm.querySelector("button[type=submit]"), () => deploy({ force: true, reason }));
});

ui.forceCancel.addEventListener("click", () => { hideForce(); ui.deploy.focus(); });

async function deploy(extra) {
  const version = currentVersion();
  ui.modelsStatus.textContent = extra.force ? "強制部署中…" : "部署中…（先通過部署閘門的比較）";
  try {
    const result = await page.api("/api/models/deploy", { method: "POST", body: { version, ...extra } });
    hideForce();
    chosenVersion = null;
    await loadModels();
    showComparison(result.deployed, result.comparison);
    ui.modelsStatus.textContent = `已部署 ${result.deployed}${result.previous ? `（前一版 ${result.previous}）` : ""}${extra.force ? "，已記錄強制部署原因" : ""}。`;
  } catch (error) {
    ui.modelsStatus.textContent = "";
    if (error.status === 409 && error.detail && typeof error.detail === "object") {
      const comparison = error.detail.comparison;
      const reasons = comparison && comparison.reasons && comparison.reasons.length
        ? comparison.reasons.map(gateReason).join("；") : String(error.detail.message || "");
      if (comparison) showComparison(version, comparison);
      ui.forceForm.hidden = false;
      showModelsError(extra.force ? `仍無法部署：${reasons}` : `部署閘門拒絕部署 ${version}：${reasons}。可檢查下方「新答錯」，或填寫原因後強制部署。`);
      focusAfter = ui.forceReason;
      return;
    }
    error.userText = failText(error, "部署失敗：找不到這個版本或伺服器錯誤。");
    throw error;
  }
}

ui.rollback.addEventListener("click", () => modelAction(ui.rollback, async () => {
  hideForce();
  try {
    const result = await page.api("/api/models/rollback", { method: "POST" });
    chosenVersion = null;
    await loadModels();
    ui.modelsStatus.textContent = `已回復到上一版 ${result.deployed}。`;
  } catch (error) {
    error.userText = error.status === 409 ? "沒有可以回復的上一版（尚未部署過其他版本）。" : failText(error, "回復失敗，請稍後再試。");
    throw error;
  }
}));

function showComparison(version, comparison) {
  ui.comparison.hidden = false;
  const tbody = ui.metrics.querySelector("tbody");
  tbody.textContent = "";
  ui.fixed.textContent = "";
  ui.broken.textContent = "";
  if (!comparison) {
    ui.verdict.className = "verdict";
    ui.verdict.textContent = `${version}：沒有可比較的對象（尚未部署任何版本，或這個版本就是已部署的版本），部署不受閘門限制。`;
    ui.metrics.hidden = true;
    ui.fixedCount.textContent = "0";
    ui.brokenCount.textContent = "0";
    return;
  }
  ui.metrics.hidden = false;
  ui.verdict.className = `verdict ${comparison.allowed ? "verdict--ok" : "verdict--refused"}`;
  ui.verdict.textContent = comparison.allowed
    ? `✓ ${version} 通過部署閘門：表現不比已部署版本差，可以部署。`
    : `✗ ${version} 未通過部署閘門：${comparison.reasons.map(gateReason).join("；")}。`;
  for (const metric of METRICS) {
    const a = comparison.candidate[metric.key];
    const b = comparison.deployed[metric.key];
    const cell = el("td", { text: metric.kind === "rate" ? percent(a, 2) : String(a ?? "—") });
    if (metric.kind === "rate" && typeof a === "number" && typeof b === "number" && Math.abs(a - b) > 1e-9) {
      const better = (a > b) === metric.higherIsBetter;
      const points = ((a - b) * 100).toFixed(2);
      cell.append(el("span", {
        className: `delta ${better ? "delta--better" : "delta--worse"}`,
        text: `${a > b ? "＋" : "－"}${points.replace("-", "")} 個百分點，${better ? "較佳" : "較差"}`,
      }));
    }
    tbody.append(el("tr", {}, [
      el("th", { scope: "row", text: metric.label }), cell,
      el("td", { text: metric.kind === "rate" ? percent(b, 2) : String(b ?? "—") }),
    ]));
  }
  fillChanges(ui.fixed, ui.fixedCount, comparison.fixed, "沒有新修正的題目。");
  fillChanges(ui.broken, ui.brokenCount, comparison.broken, "沒有新答錯的題目。");
}

function fillChanges(list, count, rows, empty) {
  count.textContent = String(rows.length);
  if (!rows.length) { list.append(el("li", { className: "muted", text: empty })); return; }
  for (const row of rows.slice(0, MAX_CHANGES)) {
    list.append(el("li", {}, [
      el("span", { className: "change-text", text: row.text }),
      el("span", { className: "change-meta small",
        text: `應為 ${intentText(row.expected)}・候選 ${intentText(row.candidate)}・已部署 ${intentText(row.deployed)}` }),
    ]));
  }
  if (rows.length > MAX_CHANGES) list.append(el("li", { className: "muted", text: `另有 ${rows.length - MAX_CHANGES} 題未列出。` }));
}

