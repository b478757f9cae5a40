"""A 16:9 PowerPoint deck of one or more evaluated scenarios (``factory-app export FILE --deck``,
``factory-app compare A B --deck``, File ▸ Export deck…), written with python-pptx.

One scenario: title (name, date, app version), assumptions (site and finance; fleets and
workloads) as tables, headline figures, the frontier, revenue and cost per fleet, where the power
goes, cash flows, demand over the day, (when an uncertainty analysis is given) tornado and fan
chart, and the sources. Several: title, headline figures side by side, one slide per compared pair
with the differences, key figures as bars, sources. Charts are native (:mod:`deck_charts`) in the
app's colours; each slide's speaker notes hold the numbers behind it. Text is plain; the file is
written atomically.
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from pptx import Presentation
from pptx.util import Emu, Inches, Pt

from factory_app import __version__
from factory_app.factory.curves import frontier_curves, largest_curves
from factory_app.factory.metrics import HEADLINES, KEY_FIGURES, METRICS
from factory_app.factory.results import FactoryResult
from factory_app.io import number_format as fmt
from factory_app.io.atomic import write_bytes_atomic
from factory_app.io.chart_palette import FALLBACK_COLORS
from factory_app.io.deck_charts import (
    bars_chart, cash_flow_chart, demand_chart, frontier_chart, power_chart, power_parts, revenue_cost_charts, rgb,
)
from factory_app.io.deck_tables import assumption_tables, difference_rows, headline_rows, source_rows
from factory_app.io.compare_table import CompareEntry, compare
from factory_app.scenario.model import Scenario
from factory_app.serving.catalog import Catalog, default_catalog

WIDTH = Emu(12192000)  # 13.333 in: PowerPoint's 16:9
HEIGHT = Emu(6858000)  # 7.5 in
MAX_CURVES = 12
MAX_ROWS = 14  # rows of a table on one slide


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """What an uncertainty analysis (issue 15) gives a deck: a tornado (per input: label, the
    total at its low and high value) around ``base``, and a fan chart (percentiles of a yearly
    figure). Either may be empty."""

    metric: str  # a totals key, e.g. "npv_usd"
    base: float
    tornado: tuple[tuple[str, float, float], ...] = ()
    fan_years: tuple[int, ...] = ()
    fan: dict[str, tuple[float, ...]] = field(default_factory=dict)  # e.g. {"p5": (...), "p50": (...), "p95": (...)}
    fan_label: str = "Cumulative discounted cash flow (USD)"


class Deck:
    """A presentation with the app's slide furniture: a title, a body, a footnote, notes."""

    def __init__(self) -> None:
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT
        self.blank = self.prs.slide_layouts[6]

    def slide(self, title: str, notes: str = "", footnote: str = ""):
        s = self.prs.slides.add_slide(self.blank)
        box = s.shapes.add_textbox(Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.8))
        box.text_frame.word_wrap = True
        p = box.text_frame.paragraphs[0]
        p.text = title
        p.font.size, p.font.bold = Pt(26 if len(title) <= 60 else 20), True
        p.font.color.rgb = rgb("#111827")
        if footnote:
            self.text(s, footnote, (0.5, 7.0, 12.3, 0.4), 10, "#4b5563")
        if notes:
            s.notes_slide.notes_text_frame.text = notes
        return s

    def text(self, s, text: str, box: tuple[float, float, float, float], size: float = 16, colour: str = "#111827", bold: bool = False):
        shape = s.shapes.add_textbox(*(Inches(v) for v in box))
        tf = shape.text_frame
        tf.word_wrap = True
        for i, line in enumerate(text.split("\n")):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.text = line
            p.font.size, p.font.bold = Pt(size), bold
            p.font.color.rgb = rgb(colour)
        return shape

    def table(self, s, rows: list[list[str]], box: tuple[float, float, float, float], widths: Sequence[float] | None = None,
              size: float = 12):
        """A table whose first row is its header; every cell plain text."""
        rows = rows[: MAX_ROWS + 1]
        shape = s.shapes.add_table(len(rows), len(rows[0]), *(Inches(v) for v in box))
        table = shape.table
        if widths:
            for i, w in enumerate(widths):
                table.columns[i].width = Inches(w)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                cell = table.cell(r, c)
                cell.text = str(value)
                for p in cell.text_frame.paragraphs:
                    p.font.size = Pt(size)
                    p.font.bold = r == 0
                cell.margin_top = cell.margin_bottom = Emu(30000)
        return shape

    def box(self, left: float, top: float, width: float, height: float) -> tuple[Emu, Emu, Emu, Emu]:
        return Inches(left), Inches(top), Inches(width), Inches(height)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.prs.save(buffer)
        return buffer.getvalue()


