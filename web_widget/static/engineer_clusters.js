// @ts-check
// The engineer page's clusters of missed questions: label (a KB id) the ticked items or the whole
// group, ignore, or propose a new intent (a draft KB entry); KB lookups name the intents.

import { el } from "./dom.js";
import { CONVERSATION_INTENTS, LABEL_SOURCES, MISS_REASONS, dateTime, intentText } from "./engineer_format.js";
import { failText, page, ui } from "./engineer_page.js";
import { loadRates } from "./engineer_rates.js";

let clusters = [];
const intentNames = new Map(); // KB id → question (null: not a KB id)

// ---- KB lookups (intent names, search) ----------------------------------------------------------
async function kbSearch(q, limit = 8) {
  return page.api(`/api/kb/search?q=${encodeURIComponent(q)}&limit=${limit}`);
}

async function intentName(id) {
  if (!id || CONVERSATION_INTENTS[id] || id === "nlu_fallback") return null;
  if (intentNames.has(id)) return intentNames.get(id);
  let name = null;
  try {
    const [first] = await kbSearch(id, 1);
    name = first && first.id.toLowerCase() === id.toLowerCase() ? first.question : null;
  } catch { return null; }
  intentNames.set(id, name);
  return name;
}

/** Fill ``node`` with "ID：question" once the question is known. */
async function describeIntent(node, id, prefix = "") {
  node.textContent = prefix + intentText(id);
  const name = await intentName(id);
  if (name && node.isConnected) node.textContent = `${prefix}${id}：${name}`;
}


// ---- clusters -----------------------------------------------------------------------------------
function clusterKey(cluster) {
  return Math.min(...cluster.items.map((i) => i.id));
}

export async function loadClusters(message) {
  ui.clustersRefresh.disabled = true;
  ui.clustersStatus.textContent = message || "載入中…";
  try {
    clusters = await page.api("/api/misses/clusters");
    renderClusters();
    const total = clusters.reduce((n, c) => n + c.count, 0);
    ui.missCount.textContent = `${clusters.length} 群・${total} 則`;
    const summary = clusters.length ? `共 ${clusters.length} 個群組、${total} 則待處理的問題。`
      : "目前沒有待處理的未命中問題。";
    ui.clustersStatus.textContent = message ? `${message} ${summary}` : summary;
  } catch (error) {
    if (error.status === 401 || error.status === 403) return;
    ui.clustersStatus.textContent = failText(error, "無法載入未命中問題，請按「重新整理」再試。");
  } finally {
    ui.clustersRefresh.disabled = false;
  }
}

ui.clustersRefresh.addEventListener("click", () => loadClusters());

function renderClusters() {
  // keep what the engineer typed or ticked in clusters that are still there
  const kept = new Map();
  for (const card of /** @type {NodeListOf<HTMLElement>} */ (ui.clusters.querySelectorAll(".cluster"))) {
    kept.set(card.dataset.key, {
      label: /** @type {HTMLInputElement} */ (card.querySelector(".label-input")).value,
      checked: [.../** @type {NodeListOf<HTMLInputElement>} */ (card.querySelectorAll(".item-check:checked"))].map((box) => box.value),
    });
  }
  ui.clusters.textContent = "";
  clusters.forEach((cluster, index) => ui.clusters.append(clusterCard(cluster, index, kept.get(String(clusterKey(cluster))))));
}

