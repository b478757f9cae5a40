"""Slide-ready charts: PNG (any size, optional transparent background), SVG and PDF.

A slide is a pyqtgraph layout of a title, one or more plots and a footnote naming the scenario
and the catalogue's sources, drawn in the slide style (white background, large type, one colour
per platform). It is rendered offscreen; nothing flashes on the user's screen.
"""

from __future__ import annotations

import datetime as _dt
import re
import tempfile
from dataclasses import replace
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401 - registers the exporters
from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextOption
from PySide6.QtWidgets import QApplication

from factory_app import __version__
from factory_app.serving.catalog import Catalog
from factory_app.factory.curves import FrontierCurve, largest_curves
from factory_app.factory.results import FactoryResult
from factory_app.io.atomic import write_bytes_atomic
from factory_app.io.sources import figure_grade, is_primary_source
from factory_app.scenario.model import Scenario
from factory_app.factory.metrics import KEY_FIGURES, METRICS, unavailable
from factory_app.io import number_format as fmt
from factory_app.ui.chart_content import (
    MAX_CURVES,
    OutsideLegend,
    SLIDE,
    ChartStyle,
    CompactAxis,
    LogAxis,
    draw_frontier,
    draw_frontier_overlay,
    draw_metric_bars,
    draw_power,
    draw_revenue_cost,
    grouped_power,
    new_legend,
    style_axes,
    top_fleets,
)
from factory_app.ui.finance_charts import CASH_FLOW_TITLE, DEMAND_TITLE, cash_flow_axis_label, draw_cash_flows, draw_demand
from factory_app.ui.uncertainty_charts import (
    FAN_TITLE, HISTOGRAM_TITLE, SLIDE_BARS, TORNADO_TITLE, draw_fan, draw_histogram, draw_tornado, fan_title, histogram_title, tornado_title,
)

CHART_KINDS = ("frontier", "revenue", "power", "cashflow", "demand", "tornado", "histogram", "fan")
#: Charts of the uncertainty analysis (they need an analysis; one is run when none is given).
UNCERTAINTY_KINDS = ("tornado", "histogram", "fan")
#: Curves per scenario on an overlaid comparison (as in the app's compare view)
MAX_CURVES_PER_SCENARIO = 6
SIZE_PRESETS = {"1920x1080 (Full HD)": (1920, 1080), "3840x2160 (4K)": (3840, 2160)}
FORMATS = (".png", ".svg", ".pdf")
TITLES = {
    "frontier": "Throughput–interactivity frontier",
    "revenue": "Revenue and cost per fleet",
    "power": "Where the facility's power goes",
    "cashflow": CASH_FLOW_TITLE,
    "demand": DEMAND_TITLE,
    "tornado": TORNADO_TITLE,
    "histogram": HISTOGRAM_TITLE,
    "fan": FAN_TITLE,
}
#: (totals key, chart title, axis label, value format) of the comparison bars, from the metric table
COMPARE_METRICS = tuple(
    (key, METRICS[key].label, METRICS[key].unit, lambda v, k=key: fmt.metric_value(k, v)) for key in KEY_FIGURES
)


class ExportError(OSError):
    """A chart that could not be written; the message names the file."""


def source_domains(scenarios: list[Scenario], catalog: Catalog, limit: int = 5) -> list[str]:
    """Web domains of the PRIMARY catalogue sources (vendors, MLCommons: ``io.sources``) behind
    the platforms these scenarios use. A slide never cites a blog or an aggregator: figures that
    only have such sources are counted as secondary or estimates in the footnote instead."""
    domains: list[str] = []
    for s in scenarios:
        for f in s.fleets:
            p = catalog.platforms.get(f.platform)
            if p is None:
                continue
            for fig in p.figures().values():
                for src in fig.sources:
                    if not is_primary_source(src):
                        continue
                    for d in re.findall(r"https?://(?:www\.)?([^/\s]+)", src):
                        if d not in domains:
                            domains.append(d)
    return domains[:limit]


def footnote(scenarios: list[tuple[str, Scenario]], catalog: Catalog) -> str:
    """One line naming the scenarios, the catalogue's sources and the app."""
    names = "; ".join(name for name, _ in scenarios)
    figures = {
        (f.platform, key): fig
        for _, s in scenarios
        for f in s.fleets
        if f.platform in catalog.platforms
        for key, fig in catalog.platforms[f.platform].figures().items()
    }
    weak = sum(1 for fig in figures.values() if figure_grade(fig) != "primary")
    domains = source_domains([s for _, s in scenarios], catalog)
    src = "Sources: " + ", ".join(domains + ["MLPerf Inference (MLCommons) for the engine's calibration"])
    if weak:
        src += f"; {weak} of {len(figures)} catalogue figures are secondary or estimates (marked in the app)"
    label = "Scenario" if len(scenarios) == 1 else "Scenarios"
    return f"{label}: {names}<br>{src}  ·  AI Factory Modeller {__version__}, {_dt.date.today().isoformat()}"