def _footnote(names: list[str]) -> str:
    label = "Scenario" if len(names) == 1 else "Scenarios"
    return f"{label}: {'; '.join(names)}  ·  AI Factory Modeller {__version__}, {_dt.date.today().isoformat()}  ·  sources on the last slide"


def _title_slide(d: Deck, names: list[str], scenarios: list[Scenario]) -> None:
    s = d.prs.slides.add_slide(d.blank)
    d.text(s, names[0] if len(names) == 1 else "Comparison of " + ", ".join(names), (0.8, 2.2, 11.7, 1.6), 40, "#111827", True)
    description = scenarios[0].description if len(scenarios) == 1 else ""
    if description:
        d.text(s, title_description(description), (0.8, 3.9, 11.7, 1.8), 16, "#374151")
    d.text(s, f"{_dt.date.today().isoformat()}  ·  AI Factory Modeller {__version__}", (0.8, 6.2, 11.7, 0.5), 16, "#4b5563")
    s.notes_slide.notes_text_frame.text = "\n".join(
        [f"{n}: {sc.site.facility_power_mw:,.0f} MW, {len(sc.fleets)} fleets, {len(sc.workloads)} workloads" for n, sc in zip(names, scenarios)]
        + ([description] if description else []))


#: Characters of the description the title slide's box holds (five lines of 16 pt over 11.7 in).
TITLE_DESCRIPTION_CHARS = 420


