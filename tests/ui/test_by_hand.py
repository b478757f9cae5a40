"""Issue 12, item by item, as a person meets it: each test clicks, drags or types, and fails if
anything reaches stderr or Qt's log (the ``journey`` fixture)."""

from __future__ import annotations

import pytest

import json
import re

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QStyle, QStyleOptionSlider

from factory_app.factory.metrics import METRICS
from factory_app.io import number_format as fmt
from factory_app.resources import resource_path
from factory_app.ui.canvas.view import HINT
from factory_app.ui.chart_content import OutsideLegend
from journey import answer_open_dialog, answer_save_dialog, drop, menu_action, type_into

ISO = resource_path("examples", "iso-power-hopper-vs-gb200.json")
MIXED = resource_path("examples", "mixed-chat-and-reasoning.json")
CAMPUS = resource_path("examples", "campus-1gw-announced.json")
#: Words that say which megawatts a figure is (budget, drawn at the meter, IT, accelerators)
WHICH = re.compile(r"accelerator|facility|meter|drawn|\bIT\b|budget|cooling|unused", re.I)


def bare_megawatts(text: str) -> list[str]:
    """Megawatt figures with no word saying which within the few words before or after them."""
    bare = []
    for m in re.finditer(r"[\d.,]+ MW", text):
        before, after = text[max(0, m.start() - 32):m.start()], text[m.end():m.end() + 32]
        if not (WHICH.search(before.split("·")[-1]) or WHICH.search(after.split("·")[0])):
            bare.append(m.group(0))
    return bare


def _drag_slider(qtbot, slider, pixels: int) -> None:
    """Press the slider's handle, move the mouse ``pixels`` to the right, release."""
    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    handle = slider.style().subControlRect(QStyle.CC_Slider, opt, QStyle.SC_SliderHandle, slider)
    start = QPointF(handle.center())
    end = start + QPointF(pixels, 0)
    for kind, pos, buttons in ((QMouseEvent.MouseButtonPress, start, Qt.LeftButton),
                               (QMouseEvent.MouseMove, (start + end) / 2, Qt.LeftButton),
                               (QMouseEvent.MouseMove, end, Qt.LeftButton),
                               (QMouseEvent.MouseButtonRelease, end, Qt.NoButton)):
        event = QMouseEvent(kind, pos, slider.mapToGlobal(pos), Qt.LeftButton, buttons, Qt.NoModifier)
        QApplication.sendEvent(slider, event)


# -- 3. the inspector's power line follows the site ---------------------------------------------


def test_the_site_power_line_follows_a_dropped_budget_and_a_typed_power(journey, qtbot):
    window = journey
    window.inspector.show_item("site", "site")
    drop(window, "power", "10mw", window.view.viewport().rect().center())
    hall = window.doc.scenario.site
    assert hall.facility_power_mw == 10
    assert f"IT power budget {fmt.mw(hall.it_power_mw)}" in window.inspector.derived.text()
    type_into(qtbot, window.inspector.editors["facility_power_mw"].spin, "120")
    site = window.doc.scenario.site
    assert site.facility_power_mw == 120 and site.it_power_mw != hall.it_power_mw
    assert f"IT power budget {fmt.mw(site.it_power_mw)}" in window.inspector.derived.text()
    window.act_undo.trigger()
    assert f"IT power budget {fmt.mw(hall.it_power_mw)}" in window.inspector.derived.text()