def scaled(style: ChartStyle, height: int) -> ChartStyle:
    """The slide style sized for an image ``height`` pixels tall (it is drawn for 1080)."""
    k = max(0.5, height / 1080.0)
    return replace(style, title_pt=style.title_pt * k, axis_pt=style.axis_pt * k, tick_pt=style.tick_pt * k,
                   legend_pt=style.legend_pt * k, line_width=style.line_width * k, marker_size=style.marker_size * k)


class Slide:
    """A title, a row of plots and a footnote, rendered offscreen at a fixed size."""

    def __init__(self, size: tuple[int, int], title: str, note: str, style: ChartStyle = SLIDE) -> None:
        QApplication.instance() or QApplication([])
        self.size = size
        self.style = scaled(style, size[1])
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setAttribute(Qt.WA_DontShowOnScreen, True)
        self.widget.setBackground("w")
        self.widget.resize(*size)
        k = size[1] / 1080.0
        self.widget.ci.setContentsMargins(40 * k, 30 * k, 50 * k, 20 * k)
        self.title = self.widget.addLabel(title, row=0, col=0, colspan=3, size=f"{self.style.title_pt}pt", bold=True, color="#111827")
        self.row = pg.GraphicsLayout()
        self.widget.addItem(self.row, row=1, col=0, colspan=3)
        self.note = self.widget.addLabel(note, row=3, col=0, colspan=3, size=f"{max(8.0, self.style.tick_pt * 0.72)}pt", color="#4b5563")
        # a long title or footnote wraps within the slide instead of widening the layout past its edge
        usable = size[0] - 90 * k
        for label, align in ((self.title, Qt.AlignHCenter), (self.note, Qt.AlignLeft)):
            label.item.setTextWidth(usable)
            label.item.document().setDefaultTextOption(QTextOption(align))
            label.updateMin()
        self.plots: list[pg.PlotItem] = []

    def add_legend_row(self, columns: int) -> pg.LegendItem:
        """A legend under the plots, in ``columns`` columns (for names too long for an axis)."""
        legend = OutsideLegend(self.style, columns)
        self.widget.addItem(legend, row=2, col=0, colspan=3)
        return legend

    def add_plot(self, title: str = "", log: bool = False) -> pg.PlotItem:
        axes = {"bottom": LogAxis("bottom"), "left": LogAxis("left")} if log else {"left": CompactAxis("left")}
        plot = self.row.addPlot(row=0, col=len(self.plots), axisItems=axes)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        if title:
            plot.setTitle(title, size=f"{self.style.axis_pt * 1.05}pt", color="#111827")
        self.plots.append(plot)
        return plot

    def _prepare(self) -> None:
        self.widget.resize(*self.size)
        self.widget.show()
        for _ in range(3):
            QApplication.processEvents()

    # -- output ------------------------------------------------------------------------------
    def image(self, transparent: bool = False) -> QImage:
        self._prepare()
        img = QImage(self.size[0], self.size[1], QImage.Format_ARGB32)
        img.fill(Qt.transparent if transparent else Qt.white)
        if transparent:
            self.widget.setBackground(None)
        painter = QPainter(img)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setRenderHint(QPainter.TextAntialiasing)
        self.widget.render(painter)
        painter.end()
        if transparent:
            self.widget.setBackground("w")
        return img

    def save(self, path: Path, transparent: bool = False) -> None:
        """Write PNG, SVG or PDF by the file's suffix; raise :class:`ExportError` on failure."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in FORMATS:
            raise ExportError(f"{path.name}: the chart format must be one of {', '.join(FORMATS)}")
        if not path.parent.is_dir():
            raise ExportError(f"{path.name}: folder {path.parent} does not exist")
        # render into a scratch file, then replace the target in one step: a failed export never
        # leaves a half-written image where a good one was
        try:
            with tempfile.TemporaryDirectory(prefix="factory-app-export-") as scratch:
                draft = Path(scratch) / f"chart{suffix}"
                if suffix == ".png":
                    if not self.image(transparent).save(str(draft), "PNG"):
                        raise ExportError(f"{path.name}: cannot render the PNG")
                elif suffix == ".svg":
                    self._save_svg(draft)
                else:
                    self._save_pdf(draft)
                data = draft.read_bytes() if draft.exists() else b""
                if not data:
                    raise ExportError(f"{path.name}: nothing was rendered")
                write_bytes_atomic(path, data)
        except ExportError:
            raise
        except OSError as exc:
            raise ExportError(f"{path.name}: {exc.strerror or exc}") from None

    def _render_scene(self, painter: QPainter, width: float, height: float) -> None:
        """Draw the slide's scene into ``width`` x ``height`` device units of ``painter``."""
        source = self.widget.mapToScene(self.widget.viewport().rect()).boundingRect()
        self.widget.scene().render(painter, QRectF(0, 0, width, height), source, Qt.IgnoreAspectRatio)

    def _save_svg(self, path: Path) -> None:
        """Vector SVG of the whole slide by pyqtgraph's exporter (text stays text)."""
        self._prepare()
        pg.exporters.SVGExporter(self.widget.scene()).export(str(path))

    def _save_pdf(self, path: Path) -> None:
        """One page exactly the chart's size, vector content."""
        self._prepare()
        w, h = self.size
        writer = QPdfWriter(str(path))
        writer.setResolution(96)
        size = QPageSize(QSizeF(w * 72.0 / 96.0, h * 72.0 / 96.0), QPageSize.Point, "chart", QPageSize.ExactMatch)
        # QPageSize keeps the size as given; "Portrait" means "as given" (Landscape would swap it)
        writer.setPageLayout(QPageLayout(size, QPageLayout.Portrait, QMarginsF(0, 0, 0, 0)))
        writer.setTitle(self.title.text)
        writer.setCreator(f"AI Factory Modeller {__version__}")
        painter = QPainter(writer)
        if not painter.isActive():
            raise ExportError(f"{path.name}: cannot write the PDF")
        page = painter.viewport()
        self._render_scene(painter, page.width(), page.height())
        painter.end()

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setImage(self.image())

    def close(self) -> None:
        self.widget.close()
        self.widget.deleteLater()


