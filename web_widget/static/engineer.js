// hotline semantic engineer page: login, clusters of missed questions (label / ignore / propose a new
// intent, for a whole cluster or the ticked items), model versions (retrain, compare, deploy with the
// gate's force-with-reason path, roll back) and the match rate per day / month against the 85% line.
// API: handoff/api/engineer.py (+ /auth/login, /api/kb/search). Server text is rendered with
// textContent, never as HTML. The chart is Chart.js (static/vendor/chart.umd.js); without it the
// table alone shows the numbers.

import { apiClient, ApiError, el, requestLogin, sessionStore } from "./staff.js";

const SESSION_KEY = "hotline.engineer";
const session = sessionStore(SESSION_KEY);
const CONTRACT_RATE = 0.85;
const ROLES = { engineer: "語意工程師", supervisor: "督導" };
const CATEGORIES = [
  "政策緣由與金額", "發放對象與資格", "發放時程與期限", "稅務扣押與法規", "新生兒與未成年", "登記入帳", "直接入帳",
  "網站操作與技術問題", "ATM領現", "郵局領現", "造冊發放", "代領與委託", "旅居國外", "外籍人士與陸港澳",
  "防詐騙與個資", "客服與申訴", "特殊狀況", "其他",
];
const MISS_REASONS = {
  low_confidence: "信心不足",
  ambiguous: "意圖模糊",
  out_of_scope: "超出服務範圍",
  handoff: "轉接真人",
  unhelpful: "民眾按「沒幫助」",
  no_content: "沒有內容",
  suggestions_ignored: "未採用建議",
};
const LABEL_SOURCES = { agent_answer: "客服回覆", suggestion_click: "民眾點選建議" };
const CONVERSATION_INTENTS = {
  greet: "問候", thanks: "道謝", goodbye: "再見", ask_human: "要求真人客服", affirm: "肯定", deny: "否定",
  out_of_scope: "超出服務範圍",
};
const METRICS = [
  { key: "questions", label: "測試題數", kind: "count" },
  { key: "success", label: "答對率（範圍內問題）", kind: "rate", higherIsBetter: true },
  { key: "wrong", label: "答錯率（範圍內問題）", kind: "rate", higherIsBetter: false },
  { key: "oos_rejected", label: "範圍外問題正確拒答率", kind: "rate", higherIsBetter: true },
  { key: "wrong_overall", label: "整體答錯率（含範圍外誤答）", kind: "rate", higherIsBetter: false },
];
const MAX_CHANGES = 50;

const $ = (id) => document.getElementById(id);
const ui = {
  loginView: $("login-view"), loginForm: $("login-form"), loginError: $("login-error"),
  username: $("login-username"), password: $("login-password"),
  engView: $("eng-view"), session: $("session"), who: $("who"), logout: $("logout"),
  clustersTitle: $("clusters-title"), clusters: $("clusters"), clustersStatus: $("clusters-status"),
  missCount: $("miss-count"), clustersRefresh: $("clusters-refresh"),
  serving: $("model-serving"), deployed: $("model-deployed"), modelCount: $("model-count"), version: $("model-version"),
  train: $("train"), compare: $("compare"), deploy: $("deploy"), rollback: $("rollback"),
  trainProgress: $("train-progress"), trainLabel: $("train-label"),
  modelsStatus: $("models-status"), modelsError: $("models-error"),
  forceForm: $("force-form"), forceReason: $("force-reason"), forceCancel: $("force-cancel"),
  comparison: $("comparison"), verdict: $("verdict"), metrics: $("metrics"),
  fixed: $("fixed"), fixedCount: $("fixed-count"), broken: $("broken"), brokenCount: $("broken-count"),
  rateChart: $("rate-chart"), rateChartBox: $("rate-chart-box"), rateTable: $("rate-table"),
  rateCaption: $("rate-table-caption"), ratePeriodHead: $("rate-period-head"), rateStatus: $("rate-status"),
};

let auth = session.load();
let clusters = [];
let models = { serving: null, deployed: null, versions: [] };
let chosenVersion = null; // the version the engineer picked; null = the newest
let busy = false; // a model action is running
let focusAfter = null; // where focus goes once a model action is done (controls are disabled meanwhile)
let period = "day";
let chart = null;
const intentNames = new Map(); // KB id → question (null: not a KB id)

// ---- helpers ------------------------------------------------------------------------------------

function saveSession(value) {
  auth = value;
  session.save(value);
}

function dateTime(seconds) {
  if (typeof seconds !== "number") return "—";
  return new Date(seconds * 1000).toLocaleString("zh-TW", {
    timeZone: "Asia/Taipei", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    hour12: false,
  });
}

function percent(value, digits = 1) {
  return typeof value === "number" ? `${(value * 100).toFixed(digits)}%` : "—";
}