@pytest.mark.parametrize("typed, kept", [("-50", "got -50"), ("99999999", "got 99,999,999")])
def test_a_typed_number_outside_the_range_is_refused_aloud_not_clamped(journey, qtbot, typed, kept):
    """A fresh-eyes run typed -50 MW and got 0 MW without a word (the whole factory zeroed), and
    99999999 became 9,999: Qt's spin box dropped the keystroke that left the range."""
    window = journey
    window.inspector.show_item("site", "site")
    before = window.doc.scenario.site.facility_power_mw
    type_into(qtbot, window.inspector.editors["facility_power_mw"].spin, typed)
    assert window.doc.scenario.site.facility_power_mw == before
    assert window.inspector.error.isVisible() or not window.inspector.error.isHidden()
    message = window.inspector.error.text()
    assert message.startswith("Refused: Facility power must be between") and kept in message
    type_into(qtbot, window.inspector.editors["facility_power_mw"].spin, "120")  # a good value clears it
    assert window.doc.scenario.site.facility_power_mw == 120 and window.inspector.error.isHidden()


# -- 4. sliders over the useful range, bounded by the engine -------------------------------------


def test_dragging_the_interactivity_slider_stays_within_what_the_engine_reaches(journey, qtbot):
    window = journey
    assert window.open_file(ISO, as_example=True)
    workload = window.doc.scenario.workloads[0]
    window._select([workload.id])
    editor = window.inspector.editors["min_tokens_per_s_per_user"]
    assert editor.spin.value() == workload.min_tokens_per_s_per_user
    reach = max(float(c.tokens_per_s_per_user.max()) for c in window.evaluator.curves if c.workload_id == workload.id)
    depth = window.undo_stack.count()
    _drag_slider(qtbot, editor.slider, 10)
    after_10 = window.doc.scenario.workload(workload.id).min_tokens_per_s_per_user
    assert workload.min_tokens_per_s_per_user < after_10 < 3 * workload.min_tokens_per_s_per_user  # was +11,000 tokens/s
    _drag_slider(qtbot, editor.slider, 43)
    after_53 = window.doc.scenario.workload(workload.id).min_tokens_per_s_per_user
    assert after_10 < after_53 <= reach * 1.06  # the 43-pixel drag reached 5,530 (best reachable 162)
    assert window.undo_stack.count() == depth + 2  # one step per drag
    type_into(qtbot, editor.spin, "5000")  # the spin box keeps the whole valid range
    assert window.doc.scenario.workload(workload.id).min_tokens_per_s_per_user == 5000


def test_every_slider_spans_a_useful_range_and_log_where_it_spans_decades(journey):
    from factory_app.scenario.fields import ASSIGNMENT_FIELDS, FLEET_FIELDS, SITE_FIELDS, WORKLOAD_FIELDS
    from factory_app.ui.fields import NumberField

    for table in (SITE_FIELDS, FLEET_FIELDS, WORKLOAD_FIELDS, ASSIGNMENT_FIELDS):
        for name, spec in table.items():
            lo, hi = NumberField(spec).slider_range()
            assert spec.minimum <= lo < hi <= spec.maximum, name
            if lo > 0 and hi / lo >= 100:
                assert spec.log_scale, f"{name}: {lo:g}..{hi:g} spans decades on a linear slider"


# -- 5, 6. legends never over data; every curve its own colour and dash; hover names it ----------


def _legends_beside_the_data(plot_item) -> None:
    legends = [item for item in plot_item.scene().items() if isinstance(item, OutsideLegend) and item.isVisible()]
    box = plot_item.vb.sceneBoundingRect()
    for legend in legends:
        if legend.items:
            assert not legend.sceneBoundingRect().adjusted(1, 1, -1, -1).intersects(box), "a legend lies over the data"