# -- the charts ------------------------------------------------------------------------------------


def chart_slide(kind: str, scenario: Scenario, result: FactoryResult, curves: list[FrontierCurve], catalog: Catalog,
                size: tuple[int, int] = (1920, 1080), label: str = "", analysis=None, figure: str = "npv_usd") -> Slide:
    """A slide of one scenario's ``kind`` chart (frontier, revenue, power, cashflow, demand,
    tornado, histogram or fan; the last three of ``analysis``, or of one run now, for ``figure``)."""
    if kind not in CHART_KINDS:
        raise ValueError(f"chart must be one of {', '.join(CHART_KINDS)}, got {kind!r}")
    if kind in UNCERTAINTY_KINDS:
        return _uncertainty_slide(kind, scenario, catalog, size, label or scenario.name, analysis, figure)
    name = label or scenario.name
    # big factories: the largest pairs and fleets, as in the app, and the title says so
    shown_curves = largest_curves(curves, result, MAX_CURVES)
    shown = top_fleets(result)
    title = f"{TITLES[kind]} — {name}"
    if kind == "frontier" and len(shown_curves) < len(curves):
        title += f" (the {len(shown_curves)} largest of {len(curves)} pairs)"
    if kind == "revenue" and len(shown.fleets) < len(result.fleets):
        title += f" (the {len(shown.fleets)} fleets with most revenue of {len(result.fleets)})"
    slide = Slide(size, title, footnote([(name, scenario)], catalog))
    st = slide.style
    if kind == "frontier":
        plot = slide.add_plot(log=True)
        style_axes(plot, st, "Interactivity (tokens/s per user)", "Throughput (tokens/s per MW of facility power)")
        legend = new_legend(plot, st)
        draw_frontier(plot, shown_curves, st, legend=legend)
    elif kind == "revenue":
        plot = slide.add_plot()
        style_axes(plot, st, "", "USD per year")
        legend = new_legend(plot, st)
        draw_revenue_cost(plot, scenario, shown, st, legend)
    elif kind in ("cashflow", "demand"):
        _finance_chart(slide, kind, scenario, result)
    else:
        plot = slide.add_plot()
        style_axes(plot, st, "Facility power budget (MW)", "")
        legend = new_legend(plot, st, "below", 3)
        grouped = replace(result, power_breakdown=grouped_power(scenario, result.power_breakdown))
        draw_power(plot, scenario, grouped, st, legend)
    return slide


