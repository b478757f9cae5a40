"""Results dock figures are the engine's; charts export; the render command writes a PNG."""

from __future__ import annotations

import pytest

import xml.etree.ElementTree as ET

import pyqtgraph.exporters as exporters
from PySide6.QtGui import QImage

from factory_app.cli import main
from factory_app.factory.evaluation import evaluate_factory
from factory_app.io.scenario_file import load_scenario
from factory_app.resources import resource_path
from factory_app.io import number_format as fmt

EXAMPLE = resource_path("examples", "mixed-chat-and-reasoning.json")


def test_headline_figures_match_the_engine(window):
    assert window.open_file(EXAMPLE, as_example=True)
    window.evaluator.recompute()
    expected = evaluate_factory(load_scenario(EXAMPLE))
    tiles = window.results.tiles
    assert tiles["output_tokens_per_s"].value.text() == fmt.tokens_per_s(expected.totals["output_tokens_per_s"])
    assert tiles["revenue_usd_per_year"].value.text() == fmt.usd_per_year(expected.totals["revenue_usd_per_year"])
    assert tiles["margin"].value.text() == fmt.percent(expected.totals["margin"])
    assert "bound by" in tiles["output_tokens_per_s"].toolTip()
    assert "Recomputed in" in window.recompute_label.text()


def test_frontier_chart_has_a_curve_and_a_marker_per_link(window):
    assert window.open_file(EXAMPLE, as_example=True)
    window.evaluator.recompute()
    s, result = window.doc.scenario, window.evaluator.result
    links = {f"{a.fleet_id}/{a.workload_id}" for a in s.assignments}
    assert len(links) >= 2
    assert {f"{c.fleet_id}/{c.workload_id}" for c in window.results.frontier.curves} == links
    feasible = {f"{op.fleet_id}/{op.workload_id}" for f in result.fleets for op in f.operating_points if op.feasible}
    assert set(window.results.frontier.markers) == feasible == links
    for key, marker in window.results.frontier.markers.items():  # each marker sits at its operating point
        op = result.operating_point(*key.split("/"))
        assert 10 ** marker.pos().x() == pytest.approx(op.tokens_per_s_per_user, rel=1e-6)


def test_dragging_a_frontier_marker_sets_the_interactivity_target(window):
    assert window.open_file(EXAMPLE, as_example=True)
    window.evaluator.recompute()
    key, marker = next(iter(window.results.frontier.markers.items()))
    wid = key.split("/")[1]
    x = marker.pos().x() + 0.2
    marker.setPos((x, marker.pos().y()))
    marker.sigPositionChangeFinished.emit(marker)
    target = window.doc.scenario.workload(wid).min_tokens_per_s_per_user
    assert target is not None and abs(target - 10 ** marker.pos().x()) / target < 0.01
    window.undo_stack.undo()


def test_charts_export_svg_with_their_titles(window, tmp_path):
    assert window.open_file(EXAMPLE, as_example=True)
    window.evaluator.recompute()
    out = tmp_path / "frontier.svg"
    exporters.SVGExporter(window.results.frontier.plotItem).export(str(out))
    root = ET.parse(out).getroot()
    text = "".join(root.itertext())
    assert "frontier" in text.lower() and "tokens/s per user" in text


def test_render_command_writes_a_png_of_the_requested_size(tmp_path, capsys):
    out = tmp_path / "shot.png"
    assert main(["render", str(EXAMPLE), "--png", str(out), "--size", "1280x800"]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    colours = {image.pixel(x, y) for x in range(0, 1280, 64) for y in range(0, 800, 50)}
    assert len(colours) > 8  # not blank


def test_render_refuses_a_bad_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert main(["render", str(bad), "--png", str(tmp_path / "x.png")]) == 2
    assert "bad.json" in capsys.readouterr().err
