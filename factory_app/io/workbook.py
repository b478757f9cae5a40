"""An Excel workbook whose economics are live formulas (``factory-app export FILE --workbook``,
File ▸ Export workbook…).

Sheets: **Totals** (every total of ``evaluate --json`` under its own key as a defined name, with a
native chart or two), **Assumptions** (every input, one cell each, with unit, defined name and
source), **Operating points** (the engine's figures per fleet x workload, as values),
**Economics** (fleet sizes, capacity, revenue, costs and the cost of capital of year 1, then the
life cycle one column per year, NPV, IRR, discounted payback: all formulas) and **Hourly** (each
workload's day, 24 rows, year 1 and every year of the life cycle). Changing an input that does not
move an operating point (prices, electricity, PUE, WACC, lives, shares of the power...) recomputes
the economics as the app would.

Written with XlsxWriter into memory, then atomically (a failed export keeps the old file). Text from
the scenario is always written as text (``write_string``), never as a formula.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import replace
from pathlib import Path

import xlsxwriter

from factory_app import __version__
from factory_app.factory.metrics import METRICS
from factory_app.factory.results import FactoryResult
from factory_app.io.atomic import write_bytes_atomic
from factory_app.io.chart_palette import COST_COLORS, COST_LABELS, CUMULATIVE, INFLOW, REVENUE_COLOR
from factory_app.io.workbook_inputs import ASSUMPTIONS, OPERATING_POINTS, Writer, write_assumptions, write_operating_points
from factory_app.io.workbook_layout import FORMATS, HOURS_PER_YEAR, MILLION, SECONDS_PER_YEAR, ModelData, Refs, ratio, ref
from factory_app.io.workbook_model import ECONOMICS, HOURLY, Sheet, hourly_refs, write_hourly, write_year_one
from factory_app.io.workbook_years import YEAR0, write_life_cycle, write_site_year_one
from factory_app.scenario.model import Scenario
from factory_app.serving.catalog import Catalog, default_catalog

TOTALS = "Totals"
SHEETS = (TOTALS, ASSUMPTIONS, OPERATING_POINTS, ECONOMICS, HOURLY)
#: Number format of each metric style
_STYLE_FORMATS = {"tokens_per_s": "tokens", "per_mw": "tokens", "usd_per_year": "usd", "usd_per_w_year": "usd2",
                  "usd_per_mtok": "usd3", "usd_per_hour": "usd2", "usd": "usd", "fraction": "pct", "rate": "pct",
                  "joules": "number", "count": "count", "mw": "mw", "years": "years"}


def _total_formulas(r: Refs) -> dict[str, str]:
    """Every total of ``evaluate --json`` as a formula of the Economics sheet's sums."""
    sold, cap, cost, revenue = r["t.sold"], r["t.cap"], r["t.cost"], r["t.revenue"]
    fp = r["e.facility_power_mw"]
    return {
        "facility_power_mw": fp,
        "facility_power_used_mw": r["t.facility_used"],
        "it_power_mw": r["e.it_power_mw"],
        "accelerator_power_mw": r["e.accelerator_power_mw"],
        "accelerator_power_used_mw": r["t.acc_used"],
        "accelerators": r["t.n"],
        "output_tokens_per_s": sold,
        "input_tokens_per_s": r["t.input"],
        "output_capacity_tokens_per_s": cap,
        "tokens_per_s_per_mw": ratio(sold, fp),
        "revenue_usd_per_year": revenue,
        "cost_usd_per_year": cost,
        "profit_usd_per_year": r["t.profit"],
        "revenue_usd_per_watt_year": ratio(revenue, f"{fp}*{MILLION}"),
        "cost_usd_per_million_tokens": ratio(cost, f"{sold}*{SECONDS_PER_YEAR}/{MILLION}"),
        "margin": ratio(r["t.profit"], revenue),
        "payback_years": r["t.payback_cash"],
        "joules_per_token": ratio(f"{r['t.facility_mean']}*{MILLION}", sold),
        "capex_usd": r["t.capex"],
        "idle_share": f"IF({cap}>0,MAX(0,1-{ratio(sold, cap)}),0)",
        "utilisation": f"MIN({ratio(sold, cap)},1)",
        "facility_power_mean_mw": r["t.facility_mean"],
        "cost_usd_per_accelerator_hour": ratio(cost, f"{r['t.n']}*{HOURS_PER_YEAR}"),
        "cost_of_capital_usd_per_year": r["t.fin"],
        "npv_usd": r["t.npv"],
        "irr": r["t.irr"],
        "discounted_payback_years": r["t.payback"],
    }