function versionTime(version) {
  // versions are UTC timestamps: 20261130-123835-020961
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(version || "");
  if (!m) return "";
  const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return date.toLocaleString("zh-TW", {
    timeZone: "Asia/Taipei", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
  });
}

function versionText(version) {
  if (!version) return "無";
  const when = versionTime(version);
  return when ? `${version}（${when} 訓練）` : version;
}

function intentText(intent) {
  if (!intent) return "未回答";
  if (intent === "nlu_fallback") return "無法判斷";
  return CONVERSATION_INTENTS[intent] ? `${intent}（${CONVERSATION_INTENTS[intent]}）` : intent;
}

function gateReason(reason) {
  let m = /^success drops from (\S+) to (\S+)$/.exec(reason);
  if (m) return `答對率從 ${m[1]} 降到 ${m[2]}`;
  m = /^wrong answers rise from (\S+) to (\S+)$/.exec(reason);
  if (m) return `答錯率從 ${m[1]} 升到 ${m[2]}`;
  return reason;
}

const api = apiClient(() => (auth ? auth.token : ""), (status) => {
  logout(status === 403 ? "這個帳號沒有語意工程師權限。" : "登入已逾時，請重新登入。");
});

function failText(error, fallback) {
  if (error instanceof ApiError && error.status === 0) return error.detail;
  return fallback;
}

// ---- login --------------------------------------------------------------------------------------
function showLogin(message) {
  ui.engView.hidden = true;
  ui.session.hidden = true;
  ui.loginView.hidden = false;
  ui.loginError.hidden = !message;
  ui.loginError.textContent = message || "";
  ui.username.focus();
}

function showLoginError(text) {
  ui.loginError.textContent = text;
  ui.loginError.hidden = false;
}

ui.loginForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = ui.username.value.trim();
  const password = ui.password.value;
  ui.username.setAttribute("aria-invalid", String(!username));
  ui.password.setAttribute("aria-invalid", String(!password));
  if (!username || !password) {
    showLoginError("請輸入帳號與密碼。");
    (username ? ui.password : ui.username).focus();
    return;
  }
  const button = ui.loginForm.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const body = await requestLogin(username, password);
    if (body === null) {
      showLoginError("帳號或密碼錯誤，請再試一次。");
      return;
    }
    if (!ROLES[body.role]) {
      showLoginError("這個帳號沒有語意工程師權限，請改用語意工程師或督導帳號。");
      return;
    }
    saveSession(body);
    ui.password.value = "";
    start();
  } catch {
    showLoginError("無法連線到伺服器，請稍後再試。");
  } finally {
    button.disabled = false;
  }
});

ui.logout.addEventListener("click", () => logout());

function logout(message) {
  saveSession(null);
  if (chart) { chart.destroy(); chart = null; }
  ui.clusters.textContent = "";
  showLogin(message);
}

function start() {
  ui.loginView.hidden = true;
  ui.engView.hidden = false;
  ui.session.hidden = false;
  ui.who.textContent = `${auth.username}（${ROLES[auth.role] || auth.role}）`;
  loadClusters();
  loadModels();
  loadRates();
}

