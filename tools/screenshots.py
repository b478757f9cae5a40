"""Render the app's main views for review before a release: ``make screenshots``.

Offscreen, at 1280x720 and 1920x1080: the empty start, each example, the inspector of each kind of
item (and the site's rank correlations with one pair), the comparison, each chart tab, the export dialog, and each chart as exported for a slide.
Writes PNGs into ``--out`` (default build/screenshots) and lists them; README images are copied
from there.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZES = ((1280, 720), (1920, 1080))


def settle(app, rounds: int = 6) -> None:
    for _ in range(rounds):
        app.processEvents()


def new_window(app, size):
    from factory_app.ui.main_window import MainWindow

    window = MainWindow(restore_layout=False)
    window.resize(*size)
    window.show()
    settle(app)
    return window


def shoot(app, widget, out: Path, name: str, written: list[Path]) -> None:
    settle(app)
    path = out / f"{name}.png"
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"cannot write {path}")
    written.append(path)


def close(window) -> None:
    for s in window.sessions:
        s.undo_stack.setClean()
    window.close()


def examples() -> list[Path]:
    from factory_app.resources import resource_path

    return sorted(resource_path("examples").glob("*.json"))


def window_views(app, size, out: Path, written: list[Path]) -> None:
    """Empty start, each example with each chart tab, the inspector of each kind of item."""
    tag = f"{size[0]}x{size[1]}"
    window = new_window(app, size)
    shoot(app, window, out, f"{tag}-01-empty-start", written)
    close(window)
    for path in examples():
        window = new_window(app, size)
        window.open_file(path, as_example=True)
        settle(app)
        window.view.fit_to_content()
        for i, chart in enumerate(("frontier", "revenue", "power", "cashflow", "demand")):
            window.results.tabs.setCurrentIndex(i)
            shoot(app, window, out, f"{tag}-02-{path.stem}-{chart}", written)
        for tab, chart in ((window.results.tornado, "tornado"), (window.results.histogram, "histogram"), (window.results.fan, "fan")):
            window.results.tabs.setCurrentWidget(tab)
            analysed(app, window)
            shoot(app, window, out, f"{tag}-02-{path.stem}-{chart}", written)
        close(window)
    window = new_window(app, size)
    window.open_file(examples()[0], as_example=True)
    settle(app)
    window.view.fit_to_content()
    s = window.doc.scenario
    a = s.assignments[0]
    for kind, item_id in (("site", "site"), ("fleet", s.fleets[0].id), ("workload", s.workloads[0].id),
                          ("link", f"{a.fleet_id}/{a.workload_id}")):
        window._select([item_id])
        shoot(app, window, out, f"{tag}-03-inspector-{kind}", written)
    from factory_app.ui.range_editor import RangeDialog

    window._select(None)
    window.inspector.show_item("site", "site")
    dialog = RangeDialog(window.inspector, "site.wacc")
    dialog.show()
    shoot(app, dialog, out, f"{tag}-03-range-dialog", written)
    dialog.close()
    correlated(app, window, out, tag, written)
    close(window)


def correlated(app, window, out: Path, tag: str, written: list[Path]) -> None:
    """The site's rank correlations with one pair: a workload's price decline and the cost of capital."""
    from factory_app.scenario.uncertainty import Correlation, ranged_inputs
    from factory_app.ui.undo_commands import SetFieldCommand

    inputs = ranged_inputs(window.doc.scenario, window.catalog)
    a = next((p for p in inputs if p.endswith(".price_decline_per_year")), inputs[0])
    b = "site.wacc" if "site.wacc" in inputs and a != "site.wacc" else next(p for p in inputs if p != a)
    window.push(SetFieldCommand(window.doc, "uncertainty", None, "correlations", (Correlation(a, b, 0.6),)))
    window.inspector.show_item("site", "site")
    editor = window.inspector.uncertainty_settings["correlations"]
    settle(app)
    window.inspector.scroll.ensureWidgetVisible(editor)
    shoot(app, window, out, f"{tag}-03-inspector-correlations", written)


def analysed(app, window, timeout_s: float = 60.0) -> None:
    """Wait until the uncertainty analysis of the tab shown has finished (it runs in a worker)."""
    import time

    end = time.monotonic() + timeout_s
    controller = window.results.uncertainty
    while not (controller.complete and not controller.running) and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)
    settle(app)


def compare_and_dialogs(app, size, out: Path, written: list[Path]) -> None:
    """The comparison (table, overlaid frontiers, key figures) and the export dialog."""
    from factory_app.ui.export_dialog import ExportDialog

    tag = f"{size[0]}x{size[1]}"
    window = new_window(app, size)
    for path in examples()[:2]:
        window.open_file(path, as_example=True)
    window.show_compare()
    charts = window.compare.charts
    for i, name in enumerate(("figures", "frontiers", "key-figures")):
        charts.setCurrentIndex(i)
        shoot(app, window, out, f"{tag}-04-compare-{name}", written)
    s = window.session
    dialog = ExportDialog(window, "frontier", s.doc.scenario, s.evaluator.result, s.evaluator.curves, window.catalog,
                          Path.home() / "chart")
    dialog.show()
    shoot(app, dialog, out, f"{tag}-05-export-dialog", written)
    dialog.close()
    close(window)


def slides(out: Path, written: list[Path]) -> None:
    """Each chart as exported for a slide (1920x1080), and the comparison slides."""
    from factory_app.factory.curves import frontier_curves
    from factory_app.factory.evaluation import evaluate_factory
    from factory_app.io.scenario_file import load_scenario
    from factory_app.serving.catalog import default_catalog
    from factory_app.factory.uncertainty.analysis import analyse
    from factory_app.ui.export import CHART_KINDS, chart_slide, compare_frontier_slide, compare_slide

    catalog = default_catalog()
    loaded = []
    for path in examples():
        scenario = load_scenario(path)
        result = evaluate_factory(scenario, catalog)
        curves = frontier_curves(scenario, result, catalog)
        loaded.append((scenario, result, curves))
        analysis = analyse(scenario, catalog)
        for kind in CHART_KINDS:
            slide = chart_slide(kind, scenario, result, curves, catalog, analysis=analysis)
            target = out / f"1920x1080-06-slide-{path.stem}-{kind}.png"
            slide.save(target)
            slide.close()
            written.append(target)
    for name, make in (("compare", lambda: compare_slide([(s.name, s, r) for s, r, _ in loaded], catalog)),
                       ("compare-frontier", lambda: compare_frontier_slide([(s.name, s, c[:6]) for s, _, c in loaded], catalog))):
        slide = make()
        target = out / f"1920x1080-07-slide-{name}.png"
        slide.save(target)
        slide.close()
        written.append(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="build/screenshots", help="folder for the PNGs")
    parser.add_argument("--size", action="append", help="WxH instead of 1280x720 and 1920x1080 (repeatable)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.size] if args.size else SIZES
    from factory_app.ui.app import _application

    app = _application(sys.argv[:1])
    written: list[Path] = []
    for size in sizes:
        window_views(app, size, out, written)
        compare_and_dialogs(app, size, out, written)
    slides(out, written)
    for path in written:
        print(path)
    print(f"{len(written)} screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
