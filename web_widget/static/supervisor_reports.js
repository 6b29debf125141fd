// @ts-check
// supervisor_reports.js: the 月報表 tab of /supervisor. A month picker, figure cards, Chart.js charts
// (window.Chart, static/vendor/chart.umd.js) and, for every chart, a table with the same numbers.
// Figures come from GET /api/reports/monthly; their labels and definitions from
// GET /api/reports/definitions (the same words as the XLSX export). Text is set with textContent only.

import { el } from "./staff.js";

const TARGET = 0.85;
// the cadence picker: month uses the month input; the others a text field (hotline report --day|--week|--year)
const KINDS = [["day", "日報表"], ["week", "週報表"], ["month", "月報表"], ["year", "年報表"]];
const HINTS = { day: "2023-10-05", week: "2023-W41", year: "2023" };
const FORMATS = [["xlsx", "下載 Excel"], ["csv", "下載 CSV"], ["json", "下載 JSON"]];
const COLORS = { blue: "#0b4f8a", green: "#1f7a3d", amber: "#b36b00", red: "#a4161a", grey: "#6b7785" };

let ctx = null;
let ui = null;
let definitions = null;
const charts = new Map();

export function thisMonth() {
  // the current calendar month in Asia/Taipei, "YYYY-MM"
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Taipei", year: "numeric", month: "2-digit" })
    .formatToParts(new Date());
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}`;
}

export function isRate(name) {
  return /(_rate|_share)$|^share_/.test(name) || name === "compliance" || name === "target";
}

export function format(name, value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "boolean") return value ? "是" : "否";
  if (typeof value === "number" && isRate(name)) return `${(value * 100).toFixed(1)}%`;
  if (typeof value === "number" && /seconds$/.test(name)) return `${value} 秒`;
  return String(value);
}

function labelOf(section, name) {
  const found = (definitions && definitions[section] || []).find((f) => f.name === name);
  return found ? found.label : name;
}

export async function mount(panel, context) {
  ctx = context;
  const monthId = "rpt-month";
  ui = {
    month: el("input", { id: monthId, type: "month", required: true, value: thisMonth(), min: "2023-01" }),
    kind: el("select", { id: "rpt-kind", onchange: () => switchKind() },
      KINDS.map(([value, text]) => el("option", { value, text, selected: value === "month" }))),
    value: el("input", { id: "rpt-value", type: "text", maxlength: "10", autocomplete: "off" }),
    status: el("p", { className: "rpt-status muted", role: "status", "aria-live": "polite" }),
    cards: el("div", { className: "rpt-cards", role: "list", "aria-label": "本月重點指標" }),
    body: el("div", { className: "rpt-body" }),
  };
  const form = el("form", { className: "rpt-controls", onsubmit: (event) => { event.preventDefault(); load(); } }, [
    el("div", { className: "field" }, [el("label", { for: "rpt-kind", text: "報表期間" }), ui.kind]),
    el("div", { className: "field", id: "rpt-month-field" }, [el("label", { for: monthId, text: "月份" }), ui.month]),
    el("div", { className: "field", id: "rpt-value-field", hidden: true }, [
      el("label", { for: "rpt-value", text: "日期／週次／年度" }), ui.value]),
    el("button", { type: "submit", className: "btn btn--primary", text: "產生報表" }),
    el("div", { className: "rpt-downloads", role: "group", "aria-label": "下載報表" },
      FORMATS.map(([fmt, text]) => el("button", {
        type: "button", className: "btn btn--secondary btn--small", text, onclick: () => download(fmt),
      }))),
  ]);
  panel.append(el("div", { className: "rpt" }, [
    el("div", { className: "pane-head" }, [el("h2", { text: "月報表" }),
      el("span", { className: "muted small", text: "日報、週報、月報、年報（臺北時間）" })]),
    form, ui.status, ui.cards, ui.body,
  ]));
  try {
    definitions = await ctx.api("/api/reports/definitions");
  } catch { definitions = {}; }
  await load();
}

export function show() {
  if (ui) load();
}

function switchKind() {
  const kind = ui.kind.value;
  document.getElementById("rpt-month-field").hidden = kind !== "month";
  document.getElementById("rpt-value-field").hidden = kind === "month";
  ui.value.placeholder = HINTS[kind] || "";
}

function query() {
  const kind = ui.kind.value;
  const value = kind === "month" ? ui.month.value : ui.value.value.trim();
  return { kind, value, path: `kind=${kind}&value=${encodeURIComponent(value)}` };
}

async function load() {
  const { kind, value, path } = query();
  if (kind === "month" && !/^\d{4}-\d{2}$/.test(value)) {
    ui.status.textContent = "請選擇月份（例如 2023-10）。";
    return;
  }
  if (!value) {
    ui.status.textContent = `請輸入期間（例如 ${HINTS[kind]}）。`;
    return;
  }
  const month = value;
  ui.status.textContent = `正在產生 ${month} 報表…`;
  let report;
  try {
    report = await ctx.api(`/api/reports/period?${path}`);
  } catch (error) {
    if (error.status !== 401 && error.status !== 403) ui.status.textContent = error.detail || "無法載入月報表，請稍後再試。";
    return;
  }
  render(report);
  ui.status.textContent = `${report.month} ${KINDS.find(([k]) => k === report.period)[1]}（${report.start.slice(0, 10)} 至 ${report.end.slice(0, 10)} 前，產生於 ${report.generated_at.replace("T", " ").slice(0, 16)}）`;
}

async function download(fmt) {
  const { value: month, path } = query();
  try {
    const response = await fetch(`/api/reports/period/export?${path}&format=${fmt}`, {
      headers: { Authorization: `Bearer ${ctx.session ? ctx.session.token : ""}` },
    });
    if (!response.ok) throw new Error(String(response.status));
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: `hotline-report-${month}.${fmt}`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch {
    ctx.toast("下載失敗，請稍後再試。");
  }
}

// ---- figure cards --------------------------------------------------------------------------------
function card(title, value, note, state) {
  return el("div", { className: `rpt-card${state ? ` rpt-card--${state}` : ""}`, role: "listitem" }, [
    el("span", { className: "rpt-card-title", text: title }),
    el("strong", { className: "rpt-card-value", text: value }),
    note ? el("span", { className: "rpt-card-note", text: note }) : null,
  ]);
}

function targetState(met) {
  return met === null || met === undefined ? "" : met ? "ok" : "below";
}

function targetNote(met) {
  return met === null || met === undefined ? "尚無資料" : met ? "達到合約標準 85%" : "低於合約標準 85%";
}

function renderCards(r) {
  const v = r.volume, m = r.match, w = r.waits, s = r.satisfaction, c = r.cases, q = r.quality;
  ui.cards.replaceChildren(
    card("對話數", format("chats", v.chats), `機器人獨立解決 ${v.bot_only}（${format("bot_only_rate", v.bot_only_rate)}）`),
    card("智能問答匹配成功率", format("match_rate", m.match_rate), targetNote(m.met), targetState(m.met)),
    card("轉真人", format("handoffs", v.handoffs), `放棄率 ${format("abandonment_rate", v.abandonment_rate)}`),
    card("7 秒內接通", format("share_within_7", w.share_within_7), `平均等候 ${format("average_seconds", w.average_seconds)}`),
    card("滿意度", format("satisfied_share", s.satisfied_share), targetNote(s.met), targetState(s.met)),
    card("問卷回覆率", format("response_rate", s.response_rate), `平均 ${format("average_score", s.average_score)} 分，${s.responses} 份`),
    card("回電需求", format("callbacks", v.callbacks), `待處理 ${v.callbacks_open}`),
    card("後送案件受理", format("accepted", c.accepted), `機關得分合計 ${c.points}，期限遵循率 ${format("compliance", c.compliance)}`),
    card("品質抽測", q.reviews ? `${format("average_score", q.average_score)} 分` : "—", `抽測 ${q.reviews} 件`),
  );
}

// ---- tables --------------------------------------------------------------------------------------
function keyValueTable(caption, section, data, names) {
  const rows = (names || Object.keys(data)).filter((n) => !Array.isArray(data[n]));
  return el("div", { className: "table-wrap" }, [el("table", { className: "data rpt-table" }, [
    el("caption", { text: caption }),
    el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: "指標" }), el("th", { scope: "col", text: "數值" })])]),
    el("tbody", {}, rows.map((name) => el("tr", {}, [
      el("th", { scope: "row", text: labelOf(section, name) }), el("td", { text: format(name, data[name]) }),
    ]))),
  ])]);
}

function listTable(caption, section, items, names, empty) {
  const head = el("tr", {}, names.map((n) => el("th", { scope: "col", text: labelOf(section, n) })));
  const body = items.length
    ? items.map((item) => el("tr", {}, names.map((n, i) => el(i === 0 ? "th" : "td", {
      scope: i === 0 ? "row" : null, text: format(n, item[n]),
    }))))
    : [el("tr", {}, [el("td", { colspan: names.length, className: "muted", text: empty })])];
  return el("div", { className: "table-wrap" }, [el("table", { className: "data rpt-table" }, [
    el("caption", { text: caption }), el("thead", {}, [head]), el("tbody", {}, body),
  ])]);
}

function chartFigure(key, caption, description) {
  const canvas = el("canvas", { role: "img", "aria-label": `${caption}：${description}。數字見下表。` });
  return { canvas, node: el("figure", { className: "rpt-chart" }, [
    el("div", { className: "rpt-chart-box" }, [canvas]),
    el("figcaption", { className: "muted small", text: caption }),
  ]), key };
}

function drawChart(figure, config) {
  const Chart = window.Chart;
  if (charts.has(figure.key)) { charts.get(figure.key).destroy(); charts.delete(figure.key); }
  if (!Chart) { figure.node.hidden = true; return; }
  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  charts.set(figure.key, new Chart(figure.canvas, {
    ...config,
    options: { animation: false, responsive: true, maintainAspectRatio: false, ...config.options },
  }));
}

function section(title, ...children) {
  return el("section", { className: "rpt-section", "aria-label": title }, [el("h3", { text: title }), ...children]);
}

function render(r) {
  renderCards(r);
  const pct = (x) => (x === null ? null : +(x * 100).toFixed(2));
  const days = r.daily.map((d) => d.date.slice(5));

  const daily = chartFigure("daily", "每日對話量與匹配成功率",
    `${r.daily.length} 天；本月匹配成功率 ${format("match_rate", r.match.match_rate)}，合約標準 85%`);
  const waits = chartFigure("waits", "接通等候時間分布",
    `7 秒內 ${r.waits.within_7} 件、8–15 秒 ${r.waits.within_15} 件、16–31 秒 ${r.waits.within_31} 件、超過 31 秒 ${r.waits.over_31} 件`);
  const s = r.satisfaction;
  const satisfaction = chartFigure("satisfaction", "滿意度問卷分數分布",
    `5 分 ${s.score_5}、4 分 ${s.score_4}、3 分 ${s.score_3}、2 分 ${s.score_2}、1 分 ${s.score_1} 份；滿意度 ${format("satisfied_share", s.satisfied_share)}`);
  const agencies = chartFigure("agencies", "後送案件：各機關受理件數與得分",
    r.cases.by_agency.map((a) => `${a.agency} 受理 ${a.accepted} 件、得分 ${a.points}`).join("；") || "本月沒有受理案件");

  ui.body.replaceChildren(
    section("服務量與智能問答",
      daily.node,
      el("div", { className: "rpt-grid" }, [
        keyValueTable("服務量", "volume", r.volume),
        keyValueTable("智能問答匹配", "match", r.match),
      ]),
      el("details", { className: "rpt-details" }, [el("summary", { text: "每日明細表" }),
        listTable("每日", "daily", r.daily, ["date", "chats", "bot_only", "handoffs", "abandoned", "question_turns",
          "answered_turns", "match_rate"], "")])),
    section("等候時間與滿意度",
      el("div", { className: "rpt-grid" }, [waits.node, satisfaction.node]),
      el("div", { className: "rpt-grid" }, [
        keyValueTable("等候時間", "waits", r.waits),
        keyValueTable("滿意度", "satisfaction", r.satisfaction),
      ])),
    section("後送案件",
      agencies.node,
      keyValueTable("後送案件合計", "cases", r.cases),
      listTable("後送案件（依機關）", "cases.by_agency", r.cases.by_agency,
        ["agency", "accepted", "urgent", "replied_on_time", "replied_late", "reply_pending", "points",
          "resolved_on_time", "resolved_late", "resolve_pending", "compliance", "reminders", "escalated"],
        "本月沒有機關受理的案件。")),
    section("機關獎（揪感心計畫 陸、二）",
      listTable("各機關得分（通報 ±10、回應 ±10、抽測 ±5）", "scores", r.scores || [],
        ["agency", "report_plus", "report_minus", "response_plus", "response_minus", "response_pending",
          "spot_report_plus", "spot_report_minus", "spot_response_plus", "spot_response_minus", "points"],
        "本期間沒有計分項目。"),
      listTable("機關排名（年報即年底機關獎）", "ranking", r.ranking || [], ["rank", "agency", "points", "prize"],
        "本期間沒有計分項目。"),
      listTable("案件滿意度（依機關）", "case_surveys", r.case_surveys || [],
        ["agency", "responses", "average_score", "satisfied", "dissatisfied", "satisfied_share", "forwarded"],
        "本期間沒有案件滿意度調查。")),
    section("特殊（緊急）案件追蹤總結",
      listTable("急件與陳報督導案件", "special", r.special || [],
        ["number", "agency", "urgency", "status", "received_at", "escalated", "replied", "closed_at", "summary"],
        "本期間沒有急件或陳報督導的案件。")),
    section("民眾回饋意見",
      listTable("回饋意見（對話問卷與案件問卷）", "comments", r.comments || [],
        ["at", "source", "score", "reference", "comment"], "本期間沒有回饋意見。")),
    section("未命中主題",
      listTable("未命中主題（前 10 名）", "top_missed", r.top_missed, ["topic", "title", "misses", "example"],
        "本月沒有未命中的提問。")),
    section("品質抽測",
      keyValueTable("品質抽測合計", "quality", r.quality),
      listTable("品質抽測（依客服人員）", "quality.by_agent", r.quality.by_agent,
        ["agent", "closed_chats", "reviews", "average_score", "greeting", "confirmed_need", "anything_else", "thanks",
          "correct_answer"], "本月沒有客服人員結案的對話。")),
    definitionsList(),
  );

  drawChart(daily, {
    data: {
      labels: days,
      datasets: [
        { type: "bar", label: "對話數", data: r.daily.map((d) => d.chats), backgroundColor: COLORS.blue, yAxisID: "y" },
        { type: "bar", label: "機器人獨立解決", data: r.daily.map((d) => d.bot_only), backgroundColor: COLORS.green, yAxisID: "y" },
        { type: "bar", label: "轉真人", data: r.daily.map((d) => d.handoffs), backgroundColor: COLORS.amber, yAxisID: "y" },
        { type: "line", label: "匹配成功率 %", data: r.daily.map((d) => pct(d.match_rate)), borderColor: "#111b27",
          backgroundColor: "#111b27", spanGaps: false, pointRadius: 3, yAxisID: "rate" },
        { type: "line", label: "合約標準 85%", data: r.daily.map(() => TARGET * 100), borderColor: COLORS.red,
          borderDash: [6, 4], pointRadius: 0, borderWidth: 2, yAxisID: "rate" },
      ],
    },
    options: {
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "件" } },
        rate: { position: "right", min: 0, max: 100, grid: { display: false }, ticks: { callback: (v) => `${v}%` } },
      },
    },
  });
  drawChart(waits, {
    type: "bar",
    data: {
      labels: ["≤ 7 秒", "8–15 秒", "16–31 秒", "> 31 秒"],
      datasets: [{ label: "接通件數", data: [r.waits.within_7, r.waits.within_15, r.waits.within_31, r.waits.over_31],
        backgroundColor: [COLORS.green, COLORS.blue, COLORS.amber, COLORS.red] }],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
  });
  drawChart(satisfaction, {
    type: "bar",
    data: {
      labels: ["5 非常滿意", "4 滿意", "3 普通", "2 不滿意", "1 非常不滿意"],
      datasets: [{ label: "問卷份數", data: [s.score_5, s.score_4, s.score_3, s.score_2, s.score_1],
        backgroundColor: [COLORS.green, COLORS.green, COLORS.grey, COLORS.amber, COLORS.red] }],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
  });
  drawChart(agencies, {
    type: "bar",
    data: {
      labels: r.cases.by_agency.map((a) => a.agency),
      datasets: [
        { label: "受理件數", data: r.cases.by_agency.map((a) => a.accepted), backgroundColor: COLORS.blue },
        { label: "機關得分", data: r.cases.by_agency.map((a) => a.points),
          backgroundColor: r.cases.by_agency.map((a) => (a.points < 0 ? COLORS.red : COLORS.green)) },
      ],
    },
    options: { scales: { y: { ticks: { precision: 0 } } } },
  });
}

function definitionsList() {
  const items = [];
  for (const [key, figures] of Object.entries(definitions || {})) {
    for (const f of figures) items.push(el("div", {}, [el("dt", { text: `${f.label}（${key}.${f.name}）` }), el("dd", { text: f.doc })]));
  }
  return el("details", { className: "rpt-details" }, [el("summary", { text: "指標定義" }), el("dl", { className: "rpt-defs" }, items)]);
}