#: Width (characters) of the Totals sheet's "Meaning" column, and the height (points) of one line.
MEANING_WIDTH = 90
ROW_HEIGHT_PT = 15
#: Characters of proportional text per unit of column width (a width unit is one '0'; LibreOffice
#: fit 116 characters of these meanings on one line of width 90 and wrapped 125)
CHARACTERS_PER_WIDTH = 1.2


def _write_totals(wb, formats: dict, data: ModelData, r: Refs, result: FactoryResult | None) -> None:
    ws = wb.get_worksheet_by_name(TOTALS)
    w = Writer(ws, formats, TOTALS)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 20)
    ws.set_column(2, 2, 30)
    ws.set_column(3, 3, 34)
    ws.set_column(4, 4, MEANING_WIDTH)
    w.text(0, 0, data.scenario.name, "title")
    w.text(1, 0, f"AI Factory Modeller {__version__}: year 1 at steady state, and the life cycle over "
                 f"{data.scenario.site.horizon_years} years (NPV, IRR, discounted payback). Yellow cells on Assumptions are inputs.", "note")
    w.row = 3
    w.head(["Total", "Value", "Unit", "Defined name", "Meaning"])
    ws.freeze_panes(4, 1)
    for key, formula in _total_formulas(r).items():
        m = METRICS[key]
        cached = result.totals.get(key) if result is not None else None
        w.text(w.row, 0, m.label)
        fmt = formats[_STYLE_FORMATS.get(m.style, "number")]
        if cached is None:
            ws.write_formula(w.row, 1, "=" + formula, fmt, ("never" if m.style == "years" else "n/a") if result is not None else "")
        else:
            ws.write_formula(w.row, 1, "=" + formula, fmt, cached)
        w.text(w.row, 2, m.unit)
        w.text(w.row, 3, key)
        w.text(w.row, 4, m.description, "wrap")
        # LibreOffice does not grow a row to its wrapped text on opening a file (Excel does):
        # give long meanings their lines, at about one character per unit of column width
        lines = math.ceil(len(m.description) / (MEANING_WIDTH * CHARACTERS_PER_WIDTH))
        if lines > 1:
            ws.set_row(w.row, ROW_HEIGHT_PT * lines)
        if key in r.names:  # an input of the same name and value (the facility power budget): the name is the input's
            w.text(w.row, 3, f"{key} (the input)")
        else:
            wb.define_name(key, "=" + ref(TOTALS, w.row, 1))
            r.names[key] = ref(TOTALS, w.row, 1)
        w.row += 1
    _charts(wb, ws, data, r, w.row + 1)


def _charts(wb, ws, data: ModelData, r: Refs, row: int) -> None:
    """Native charts: the cash flow per year with the cumulative discounted line, and revenue
    against cost per fleet (the app's colours)."""
    horizon = data.scenario.site.horizon_years
    cash_row = _row_of(r["y.cash.0"])
    cum_row = _row_of(r["y.cum.0"])
    years = [ECONOMICS, _year_header_row(r), YEAR0, _year_header_row(r), YEAR0 + horizon]
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": [ECONOMICS, cash_row, 0], "categories": years,
                      "values": [ECONOMICS, cash_row, YEAR0, cash_row, YEAR0 + horizon],
                      "fill": {"color": INFLOW}, "invert_if_negative": False})
    line = wb.add_chart({"type": "line"})
    line.add_series({"name": [ECONOMICS, cum_row, 0], "categories": years,
                     "values": [ECONOMICS, cum_row, YEAR0, cum_row, YEAR0 + horizon],
                     "line": {"color": CUMULATIVE, "width": 2.25}, "marker": {"type": "circle", "fill": {"color": CUMULATIVE}}})
    chart.combine(line)
    chart.set_title({"name": "Cash flow per year and cumulative discounted (USD)"})
    chart.set_x_axis({"name": "Year (0 = build)"})
    chart.set_y_axis({"num_format": "$#,##0,,\"M\"", "major_gridlines": {"visible": True, "line": {"color": "#e5e7eb"}}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 380})
    ws.insert_chart(row, 0, chart)
    fleets = r.cells.get("_fleet_cost_rows", "")
    if fleets:
        first, last = (int(x) for x in fleets.split(":"))
        # costs stacked per fleet, revenue as a marker level with them (stacking revenue on the
        # costs, as an earlier version did, drew a bar of revenue + cost)
        bars = wb.add_chart({"type": "column", "subtype": "stacked"})
        for term, col in (("accelerator_depreciation", 2), ("financing", 4), ("energy", 8), ("facility_depreciation", 10),
                          ("other_opex", 12)):
            bars.add_series({"name": COST_LABELS[term], "categories": [ECONOMICS, first, 0, last, 0],
                             "values": [ECONOMICS, first, col, last, col], "fill": {"color": COST_COLORS[term]}, "y2_axis": False})
        revenue = wb.add_chart({"type": "line"})
        revenue.add_series({"name": "Revenue", "categories": [ECONOMICS, first, 0, last, 0],
                            "values": [ECONOMICS, first, 14, last, 14], "line": {"none": True},
                            "marker": {"type": "diamond", "size": 11, "fill": {"color": REVENUE_COLOR},
                                       "border": {"color": "#1f2937"}}})
        bars.combine(revenue)
        bars.set_title({"name": "Year 1: cost per fleet (stacked) and revenue (diamond), USD/year"})
        bars.set_y_axis({"num_format": "$#,##0,,\"M\""})
        bars.set_legend({"position": "bottom"})
        bars.set_size({"width": 760, "height": 380})
        ws.insert_chart(row + 20, 0, bars)