function clusterCard(cluster, index, kept) {
  const key = String(clusterKey(cluster));
  const ids = (name) => `c${key}-${name}`;
  const titleId = ids("title");
  const suggestedItem = cluster.items.find((i) => i.suggested_label === cluster.suggested_label && i.label_source);
  const source = suggestedItem ? LABEL_SOURCES[suggestedItem.label_source] || suggestedItem.label_source : null;
  const predictedItems = cluster.items.filter((i) => i.intent === cluster.top_predicted);
  const meanConfidence = predictedItems.length
    ? predictedItems.reduce((s, i) => s + (i.confidence || 0), 0) / predictedItems.length : null;

  const predicted = el("dd", { className: "intent-name" });
  if (cluster.top_predicted) describeIntent(predicted, cluster.top_predicted);
  else predicted.textContent = "—";
  const suggested = el("dd");
  if (cluster.suggested_label) {
    const name = el("span", { className: "intent-name" });
    describeIntent(name, cluster.suggested_label);
    suggested.append(name, el("span", { className: "source", text: `來源：${source || "未註明"}` }));
  } else {
    suggested.textContent = "無（可由下方知識庫查詢挑選）";
  }

  const items = cluster.items.map((item) => itemRow(item, key, kept));
  const scope = el("p", { className: "scope", "aria-live": "polite" });
  const errorBox = el("p", { className: "form-error", role: "alert", hidden: true });

  // label
  const labelInput = el("input", {
    id: ids("label"), className: "label-input", maxlength: 64, autocomplete: "off", spellcheck: "false",
    "aria-describedby": ids("label-hint"),
  });
  labelInput.value = kept ? kept.label : cluster.suggested_label || "";
  const labelHint = el("p", { id: ids("label-hint"), className: "muted small intent-hint", "aria-live": "polite" });
  const updateHint = debounce(() => hintFor(labelInput.value.trim(), labelHint), 300);
  labelInput.addEventListener("input", () => { labelInput.removeAttribute("aria-invalid"); updateHint(); });
  hintFor(labelInput.value.trim(), labelHint);
  const labelForm = el("form", { className: "label-form", novalidate: true }, [
    el("label", { for: ids("label"), text: "標註為意圖（知識庫編號）" }),
    el("div", { className: "inline" }, [
      labelInput,
      el("button", { type: "submit", className: "btn btn--primary", text: "標註" }),
    ]),
    labelHint,
  ]);

  // KB search to pick the intent
  const kbInput = el("input", { id: ids("kb"), type: "search", maxlength: 200, autocomplete: "off",
    placeholder: "輸入關鍵字，例如：登記網站" });
  const kbStatus = el("p", { className: "muted small", role: "status" });
  const kbResults = el("ul", { className: "kb-picks", "aria-label": `知識庫搜尋結果（群組 ${index + 1}）` });
  const kbForm = el("form", { className: "kb-search", role: "search", novalidate: true }, [
    el("label", { for: ids("kb"), className: "sr-only", text: `搜尋知識庫（群組 ${index + 1}）` }),
    kbInput,
    el("button", { type: "submit", className: "btn btn--secondary", text: "搜尋" }),
  ]);
  kbForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = kbInput.value.trim();
    if (!q) { kbInput.focus(); return; }
    kbStatus.textContent = "搜尋中…";
    try {
      const results = await kbSearch(q);
      kbResults.textContent = "";
      for (const entry of results) {
        intentNames.set(entry.id, entry.question);
        kbResults.append(el("li", { className: "kb-pick" }, [
          el("div", {}, [
            el("span", { className: "kb-pick-id", text: entry.id }),
            el("span", { className: "kb-pick-q", text: entry.question }),
            el("span", { className: "kb-pick-meta", text: entry.category || "" }),
          ]),
          el("button", {
            type: "button", className: "btn btn--secondary btn--small", text: "選用",
            "aria-label": `選用 ${entry.id}：${entry.question}`,
            onclick: () => {
              labelInput.value = entry.id;
              labelInput.removeAttribute("aria-invalid");
              hintFor(entry.id, labelHint);
              labelInput.focus();
            },
          }),
        ]));
      }
      kbStatus.textContent = results.length ? `找到 ${results.length} 筆，按「選用」填入意圖。`
        : "沒有找到相符的知識庫條目，請換個關鍵字。";
    } catch (error) {
      if (error.status !== 401 && error.status !== 403) kbStatus.textContent = failText(error, "搜尋失敗，請稍後再試。");
    }
  });
  const kbPicker = el("details", { className: "kb-picker" }, [
    el("summary", { text: "從知識庫查詢意圖" }), kbForm, kbStatus, kbResults,
  ]);

  // propose a new intent
  const proposeQuestion = el("input", { id: ids("pq"), maxlength: 500, autocomplete: "off" });
  const proposeCategory = el("select", { id: ids("pc") }, [
    el("option", { value: "", text: "待分類" }), ...page.categories.map((c) => el("option", { value: c, text: c })),
  ]);
  const proposeForm = el("form", { className: "propose-form", hidden: true, novalidate: true }, [
    el("fieldset", {}, [
      el("legend", { text: "提議新意圖（建立知識庫草稿，督導填寫答案並核准後才會上線）" }),
      el("div", { className: "field" }, [el("label", { for: ids("pq"), text: "標準問題" }), proposeQuestion]),
      el("div", { className: "field" }, [el("label", { for: ids("pc"), text: "問題類別" }), proposeCategory]),
      el("div", { className: "row" }, [
        el("button", { type: "submit", className: "btn btn--primary", text: "送出提議" }),
        el("button", {
          type: "button", className: "btn btn--ghost", text: "取消",
          onclick: () => { proposeForm.hidden = true; proposeToggle.setAttribute("aria-expanded", "false"); proposeToggle.focus(); },
        }),
      ]),
    ]),
  ]);
  const proposeToggle = el("button", {
    type: "button", className: "btn btn--ghost", text: "提議新意圖", "aria-expanded": "false",
    "aria-controls": ids("propose"),
  });
  proposeForm.id = ids("propose");
  proposeToggle.addEventListener("click", () => {
    proposeForm.hidden = !proposeForm.hidden;
    proposeToggle.setAttribute("aria-expanded", String(!proposeForm.hidden));
    if (!proposeForm.hidden) {
      if (!proposeQuestion.value) proposeQuestion.value = selectedItems(card)[0]?.text_masked || "";
      proposeQuestion.focus();
    }
  });

  const ignoreButton = el("button", { type: "button", className: "btn btn--secondary", text: "忽略" });
  const confirmText = el("p", { id: ids("confirm") });
  const confirmYes = el("button", { type: "button", className: "btn btn--primary", text: "確定標註整個群組",
    "aria-describedby": ids("confirm") });
  const confirmNo = el("button", { type: "button", className: "btn btn--secondary", text: "取消" });
  const confirmBox = el("div", { className: "confirm-group", role: "group", "aria-label": "確認整組標註", hidden: true },
    [confirmText, el("div", { className: "inline" }, [confirmYes, confirmNo])]);
  confirmYes.addEventListener("click", () => {
    labelInput.value = confirmBox.dataset.intent || labelInput.value;
    confirmBox.dataset.confirmed = labelInput.value.trim();
    labelForm.requestSubmit();
  });
  confirmNo.addEventListener("click", () => {
    delete confirmBox.dataset.intent;
    confirmBox.hidden = true;
    labelInput.focus();
  });

  const card = el("li", { className: "cluster", "data-key": key }, [
    el("article", { "aria-labelledby": titleId }, [
      el("header", { className: "cluster-head" }, [
        el("h3", { id: titleId, tabindex: "-1" }, [
          `群組 ${index + 1}`, el("span", { className: "pill", text: `${cluster.count} 則` }),
        ]),
        el("p", { className: "muted small cluster-time",
          text: `首次 ${dateTime(cluster.first_seen)}・最近 ${dateTime(cluster.last_seen)}` }),
      ]),
      el("dl", { className: "facts" }, [
        el("dt", { text: "模型預測" }), predicted,
        el("dt", { text: "平均信心" }), el("dd", { text: meanConfidence === null ? "—" : meanConfidence.toFixed(2) }),
        el("dt", { text: "建議標註" }), suggested,
      ]),
      el("fieldset", { className: "items" }, [
        el("legend", { text: "問題內容（不勾選＝整組處理；勾選＝只處理勾選的問題）" }),
        el("ul", {}, items),
      ]),
      scope,
      labelForm,
      confirmBox,
      kbPicker,
      el("div", { className: "row actions" }, [ignoreButton, proposeToggle]),
      proposeForm,
      errorBox,
    ]),
  ]);
  /** @type {any} */ (card)._cluster = cluster;

  const updateScope = () => {
    const chosen = card.querySelectorAll(".item-check:checked").length;
    scope.textContent = chosen ? `套用範圍：已勾選的 ${chosen} 則` : `套用範圍：整個群組（${cluster.count} 則）`;
  };
  card.addEventListener("change", (event) => {
    if (!/** @type {HTMLElement} */ (event.target).classList.contains("item-check")) return;
    updateScope();
    confirmBox.hidden = true;
  });
  updateScope();

  const run = async (button, action) => {
    errorBox.hidden = true;
    const buttons = card.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    button.setAttribute("aria-busy", "true");
    try {
      await action();
    } catch (error) {
      if (error.status === 401 || error.status === 403) return;
      errorBox.textContent = error.userText || failText(error, "操作失敗，請稍後再試。");
      errorBox.hidden = false;
    } finally {
      button.removeAttribute("aria-busy");
      if (card.isConnected) buttons.forEach((b) => { b.disabled = false; });
    }
  };

  labelForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const intent = labelInput.value.trim();
    if (!intent) {
      labelInput.setAttribute("aria-invalid", "true");
      errorBox.textContent = "請填寫要標註的意圖（知識庫編號），或用「從知識庫查詢意圖」挑選。";
      errorBox.hidden = false;
      labelInput.focus();
      return;
    }
    const chosen = selectedItems(card);
    const ticked = card.querySelectorAll(".item-check:checked").length;
    if (!ticked && chosen.length > 1 && confirmBox.dataset.confirmed !== intent) {
      // labelling a whole group is never silent: it needs an explicit confirmation
      confirmBox.dataset.intent = intent;
      confirmText.textContent = `尚未勾選任何問題：確定要把整個群組的 ${chosen.length} 則問題都標註為 ${intent} 嗎？`;
      confirmBox.hidden = false;
      confirmYes.focus();
      return;
    }
    delete confirmBox.dataset.intent;
    delete confirmBox.dataset.confirmed;
    confirmBox.hidden = true;
    run(labelForm.querySelector("button"), async () => {
      try {
        const result = await page.api("/api/misses/label", { method: "POST", body: { turn_ids: chosen.map((i) => i.id), intent } });
        ui.modelsStatus.textContent = "已有新的標註資料：按「重新訓練」產生新版本，比較後再部署。";
        await afterAction(index, `已將 ${chosen.length} 則問題標註為 ${result.intent}（新增 ${result.written} 個訓練例句到 ${result.file}）。重新訓練並部署後生效。`);
      } catch (error) {
        if (error.status === 422) {
          labelInput.setAttribute("aria-invalid", "true");
          error.userText = /none of these misses is open/.test(String(error.detail))
            ? "這些問題已經處理過了，請按「重新整理」。"
            : `「${intent}」不是已知的意圖。請填寫知識庫編號（例如 WEB-001），或改用「提議新意圖」。`;
          labelInput.focus();
        }
        throw error;
      }
    });
  });

  ignoreButton.addEventListener("click", () => {
    const chosen = selectedItems(card);
    run(ignoreButton, async () => {
      const result = await page.api("/api/misses/ignore", { method: "POST", body: { turn_ids: chosen.map((i) => i.id) } });
      await afterAction(index, `已忽略 ${result.ignored} 則問題。`);
    });
  });

  proposeForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = proposeQuestion.value.trim();
    if (!question) {
      proposeQuestion.setAttribute("aria-invalid", "true");
      errorBox.textContent = "請填寫新意圖的標準問題。";
      errorBox.hidden = false;
      proposeQuestion.focus();
      return;
    }
    proposeQuestion.removeAttribute("aria-invalid");
    const chosen = selectedItems(card);
    run(proposeForm.querySelector("button[type=submit]"), async () => {
      const result = await page.api("/api/misses/propose", {
        method: "POST", body: { turn_ids: chosen.map((i) => i.id), question, category: proposeCategory.value },
      });
      await afterAction(index, `已建立知識庫草稿 ${result.draft_id}（${chosen.length} 則問題作為例句），待督導填寫答案並核准後上線。`);
    });
  });
  return card;
}