def test_results_charts_at_1280x720_keep_legends_off_the_data_and_curves_apart(journey, qtbot):
    window = journey
    window.resize(1280, 720)
    assert window.open_file(CAMPUS, as_example=True)
    for i, chart in enumerate((window.results.frontier, window.results.revenue, window.results.power)):
        window.results.tabs.setCurrentIndex(i)
        qtbot.wait(10)
        _legends_beside_the_data(chart.plotItem)
    lines = window.results.frontier._lines
    looks = [(line.opts["pen"].color().name(), tuple(line.opts["pen"].dashPattern())) for line in lines]
    assert len({colour for colour, _ in looks}) == len(looks)  # two GB200 pairs no longer share green
    assert len({dash for _, dash in looks}) == min(len(looks), 6)
    for line in lines:
        assert line.toolTip() == line.series_name and line.series_name in [c.label for c in window.results.frontier.curves]
        x, y = line.xData[len(line.xData) // 2], line.yData[len(line.yData) // 2]
        assert line.shape().contains(line.mapFromScene(line.mapToScene(QPointF(x, y))))  # hovering the line names it


def test_compare_view_at_1440x900_shows_every_scenario_in_words_and_legends_off_the_data(journey, qtbot):
    window = journey
    window.resize(1440, 900)
    assert window.open_file(ISO) and window.open_file(MIXED)
    qtbot.keyClick(window, Qt.Key_K, Qt.ControlModifier)  # View ▸ Compare scenarios
    compare = window.compare
    assert compare.isVisible()
    table = compare.table
    header = table.horizontalHeader()
    assert table.columnCount() == 3
    assert header.length() <= table.viewport().width()  # the second scenario's column is on screen
    labels = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    assert labels and set(labels) <= {m.label for m in METRICS.values()}  # names from the metric table
    assert not any("_" in label or label.islower() for label in labels)
    for i in (1, 2):
        compare.charts.setCurrentIndex(i)
        qtbot.wait(10)
    _legends_beside_the_data(compare.frontier.plotItem)
    for plot in [item for item in compare.bars.ci.items if hasattr(item, "vb")]:
        _legends_beside_the_data(plot)


# -- 7, 8. which MW; no zero passed off as a value -----------------------------------------------


def test_megawatts_always_say_which(journey):
    window = journey
    assert window.open_file(ISO, as_example=True)
    texts = [line for item in window.scene.fleets.values() for line in item.card_lines()]
    window.results.tabs.setCurrentIndex(2)
    legend = window.results.power.legend
    texts += [label.text for _, label in legend.items]
    texts += [tile.toolTip() for tile in window.results.tiles.values()]
    window.inspector.show_item("site", "site")
    texts.append(window.inspector.derived.text())
    for text in texts:
        assert not bare_megawatts(re.sub("<[^>]+>", "", text)), text
    h200 = next(item for item in window.scene.fleets.values() if item.fleet.platform == "h200")
    assert f"{h200.result.accelerator_power_mw:.1f} MW" in h200.card_lines()[0]  # the megawatts of the site bar


def test_a_factory_that_sells_nothing_shows_dashes_with_the_reason(journey, qtbot):
    window = journey
    drop(window, "platform", "h100", window.view.viewport().rect().center())  # a fleet, no workload
    window.evaluator.recompute()
    tiles = window.results.tiles
    for key in ("cost_usd_per_million_tokens", "margin", "joules_per_token"):
        assert tiles[key].value.text() == "—", key
        assert "because" in tiles[key].toolTip()
    fleet = next(iter(window.scene.fleets.values()))
    assert "serves no workload" in fleet.card_lines()[2]


# -- 9, 10. words, not keys; polish --------------------------------------------------------------


def test_undo_texts_menu_entries_and_notes_are_in_words(journey, qtbot):
    window = journey
    assert window.open_file(ISO, as_example=True)
    window._select([window.doc.scenario.workloads[0].id])
    type_into(qtbot, window.inspector.editors["price_out_usd_per_mtok"].spin, "3")
    assert window.act_undo.text() == "&Undo Change output price"
    titles = [a.text() for a in window.examples_menu.actions()]
    assert "1 GW campus with announced platforms" in titles and not any(t.islower() for t in titles)
    assert window.open_file(CAMPUS, as_example=True)
    assert "not calibrated: not calibrated" not in window.results.note.text()
    rubin = next(f for f in window.doc.scenario.fleets if f.platform == "rubin")
    window._select([rubin.id])
    notes = " ".join(w.text() for w in window.inspector.findChildren(type(window.inspector.title)))
    assert "not calibrated: not calibrated" not in notes


def test_optional_fields_say_what_off_means(journey):
    window = journey
    assert window.open_file(MIXED, as_example=True)
    fleet = window.doc.scenario.fleets[0]
    window._select([fleet.id])
    price = window.inspector.editors["price_usd"]
    assert fleet.price_usd is None and price.spin.text().endswith("(catalogue)")
    catalogue = window.catalog.platform(fleet.platform).price_usd.value
    assert f"{catalogue:,.0f}" in price.spin.text()
    # the box is narrower than the text: its beginning (the number) is in view, the whole in the tooltip
    assert price.spin.lineEdit().cursorPosition() == 0 and "(catalogue)" in price.spin.toolTip()
    window._select([])  # the site: the software speed-up's off text ends at its sentence, not at "docs/calibration."
    assert window.inspector.editors["software_speedup_per_year"].spin.text() == "each family's fitted trend"
    window._select([fleet.id])
    price = window.inspector.editors["price_usd"]
    price.check.click()  # switch it on: it starts at the catalogue's price
    assert window.doc.scenario.fleet(fleet.id).price_usd == catalogue
    ttft_free = next(w for w in window.doc.scenario.workloads if w.max_ttft_ms is None)
    window._select([ttft_free.id])
    assert window.inspector.editors["max_ttft_ms"].spin.text() == "no limit"


def test_start_hint_and_dropping_a_platform_on_a_full_site(journey, no_prompts):
    window = journey
    assert "power budget" not in HINT.split("\n")[2]  # a new scenario already has its site
    centre = window.view.viewport().rect().center()
    drop(window, "platform", "gb200", centre)
    no_prompts.answers.append(QMessageBox.Yes)
    drop(window, "platform", "h200", centre + QPoint(60, 60))
    assert no_prompts.seen[-1][0] == "question"
    shares = sorted(f.power_share for f in window.doc.scenario.fleets)
    assert shares == [0.5, 0.5]
    window.act_undo.trigger()  # one step
    assert [f.power_share for f in window.doc.scenario.fleets] == [1.0]


def test_save_name_and_open_folder(journey, monkeypatch, tmp_path):
    window = journey
    assert window.open_file(ISO, as_example=True)
    asked: list = []
    folder = tmp_path / "decks"
    folder.mkdir()
    answer_save_dialog(monkeypatch, folder / "iso.json", asked)
    window.act_save.trigger()
    assert ":" not in asked[0]["directory"].rsplit("/", 1)[-1]
    window.new_scenario()
    opened: list = []
    answer_open_dialog(monkeypatch, None, opened)
    menu_action(window, "File", "Open…").trigger()
    assert opened[0]["directory"] == str(folder)  # the last folder, not the home folder


def test_a_bad_file_is_explained_in_words(journey, monkeypatch, tmp_path, no_prompts):
    window = journey
    bad = tmp_path / "bad.json"
    data = json.loads(ISO.read_text())
    data["site"]["facility_power_mw"] = -5
    bad.write_text(json.dumps(data))
    answer_open_dialog(monkeypatch, bad)
    window.act_open = menu_action(window, "File", "Open…")
    window.act_open.trigger()
    kind, text = no_prompts.seen[-1]
    assert kind == "warning" and "site ▸ facility power" in text and not window.doc.scenario.fleets


def test_value_tiles_keep_their_descenders(journey):
    window = journey
    window.resize(1600, 1000)
    assert window.open_file(ISO, as_example=True)
    for tile in window.results.tiles.values():
        assert tile.value.height() >= tile.value.fontMetrics().height()


def test_an_infeasible_link_never_runs_over_a_label(journey):
    window = journey
    assert window.open_file(ISO, as_example=True)
    for link in window.scene.links.values():
        assert link.label.scene() is window.scene and link.label.zValue() > max(l.zValue() for l in window.scene.links.values())
        assert "memory-bandwidth" not in link.label_text() and "kv-capacity" not in link.label_text()