def title_description(text: str, limit: int = TITLE_DESCRIPTION_CHARS) -> str:
    """The description as the title slide shows it: whole sentences up to ``limit`` characters,
    then "…" and where the rest is (the slide's notes); a first sentence longer than that is cut
    at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    more = " … (the full description is in the notes)"
    room = limit - len(more)
    sentences = re.split(r"(?<=[.!?])\s+", text)
    kept = ""
    for sentence in sentences:
        if len(kept) + len(sentence) + 1 > room:
            break
        kept = f"{kept} {sentence}".strip()
    if not kept:
        kept = text[:room].rsplit(" ", 1)[0]
    return kept + more


def _scenario_slides(d: Deck, name: str, scenario: Scenario, result: FactoryResult, catalog: Catalog) -> None:
    """Long because: the single-scenario story slide by slide (assumptions, headlines, the five
    charts), each with its notes, kept in the order the deck shows them."""
    foot = _footnote([name])
    site_rows, fleet_rows, workload_rows = assumption_tables(scenario, result, catalog)
    s = d.slide("Assumptions: site and finance", "\n".join(" | ".join(r) for r in site_rows), foot)
    d.table(s, site_rows, (0.5, 1.2, 12.3, 5.6), (3.6, 2.2, 6.5), 12)
    s = d.slide("Assumptions: fleets and workloads", "\n".join(" | ".join(r) for r in fleet_rows + workload_rows), foot)
    d.table(s, fleet_rows, (0.5, 1.2, 12.3, 2.6), None, 11)
    d.table(s, workload_rows, (0.5, 4.1, 12.3, 2.6), None, 11)
    rows = headline_rows(result)
    s = d.slide("Headline figures: year 1, and the life cycle's NPV and IRR",
                "\n".join(f"{label}: {value} ({exact})" for label, value, exact in rows), foot)
    d.table(s, [["Figure", "Value"], *[[label, value] for label, value, _ in rows]], (1.5, 1.2, 10.3, 5.6), (6.3, 4.0), 14)
    names = {f"{f.id}/{w.id}": f"{f.name or f.platform} · {w.name or w.model}" for f in scenario.fleets for w in scenario.workloads}
    curves = largest_curves(frontier_curves(scenario, result, catalog), result, MAX_CURVES)
    if curves:
        notes = "\n".join(f"{names.get(f'{c.fleet_id}/{c.workload_id}', c.label)}: operating point "
                          + (f"{c.operating_point[0]:,.1f} tokens/s per user, {c.operating_point[1]:,.0f} tokens/s per MW" if c.operating_point else "none")
                          + f"; curve from {c.tokens_per_s_per_user.min():,.1f} to {c.tokens_per_s_per_user.max():,.1f} tokens/s per user"
                          for c in curves)
        s = d.slide("Throughput–interactivity frontier (dots: operating points)", notes, foot)
        frontier_chart(s.shapes, d.box(0.5, 1.1, 12.3, 5.9), curves, names)
    if result.fleets:
        notes = "\n".join(f"{f.fleet_id}: revenue {fmt.usd_per_year(f.revenue_usd_per_year)}, cost {fmt.usd_per_year(f.cost_usd_per_year)} ("
                          + ", ".join(f"{k} {fmt.usd_per_year(v)}" for k, v in f.cost_breakdown.items()) + ")" for f in result.fleets)
        s = d.slide("Revenue and cost per fleet (USD per year, year 1)", notes, foot)
        revenue_cost_charts(s.shapes, d.box(0.4, 1.1, 6.2, 5.9), d.box(6.7, 1.1, 6.2, 5.9), scenario, result)
    parts = power_parts(scenario, result)
    s = d.slide("Where the facility's power goes (MW at the meter)",
                "\n".join(f"{label}: {mw:,.2f} MW" for label, mw, _ in parts), foot)
    power_chart(s.shapes, d.box(0.5, 1.3, 12.3, 5.5), scenario, result)
    years = result.life_cycle.years
    if years:
        t = result.totals
        title = (f"Cash flow per year: NPV {fmt.usd(t['npv_usd'] or 0.0)} at {scenario.site.wacc:.0%}, IRR {fmt.metric('irr', t['irr'])}, "
                 f"discounted payback {fmt.metric('discounted_payback_years', t['discounted_payback_years'])}")
        notes = "\n".join(f"Year {y.year}: capex {fmt.usd(y.capex_usd)}, revenue {fmt.usd(y.revenue_usd)}, opex {fmt.usd(y.opex_usd)}, residual "
                          f"{fmt.usd(y.residual_value_usd)}, cash flow {fmt.usd(y.cash_flow_usd)}, cumulative discounted {fmt.usd(y.cumulative_discounted_usd)}"
                          for y in years)
        s = d.slide(title, notes, foot)
        cash_flow_chart(s.shapes, d.box(0.5, 1.2, 12.3, 5.7), result)
    if any(w.demand_by_hour for w in result.workloads):
        notes = "\n".join(f"{w.workload_id}: mean demand {fmt.tokens_per_s(w.demand_tokens_per_s)}, busiest hour {fmt.tokens_per_s(w.peak_demand_tokens_per_s)}, "
                          f"capacity {fmt.tokens_per_s(w.output_capacity_tokens_per_s)}, unserved {fmt.percent(w.unserved_share)}" for w in result.workloads)
        s = d.slide("Demand and capacity over the day (output tokens/s)", notes, foot)
        demand_chart(s.shapes, d.box(0.5, 1.2, 12.3, 5.7), scenario, result)


def _uncertainty_slides(d: Deck, name: str, u: Uncertainty) -> None:
    """Tornado and fan chart of an uncertainty analysis (issue 15)."""
    from factory_app.io.deck_uncertainty import fan_chart, tornado_chart

    m = METRICS.get(u.metric)
    label = m.label if m else u.metric
    if u.tornado:
        notes = "\n".join(f"{what}: {fmt.metric(u.metric, lo)} to {fmt.metric(u.metric, hi)}" for what, lo, hi in u.tornado)
        s = d.slide(f"What moves {label} most (tornado; base {fmt.metric(u.metric, u.base)})", notes, _footnote([name]))
        tornado_chart(s.shapes, d.box(0.5, 1.2, 12.3, 5.7), u)
    if u.fan and u.fan_years:
        notes = "\n".join(f"{k}: " + ", ".join(f"{v:,.0f}" for v in vals) for k, vals in u.fan.items())
        s = d.slide(f"Fan chart: {u.fan_label}", notes, _footnote([name]))
        fan_chart(s.shapes, d.box(0.5, 1.2, 12.3, 5.7), u)


def _compare_slides(d: Deck, entries: list[tuple[str, Scenario, FactoryResult]], baseline: int) -> None:
    names = [n for n, _, _ in entries]
    foot = _footnote(names)
    table = [["Figure", *names], *[[METRICS[k].label, *[fmt.total(k, r.totals) for _, _, r in entries]] for k in HEADLINES]]
    s = d.slide("Headline figures side by side", "\n".join(" | ".join(r) for r in table), foot)
    d.table(s, table, (0.5, 1.2, 12.3, 5.6), [4.3] + [8.0 / len(names)] * len(names), 12)
    rows = compare([CompareEntry(n, "", r) for n, _, r in entries], baseline)
    for i, (name, _, result) in enumerate(entries):
        if i == baseline:
            continue
        pair = difference_rows(rows, entries, baseline, i)
        s = d.slide(f"{name} against {names[baseline]}", "\n".join(" | ".join(r) for r in pair), foot)
        d.table(s, pair, (0.5, 1.2, 12.3, 5.6), (3.9, 2.6, 2.6, 3.2), 12)
    s = d.slide("Key figures", "\n".join(f"{METRICS[k].label}: " + ", ".join(f"{n} {fmt.total(k, r.totals)}" for n, _, r in entries)
                                         for k in KEY_FIGURES), foot)
    colours = [FALLBACK_COLORS[i % len(FALLBACK_COLORS)] for i in range(len(entries))]
    for j, key in enumerate(KEY_FIGURES):
        d.text(s, f"{METRICS[key].label} ({METRICS[key].unit})", (0.4 + 4.2 * j, 1.2, 4.0, 0.5), 14, bold=True)
        number_format = {"per_mw": '#,##0', "usd_per_w_year": '$#,##0.00', "usd_per_mtok": '$#,##0.000'}.get(METRICS[key].style, '#,##0.##')
        bars_chart(s.shapes, d.box(0.4 + 4.2 * j, 1.7, 4.0, 5.1), names, [r.totals.get(key) or 0.0 for _, _, r in entries], colours, number_format)


def _sources_slides(d: Deck, scenarios: list[Scenario], catalog: Catalog, names: list[str]) -> None:
    catalogue, finance = source_rows(scenarios, catalog)
    for title, rows in (("Sources: the catalogue's figures", catalogue), ("Sources: the finance defaults", finance)):
        # as many slides as MAX_ROWS needs, the rows shared evenly (no slide with one orphan row)
        per_slide = -(-len(rows) // max(-(-len(rows) // MAX_ROWS), 1)) if rows else 1
        for start in range(0, max(len(rows), 1), per_slide):
            chunk = rows[start:start + per_slide]
            s = d.slide(title + (" (continued)" if start else ""), "\n".join(" | ".join(r) for r in chunk), _footnote(names))
            if chunk:  # a table as tall as its rows: a short one is not stretched over the slide
                d.table(s, [["Figure", "Grade", "Source"], *chunk], (0.4, 1.1, 12.5, min(5.8, 0.4 * (len(chunk) + 1))),
                        (3.4, 1.3, 7.8), 10)


def deck_bytes(entries: Sequence[tuple[str, Scenario, FactoryResult]], catalog: Catalog | None = None, baseline: int = 0,
               uncertainty: dict[str, Uncertainty] | None = None) -> bytes:
    """The deck of one scenario, or of a comparison of several (``baseline`` the one differences
    are taken against). ``uncertainty`` (by scenario name) adds tornado and fan-chart slides."""
    cat = catalog or default_catalog()
    entries = list(entries)
    d = Deck()
    names = [n for n, _, _ in entries]
    scenarios = [s for _, s, _ in entries]
    _title_slide(d, names, scenarios)
    if len(entries) == 1:
        name, scenario, result = entries[0]
        _scenario_slides(d, name, scenario, result, cat)
        if uncertainty and name in uncertainty:
            _uncertainty_slides(d, name, uncertainty[name])
    else:
        _compare_slides(d, entries, baseline)
    _sources_slides(d, scenarios, cat, names)
    return d.save()


def write_deck(path: str | os.PathLike[str], entries: Sequence[tuple[str, Scenario, FactoryResult]], catalog: Catalog | None = None,
               baseline: int = 0, uncertainty: dict[str, Any] | None = None) -> Path:
    """Write the deck to ``path`` atomically (the old file stays if anything fails)."""
    write_bytes_atomic(path, deck_bytes(entries, catalog, baseline, uncertainty))
    return Path(path)


__all__ = ["HEIGHT", "TITLE_DESCRIPTION_CHARS", "Uncertainty", "WIDTH", "deck_bytes", "title_description", "write_deck"]