def _finance_chart(slide: Slide, kind: str, scenario: Scenario, result: FactoryResult) -> None:
    """The cash-flow or the demand chart on a slide (drawn as in the results dock)."""
    plot = slide.add_plot()
    plot.setAxisItems({"left": CompactAxis("left")})
    if kind == "cashflow":
        style_axes(plot, slide.style, "Year (0 = build)", cash_flow_axis_label(result))
        draw_cash_flows(plot, result, slide.style, new_legend(plot, slide.style, "below", 3))
    else:
        style_axes(plot, slide.style, "Hour of the day (local time)", "Output tokens/s")
        draw_demand(plot, scenario, result, slide.style, new_legend(plot, slide.style))


def _uncertainty_slide(kind: str, scenario: Scenario, catalog: Catalog, size: tuple[int, int], name: str, analysis, figure: str) -> Slide:
    """The tornado of ``figure``, its histogram, or the cash-flow fan, as a slide."""
    if analysis is None or analysis.monte_carlo is None or figure not in analysis.tornadoes:
        from factory_app.factory.uncertainty.analysis import TORNADO_FIGURES, analyse

        analysis = analyse(scenario, catalog, figures=(figure, *TORNADO_FIGURES))
    mc = analysis.monte_carlo
    note = footnote([(name, scenario)], catalog) + f"<br>{mc.samples:,} Latin hypercube samples (seed {mc.seed}) of " \
        f"{len(analysis.inputs)} uncertain inputs; ranges and sources: factory-app uncertainty"
    if kind == "tornado":
        t = analysis.tornadoes[figure]
        slide = Slide(size, tornado_title(t, min(SLIDE_BARS, len(t.bars))), note)  # the scenario is named in the footnote
        plot = slide.add_plot()
        plot.setAxisItems({"bottom": CompactAxis("bottom")})
        style_axes(plot, slide.style, "", "")
        draw_tornado(plot, t, slide.style, new_legend(plot, slide.style, "below", 3), limit=SLIDE_BARS)
    elif kind == "histogram":
        slide = Slide(size, histogram_title(analysis, figure), note)
        plot = slide.add_plot()
        plot.setAxisItems({"bottom": CompactAxis("bottom")})
        style_axes(plot, slide.style, "", "Share of samples (%)")
        draw_histogram(plot, analysis, figure, slide.style, new_legend(plot, slide.style, "below", 3))
    else:
        slide = Slide(size, fan_title(analysis), note)
        plot = slide.add_plot()
        plot.setAxisItems({"left": CompactAxis("left")})
        style_axes(plot, slide.style, "Year (0 = build)", "")
        unit = draw_fan(plot, analysis, slide.style, new_legend(plot, slide.style, "below", 4))
        plot.getAxis("left").setLabel(f"Cumulative discounted cash flow ({unit})", **{"font-size": f"{slide.style.axis_pt}pt"})
    return slide


def compare_slide(entries: list[tuple[str, Scenario, FactoryResult]], catalog: Catalog,
                  size: tuple[int, int] = (1920, 1080)) -> Slide:
    """Bars of tokens/s per MW, revenue per watt and cost per million tokens, one per scenario."""
    palette = ["#1f4e79", "#2e86c1", "#85c1e9", "#aab7b8"]
    slide = Slide(size, "Scenario comparison", footnote([(n, s) for n, s, _ in entries], catalog))
    labels = [n for n, _, _ in entries]
    colors = [palette[i % len(palette)] for i in range(len(entries))]
    legend = slide.add_legend_row(min(len(entries), 2))
    for i, (key, title, axis, form) in enumerate(COMPARE_METRICS):
        plot = slide.add_plot(title)
        style_axes(plot, slide.style, "", axis)
        draw_metric_bars(plot, labels, [r.totals.get(key, 0.0) for _, _, r in entries], colors, slide.style, form,
                         legend if i == 0 else None, named_in_legend=True,
                         missing=[unavailable(key, r.totals) for _, _, r in entries])
    return slide


def compare_frontier_slide(entries: list[tuple[str, Scenario, list[FrontierCurve]]], catalog: Catalog,
                           size: tuple[int, int] = (1920, 1080)) -> Slide:
    """Frontiers of several scenarios on one chart (colour = platform, line style = scenario)."""
    slide = Slide(size, "Throughput–interactivity frontiers compared", footnote([(n, s) for n, s, _ in entries], catalog))
    plot = slide.add_plot(log=True)
    style_axes(plot, slide.style, "Interactivity (tokens/s per user)", "Throughput (tokens/s per MW of facility power)")
    legend = new_legend(plot, slide.style)
    draw_frontier_overlay(plot, [(n, c[:MAX_CURVES_PER_SCENARIO]) for n, _, c in entries], slide.style, legend)
    return slide
