// @ts-check
// The engineer page's match rate per day or month against the contract's 85% line: a table and
// a Chart.js line (static/vendor/chart.umd.js; without it the table alone shows the numbers).

import { el } from "./dom.js";
import { CONTRACT_RATE, percent } from "./engineer_format.js";
import { failText, page, ui } from "./engineer_page.js";

let period = "day";
let chart = null;

// ---- match rate ---------------------------------------------------------------------------------
for (const radio of /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll("input[name=period]"))) {
  radio.addEventListener("change", () => { if (radio.checked) { period = radio.value; loadRates(); } });
}

export async function loadRates() {
  ui.rateStatus.textContent = "載入中…";
  let rows;
  try {
    rows = await page.api(`/api/match-rate?period=${period}`);
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


/** Forget the chart (a new login draws a new one). */
export function resetRates() {
  if (chart) { chart.destroy(); chart = null; }
}