function itemRow(item, key, kept) {
  const boxId = `c${key}-item-${item.id}`;
  const box = el("input", { type: "checkbox", id: boxId, className: "item-check", value: String(item.id),
    "aria-describedby": `${boxId}-meta` });
  box.checked = !!kept && kept.checked.includes(String(item.id));
  const reason = item.miss_reason || "";
  const predicted = item.intent ? `${intentText(item.intent)}・信心 ${(item.confidence || 0).toFixed(2)}` : "無預測";
  return el("li", { className: "item" }, [
    box,
    el("div", { className: "item-body" }, [
      el("label", { for: boxId, className: "item-text", text: item.text_masked }),
      el("p", { className: "item-meta small", id: `${boxId}-meta` }, [
        el("span", { className: `reason reason--${reason}`, text: MISS_REASONS[reason] || "未命中" }),
        el("span", { text: `模型預測 ${predicted}` }),
        el("span", { text: dateTime(item.created_at) }),
        item.suggested_label ? el("span", {
          text: `建議 ${item.suggested_label}（${LABEL_SOURCES[item.label_source] || item.label_source || "未註明"}）`,
        }) : null,
      ]),
      el("details", { className: "conv" }, [
        el("summary", { text: "對話編號" }),
        el("p", { className: "small" }, [
          el("code", { text: item.conversation_id }),
          `・對話中第 ${item.citizen_seq} 則訊息`,
        ]),
      ]),
    ]),
  ]);
}

function selectedItems(card) {
  const cluster = card._cluster;
  const ticked = new Set([...card.querySelectorAll(".item-check:checked")].map((box) => Number(box.value)));
  return ticked.size ? cluster.items.filter((i) => ticked.has(i.id)) : cluster.items;
}

async function afterAction(index, message) {
  await loadClusters(message);
  const cards = /** @type {NodeListOf<HTMLElement>} */ (ui.clusters.querySelectorAll(".cluster h3"));
  const next = cards[Math.min(index, cards.length - 1)];
  (next || ui.clustersTitle).focus();
  loadRates();
}

async function hintFor(id, node) {
  if (!id) { node.textContent = "可填知識庫編號，或從下方查詢挑選。"; return; }
  if (CONVERSATION_INTENTS[id]) { node.textContent = `${id}：${CONVERSATION_INTENTS[id]}（對話意圖）`; return; }
  node.textContent = `${id}：查詢中…`;
  const name = await intentName(id);
  if (node.isConnected) node.textContent = name ? `${id}：${name}` : `${id}：知識庫裡找不到這個編號。`;
}

function debounce(fn, ms) {
  let timer = 0;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

