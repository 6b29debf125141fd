"""The monthly report as a file: JSON (the report object), CSV (``section,metric,value`` rows) and
XLSX (one sheet per section, the same numbers, native openpyxl charts).

Every format is written from one :class:`MonthlyReport`, so the figures cannot drift apart; the CSV
rows are also the order of the 摘要 sheet.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterator
from typing import Any

from handoff.reports.figures import ReportError, label_of
from handoff.reports.monthly import SECTIONS, AgencyRow, Day, MonthlyReport, QualityAgentRow, Topic

FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
SCALAR_SECTIONS = ("volume", "match", "waits", "satisfaction", "cases", "quality")
SECTION_TITLES = {"report": "報表", "volume": "服務量", "match": "智能問答匹配", "waits": "等候時間",
                  "satisfaction": "滿意度", "cases": "後送案件", "cases.by_agency": "後送案件（依機關）",
                  "top_missed": "未命中主題", "quality": "品質抽測", "quality.by_agent": "品質抽測（依客服人員）",
                  "daily": "每日", "case_surveys": "案件滿意度", "scores": "機關得分", "ranking": "機關排名",
                  "special": "特殊（緊急）案件", "comments": "回饋意見"}
# (list section, the field that names a row)
TABLES = (("cases.by_agency", "agency"), ("quality.by_agent", "agent"), ("top_missed", "topic"), ("daily", "date"),
          ("case_surveys", "agency"), ("scores", "agency"), ("ranking", "agency"), ("special", "number"))


def is_rate(name: str) -> bool:
    return name.endswith(("_rate", "_share")) or name.startswith("share_") or name in ("compliance", "target")


def _scalars(obj: Any) -> Iterator[tuple[str, Any]]:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if not isinstance(value, list):
            yield f.name, value


def _list(report: MonthlyReport, section: str) -> list[Any]:
    head, _, tail = section.partition(".")
    value = getattr(report, head)
    return getattr(value, tail) if tail else value


def rows(report: MonthlyReport) -> list[tuple[str, str, Any]]:
    """``(section, metric, value)`` for every figure; list sections name the row in the metric
    (``cases.by_agency, 財政部.points, 20``)."""
    out: list[tuple[str, str, Any]] = [("report", name, getattr(report, name))
                                       for name in ("month", "timezone", "start", "end", "generated_at")]
    for section in SCALAR_SECTIONS:
        out += [(section, name, value) for name, value in _scalars(getattr(report, section))]
    for section, key in TABLES:
        for item in _list(report, section):
            out += [(section, f"{getattr(item, key)}.{name}", value) for name, value in _scalars(item) if name != key]
    return out


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def to_json(report: MonthlyReport) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)


def to_csv(report: MonthlyReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "metric", "value"])
    writer.writerows((s, m, _cell(v)) for s, m, v in rows(report))
    return buffer.getvalue()


def to_xlsx(report: MonthlyReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = "摘要"
    summary.append([f"全民共享普發現金客服月報表 {report.month}（{report.timezone}）"])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["區段", "指標", "名稱", "數值"])
    for section in SCALAR_SECTIONS:
        obj = getattr(report, section)
        for name, value in _scalars(obj):
            summary.append([SECTION_TITLES[section], name, label_of(type(obj), name), _xlsx(value)])
            if is_rate(name) and isinstance(value, float):
                summary.cell(summary.max_row, 4).number_format = "0.00%"
    _widths(summary, [14, 24, 24, 14])

    def table(title: str, section: str, cls: type) -> Any:
        sheet = book.create_sheet(title)
        names = [f.name for f in dataclasses.fields(cls)]
        sheet.append([label_of(cls, n) for n in names])
        for item in _list(report, section):
            sheet.append([_xlsx(getattr(item, n)) for n in names])
        for column, name in enumerate(names, start=1):
            if is_rate(name):
                for row in range(2, sheet.max_row + 1):
                    sheet.cell(row, column).number_format = "0.00%"
            sheet.cell(1, column).font = Font(bold=True)
        _widths(sheet, [14] * len(names))
        return sheet, names

    daily, names = table("每日", "daily", Day)
    days = len(report.daily)
    volume = BarChart()
    volume.title, volume.y_axis.title = "每日對話數", "件"
    for name in ("chats", "bot_only", "handoffs"):
        column = names.index(name) + 1
        volume.add_data(Reference(daily, min_col=column, min_row=1, max_row=days + 1), titles_from_data=True)
    volume.set_categories(Reference(daily, min_col=1, min_row=2, max_row=days + 1))
    volume.width, volume.height = 24, 8
    daily.add_chart(volume, f"A{days + 4}")
    target_col = len(names) + 1
    daily.cell(1, target_col, "合約標準").font = Font(bold=True)
    for row in range(2, days + 2):
        daily.cell(row, target_col, report.match.target).number_format = "0.00%"
    line = LineChart()
    line.title, line.y_axis.title = "每日匹配成功率（合約標準 85%）", "比率"
    line.y_axis.scaling.min, line.y_axis.scaling.max = 0, 1
    line.y_axis.number_format = "0%"
    for column in (names.index("match_rate") + 1, target_col):
        line.add_data(Reference(daily, min_col=column, min_row=1, max_row=days + 1), titles_from_data=True)
    line.set_categories(Reference(daily, min_col=1, min_row=2, max_row=days + 1))
    line.width, line.height = 24, 8
    daily.add_chart(line, f"A{days + 22}")

    waits = book.create_sheet("等候時間")
    waits.append(["接通速度", "件數"])
    w = report.waits
    for label, count in (("≤ 7 秒", w.within_7), ("8–15 秒", w.within_15), ("16–31 秒", w.within_31),
                         ("> 31 秒", w.over_31)):
        waits.append([label, count])
    bars = BarChart()
    bars.title, bars.y_axis.title = "等候時間分布", "件"
    bars.add_data(Reference(waits, min_col=2, min_row=1, max_row=5), titles_from_data=True)
    bars.set_categories(Reference(waits, min_col=1, min_row=2, max_row=5))
    waits.add_chart(bars, "D2")

    satisfaction = book.create_sheet("滿意度")
    satisfaction.append(["分數", "件數"])
    s = report.satisfaction
    for label, count in (("5 非常滿意", s.score_5), ("4 滿意", s.score_4), ("3 普通", s.score_3),
                         ("2 不滿意", s.score_2), ("1 非常不滿意", s.score_1)):
        satisfaction.append([label, count])
    bars = BarChart()
    bars.title = f"滿意度分布（滿意 {_pct(s.satisfied_share)}，標準 85%）"
    bars.add_data(Reference(satisfaction, min_col=2, min_row=1, max_row=6), titles_from_data=True)
    bars.set_categories(Reference(satisfaction, min_col=1, min_row=2, max_row=6))
    satisfaction.add_chart(bars, "D2")

    agencies, names = table("後送案件", "cases.by_agency", AgencyRow)
    if report.cases.by_agency:
        count = len(report.cases.by_agency)
        bars = BarChart()
        bars.title, bars.y_axis.title = "機關得分（24 小時內回覆 +10，逾時 −10）", "分"
        bars.add_data(Reference(agencies, min_col=names.index("points") + 1, min_row=1, max_row=count + 1),
                      titles_from_data=True)
        bars.set_categories(Reference(agencies, min_col=1, min_row=2, max_row=count + 1))
        agencies.add_chart(bars, f"A{count + 4}")
    table("未命中主題", "top_missed", Topic)
    table("品質抽測", "quality.by_agent", QualityAgentRow)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _widths(sheet: Any, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def render(report: MonthlyReport, fmt: str) -> bytes:
    """The report in ``fmt`` (json, csv or xlsx) as bytes."""
    if fmt == "json":
        return to_json(report).encode("utf-8")
    if fmt == "csv":  # with a BOM, so Excel opens the Chinese text as UTF-8
        return to_csv(report).encode("utf-8-sig")
    if fmt == "xlsx":
        return to_xlsx(report)
    raise ReportError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")


def definitions() -> dict[str, list[dict[str, str]]]:
    """Every figure's label and definition, by section (served to the page, checked against the docs)."""
    from handoff.reports.figures import described

    return {section: described(cls) for section, cls in SECTIONS.items()}
