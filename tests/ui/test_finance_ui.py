"""The finance additions of the app (issue 14): the cash-flow and demand charts of the results dock,
the inspector's refresh and demand-shape rows with inline refusals, a format-1 file that says what
its upgrade added, and the slide exports of the new charts."""

from __future__ import annotations

import json

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from factory_app.resources import resource_path
from factory_app.scenario.demand_shapes import SHAPES

REFRESH = resource_path("examples", "refresh-blackwell-to-rubin.json")
ISO = resource_path("examples", "iso-power-hopper-vs-gb200.json")


def _settle(window, qtbot) -> None:
    qtbot.waitUntil(lambda: window.session.evaluator.result is not None, timeout=10_000)


def test_results_dock_shows_the_cash_flows_and_the_demand_over_the_day(window, qtbot):
    assert window.open_file(REFRESH, as_example=True)
    _settle(window, qtbot)
    panel = window.results
    names = [panel.tabs.tabText(i) for i in range(panel.tabs.count())]
    assert names[3:5] == ["Cash flow", "Demand"]  # the uncertainty tabs follow them (issue 15)
    panel.tabs.setCurrentWidget(panel.cash_flow)
    qtbot.waitUntil(lambda: panel.cash_flow.table.rowCount() == 9, timeout=5_000)  # years 0..8
    assert panel.current_chart() == "cashflow"
    result = window.session.evaluator.result
    assert panel.cash_flow.table.item(4, 0).text() == "4"
    assert "NPV" in panel.cash_flow.chart.plotItem.titleLabel.text and "IRR" in panel.cash_flow.chart.plotItem.titleLabel.text
    bars = [i for i in panel.cash_flow.chart.plotItem.items if isinstance(i, pg.PlotCurveItem) and i.toolTip().startswith("Year ")]
    assert len(bars) == len(result.life_cycle.years)
    assert any("Year 4:" in b.toolTip() and "capex" in b.toolTip() for b in bars)
    panel.tabs.setCurrentWidget(panel.demand)
    assert panel.current_chart() == "demand"
    lines = [i for i in panel.demand.plotItem.items if isinstance(i, pg.PlotDataItem) and i.toolTip()]
    assert len(lines) == len(result.workloads)  # one demand line per workload, its tooltip explains it
    xs, ys = lines[0].getData()
    assert len(xs) == 24 and max(ys) > 0


def test_inspector_refresh_successor_and_demand_shape_rows(window, qtbot):
    assert window.open_file(REFRESH, as_example=True)
    doc = window.doc
    fleet = doc.scenario.fleets[0]
    window.inspector.show_item("fleet", fleet.id)
    combo = window.inspector.editors["refresh_platform"]
    assert combo.currentData() == "rubin" and combo.itemData(0) == ""  # empty = retire
    combo.setCurrentIndex(0)
    assert doc.scenario.fleets[0].refresh_platform == ""
    assert {"residual_value_share", "delivery_year"} <= set(window.inspector.editors)
    w = doc.scenario.workloads[0]
    window.inspector.show_item("workload", w.id)
    shape = window.inspector.editors["demand_shape"]
    assert shape.currentData() == "daytime" and "ServeGen" in shape.toolTip()
    hourly = window.inspector.editors["demand_hourly"]
    assert hourly.text().startswith("0.8, 0.7, 0.64")  # the template's hours are shown
    shape.setCurrentIndex(shape.findData("evening"))
    assert doc.scenario.workloads[0].demand_shape == "evening"
    assert window.inspector.editors["demand_hourly"].text().startswith(f"{SHAPES['evening'].values[0]:g}, ")


def test_hourly_values_that_do_not_average_one_are_refused_inline(window, qtbot):
    assert window.open_file(REFRESH, as_example=True)
    doc = window.doc
    w = doc.scenario.workloads[0]
    window.inspector.show_item("workload", w.id)
    before, depth = doc.scenario, window.undo_stack.count()
    hourly = window.inspector.editors["demand_hourly"]
    hourly.setText(", ".join(["2"] * 24))
    qtbot.keyClick(hourly, Qt.Key_Return)
    assert doc.scenario == before and window.undo_stack.count() == depth
    assert window.inspector.error.isVisible() or not window.inspector.error.isHidden()
    assert "must average 1" in window.inspector.error.text()
    hourly = window.inspector.editors["demand_hourly"]
    hourly.setText(", ".join(["2"] * 12 + ["0"] * 12))
    qtbot.keyClick(hourly, Qt.Key_Return)
    assert doc.scenario.workloads[0].demand_shape == "custom" and doc.scenario.workloads[0].demand_hourly[0] == 2.0
    assert window.undo_stack.count() == depth + 1


def test_a_rate_out_of_range_is_refused_inline(window, qtbot):
    assert window.open_file(ISO, as_example=True)
    before = window.doc.scenario
    window.inspector._edit("site", "wacc", 1.5, 0)
    assert window.doc.scenario == before and "Refused: Cost of capital (WACC) must be between 0 and 1" in window.inspector.error.text()  # named as people name it, not by its JSON path


def test_a_format_1_file_opens_and_says_what_its_upgrade_added(window, tmp_path):
    data = json.loads(ISO.read_text("utf-8"))
    data["format_version"] = 1
    del data["site"]["wacc"]
    for w in data["workloads"]:
        for key in ("demand_tokens_per_s", "default_utilisation", "price_decline_per_year", "demand_growth_per_year",
                    "demand_shape", "demand_hourly"):
            w.pop(key)
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), "utf-8")
    assert window.open_file(path)
    message = window.statusBar().currentMessage()
    assert message.startswith("old.json: format 1 upgraded to 2") and "Cost of capital (WACC) 10%" in message
    assert window.doc.scenario.site.wacc == 0.10


def test_cash_flow_and_demand_slides(tmp_path):
    from factory_app.cli import main

    for chart in ("cashflow", "demand"):
        out = tmp_path / f"{chart}.png"
        assert main(["export", str(REFRESH), "--chart", chart, "--out", str(out), "--size", "1280x720"]) == 0
        image = QImage(str(out))
        assert (image.width(), image.height()) == (1280, 720)