// ---- KB lookups (intent names, search) ----------------------------------------------------------
async function kbSearch(q, limit = 8) {
  return api(`/api/kb/search?q=${encodeURIComponent(q)}&limit=${limit}`);
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

async function loadClusters(message) {
  ui.clustersRefresh.disabled = true;
  ui.clustersStatus.textContent = message || "載入中…";
  try {
    clusters = await api("/api/misses/clusters");
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
  for (const card of ui.clusters.querySelectorAll(".cluster")) {
    kept.set(card.dataset.key, {
      label: card.querySelector(".label-input").value,
      checked: [...card.querySelectorAll(".item-check:checked")].map((box) => box.value),
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
    el("option", { value: "", text: "待分類" }), ...CATEGORIES.map((c) => el("option", { value: c, text: c })),
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
  card._cluster = cluster;

  const updateScope = () => {
    const chosen = card.querySelectorAll(".item-check:checked").length;
    scope.textContent = chosen ? `套用範圍：已勾選的 ${chosen} 則` : `套用範圍：整個群組（${cluster.count} 則）`;
  };
  card.addEventListener("change", (event) => {
    if (!event.target.classList.contains("item-check")) return;
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
        const result = await api("/api/misses/label", { method: "POST", body: { turn_ids: chosen.map((i) => i.id), intent } });
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
      const result = await api("/api/misses/ignore", { method: "POST", body: { turn_ids: chosen.map((i) => i.id) } });
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
      const result = await api("/api/misses/propose", {
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
  const cards = ui.clusters.querySelectorAll(".cluster h3");
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

// ---- models -------------------------------------------------------------------------------------
async function loadModels() {
  try {
    models = await api("/api/models");
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
  ui.forceForm.querySelectorAll("button, textarea").forEach((c) => { c.disabled = value; });
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
    const result = await api("/api/models/train", { method: "POST" });
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
    const result = await api("/api/models/compare", { method: "POST", body: { version: currentVersion() } });
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
    const result = await api("/api/models/deploy", { method: "POST", body: { version, ...extra } });
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
    const result = await api("/api/models/rollback", { method: "POST" });
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

// ---- match rate ---------------------------------------------------------------------------------
for (const radio of document.querySelectorAll("input[name=period]")) {
  radio.addEventListener("change", () => { if (radio.checked) { period = radio.value; loadRates(); } });
}

async function loadRates() {
  ui.rateStatus.textContent = "載入中…";
  let rows;
  try {
    rows = await api(`/api/match-rate?period=${period}`);
  } catch (error) {
    if (error.status !== 401 && error.status !== 403) ui.rateStatus.textContent = failText(error, "無法載入匹配成功率。");
    return;
  }
  const unit = period === "day" ? "每日" : "每月";
  ui.rateCaption.textContent = `${unit}匹配成功率`;
  ui.ratePeriodHead.textContent = period === "day" ? "日期" : "月份";
  const tbody = ui.rateTable.querySelector("tbody");
  tbody.textContent = "";
  for (const row of [...rows].reverse()) {
    const below = row.match_rate < CONTRACT_RATE;
    tbody.append(el("tr", { className: below ? "below" : "" }, [
      el("th", { scope: "row", text: row.period }),
      el("td", { text: String(row.question_turns) }),
      el("td", { text: String(row.answered_turns) }),
      el("td", {}, [percent(row.match_rate), el("span", {
        className: `flag ${below ? "flag--below" : "flag--ok"}`, text: below ? "未達標" : "達標",
      })]),
    ]));
  }
  if (!rows.length) {
    tbody.append(el("tr", {}, [el("td", { colspan: 4, className: "muted", text: "還沒有民眾提問的紀錄。" })]));
  }
  const last = rows[rows.length - 1];
  ui.rateStatus.textContent = last
    ? `最近一期（${last.period}）：${percent(last.match_rate)}，${last.match_rate < CONTRACT_RATE ? "低於" : "達到"}合約標準 85%。`
      + `民眾直接要求真人客服 ${last.person_requests || 0} 次（另計，不算未命中）。`
    : "";
  drawChart(rows, unit, last);
}

function drawChart(rows, unit, last) {
  const Chart = window.Chart;
  if (!Chart) { ui.rateChartBox.hidden = true; return; }
  ui.rateChartBox.hidden = false;
  ui.rateChart.setAttribute("aria-label", last
    ? `${unit}匹配成功率趨勢圖，共 ${rows.length} 期；最近一期 ${last.period} 為 ${percent(last.match_rate)}，合約標準 85%。數字見下表。`
    : `${unit}匹配成功率趨勢圖：尚無資料。`);
  const data = {
    labels: rows.map((r) => r.period),
    datasets: [{
      label: "匹配成功率", data: rows.map((r) => +(r.match_rate * 100).toFixed(2)),
      borderColor: "#0b4f8a", backgroundColor: "#0b4f8a", borderWidth: 2, pointRadius: 4, pointHoverRadius: 6,
      tension: 0, fill: false,
    }],
  };
  if (chart) {
    chart.data = data;
    chart.update();
    return;
  }
  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  chart = new Chart(ui.rateChart, {
    type: "line",
    data,
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        y: { min: 0, max: 100, ticks: { stepSize: 20, color: "#4d5866", callback: (v) => `${v}%` }, grid: { color: "#e3e9f0" } },
        x: { offset: true, ticks: { color: "#4d5866" }, grid: { display: false } },
      },
      plugins: {
        legend: { labels: { color: "#1c2733", boxHeight: 2 } },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}：${ctx.parsed.y.toFixed(1)}%` } },
      },
    },
    plugins: [contractLine],
  });
}

// the 85% contract line across the whole plot, labelled (a dataset would only be a dot with one period)
const contractLine = {
  id: "contractLine",
  afterDatasetsDraw(c) {
    const y = c.scales.y.getPixelForValue(CONTRACT_RATE * 100);
    const { left, right } = c.chartArea;
    const ctx = c.ctx;
    ctx.save();
    ctx.strokeStyle = "#a4161a";
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(right, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#8c1d18";
    ctx.font = `600 12px ${window.Chart.defaults.font.family}`;
    ctx.textAlign = "right";
    ctx.textBaseline = "bottom";
    ctx.fillText("合約標準 85%", right - 4, y - 3);
    ctx.restore();
  },
};

// ---- start --------------------------------------------------------------------------------------
async function boot() {
  if (!auth) { showLogin(); return; }
  try {
    const response = await fetch("/auth/me", { headers: { Authorization: `Bearer ${auth.token}` } });
    if (response.status === 401) { saveSession(null); showLogin("登入已逾時，請重新登入。"); return; }
  } catch { /* offline: the panels show their own errors */ }
  start();
}

boot();