def _row_of(cell: str) -> int:
    from xlsxwriter.utility import xl_cell_to_rowcol

    return xl_cell_to_rowcol(cell.split("!")[1].replace("$", ""))[0]


def _year_header_row(r: Refs) -> int:
    return int(r.cells["_year_header"])


def workbook_bytes(scenario: Scenario, result: FactoryResult | None = None, catalog: Catalog | None = None, note: str = "") -> bytes:
    """The workbook of ``scenario`` (evaluated as the app does; ``result`` only fills the cached
    values that a reader without a calculation engine shows)."""
    cat = catalog or default_catalog()
    if scenario.optimise:  # the workbook models the split the optimiser chose, as the app shows it
        from factory_app.factory.evaluation import optimise_factory

        chosen, result, why = optimise_factory(scenario, cat)
        scenario, note = replace(chosen, optimise=False), f"shares as the optimiser chose them: {why}"
    data = ModelData.of(scenario, cat, note)
    horizon = scenario.site.horizon_years
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False})
    wb.set_properties({"title": scenario.name, "subject": "AI factory economics", "comments": f"AI Factory Modeller {__version__}"})
    formats = {k: wb.add_format(v) for k, v in FORMATS.items()}
    for name in SHEETS:
        sheet = wb.add_worksheet(name)
        sheet.set_landscape()  # printed or converted to PDF: whole columns and charts on a page's width
        sheet.fit_to_pages(1, 0)
    r = Refs()
    write_assumptions(wb, formats, data, r)
    write_operating_points(wb, formats, data, r)
    hourly_refs(data, r, horizon)
    ews = wb.get_worksheet_by_name(ECONOMICS)
    ews.set_column(0, 0, 46)
    ews.set_column(1, 40, 16)
    ews.freeze_panes(0, 1)
    e = Sheet(ews, formats, ECONOMICS, r)
    e.text(0, 0, "Economics: every figure a formula of the Assumptions and Operating points sheets", "title")
    e.row = 1
    write_year_one(e, data, r)
    write_site_year_one(e, data, r)
    write_life_cycle(e, data, r, horizon)
    write_hourly(wb.get_worksheet_by_name(HOURLY), formats, data, r, horizon, lambda wid, t: r[f"y.capw.{wid}.{t}"])
    _write_totals(wb, formats, data, r, result)
    wb.get_worksheet_by_name(TOTALS).activate()
    wb.close()
    return buffer.getvalue()


def write_workbook(path: str | os.PathLike[str], scenario: Scenario, result: FactoryResult | None = None,
                   catalog: Catalog | None = None, note: str = "") -> Path:
    """Write the workbook to ``path`` atomically (the old file stays if anything fails)."""
    data = workbook_bytes(scenario, result, catalog, note)
    write_bytes_atomic(path, data)
    return Path(path)


__all__ = ["SHEETS", "TOTALS", "workbook_bytes", "write_workbook"]
