"""Inspector rows for what the engine answers with (issue 13): the month of serving software
(the site's, and a fleet's override) and, for a fleet, tokens/s per MW against its power cap.

The months offered are those the engine is calibrated for; the cap itself is a field of the
fleet table (``power_cap_w``), so it has its spin box, slider, range and source like any other.
The cap chart draws :func:`factory_app.factory.power_caps.tokens_per_mw_by_cap`: numbers the
core computed, placed and labelled here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pyqtgraph as pg

from factory_app.factory.power_caps import best_cap, tokens_per_mw_by_cap
from factory_app.io import number_format as fmt
from factory_app.scenario.model import Fleet, Site
from factory_app.serving.software import calibrated_for
from factory_app.ui.style import MUTED, platform_hex

if TYPE_CHECKING:  # the inspector imports this module
    from factory_app.ui.inspector import Inspector

SOFTWARE_TIP = ("The month of serving software (TensorRT-LLM, vLLM, SGLang, Dynamo ...) the engine's tokens/s are for: "
                "software on the same hardware gets faster every few months (DeepSeek-R1 on 8x B200: 33.4 k tokens/s in "
                "MLPerf v5.1, 2025-09; 58.6 k in v6.0, 2026-04). The engine answers for the latest calibrated month at or "
                "before the one chosen.")


def _months(inspector: "Inspector") -> list[str]:
    return list(inspector.catalog.software.dates)


def add_site_software_row(inspector: "Inspector", site: Site) -> None:
    latest = calibrated_for(None, inspector.catalog)
    options = [("", f"Latest calibrated ({latest})")] + [(m, m) for m in reversed(_months(inspector))]
    inspector._combo("site", "software_as_of", "Software as of", options, site.software_as_of, SOFTWARE_TIP)


def add_fleet_engine_rows(inspector: "Inspector", fleet: Fleet) -> None:
    """The fleet's software month (default: the site's) and the chart of tokens/s per MW by cap."""
    site_month = calibrated_for(inspector.doc.scenario.site.software_as_of or None, inspector.catalog)
    options = [("", f"The site's ({site_month})")] + [(m, m) for m in reversed(_months(inspector))]
    inspector._combo("fleet", "software_as_of", "Software as of", options, fleet.software_as_of, SOFTWARE_TIP)
    curve = tokens_per_mw_by_cap(inspector.doc.scenario, fleet.id, inspector.catalog)
    if curve is None or not any(curve.tokens_per_s_per_mw):
        inspector._note("Link the fleet to a workload to see what a power cap does to its tokens/s per MW.")
        return
    plot = pg.PlotWidget(background="w")
    plot.setFixedHeight(170)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    item = plot.getPlotItem()
    item.setLabel("bottom", "cap, W")
    item.setLabel("left", "k tok/s per MW")
    item.getAxis("left").setWidth(48)
    ys = [y / 1e3 for y in curve.tokens_per_s_per_mw]
    color = platform_hex(fleet.platform)
    item.plot(list(curve.caps_w), ys, pen=pg.mkPen(color, width=2), symbol="o", symbolSize=6, symbolBrush=color)
    now = min(range(len(curve.caps_w)), key=lambda i: abs(curve.caps_w[i] - curve.current_cap_w))
    item.plot([curve.caps_w[now]], [ys[now]], pen=None, symbol="o", symbolSize=11, symbolBrush=pg.mkBrush(None),
              symbolPen=pg.mkPen("k", width=2))
    best = best_cap(curve)
    tip = (f"Tokens/s per MW of facility power for {curve.workload_id} on this fleet, at caps from half the TDP to the TDP: "
           f"a capped chip is slower but the site provisions fewer watts for it, so a power-limited site places more. "
           f"Most per MW at {best:,.0f} W; ringed: the fleet's cap now ({curve.current_cap_w:,.0f} W). "
           "Each point is the engine's operating point at that cap (its power model is fitted to MLPerf Power's metered "
           "watts and the MI355X 1,000 W cap runs).")
    plot.setToolTip(tip)
    inspector.form.addRow("Tokens/s per MW by cap", plot)
    gain = curve.tokens_per_s_per_mw[curve.caps_w.index(best)] / max(curve.tokens_per_s_per_mw[now], 1e-9) - 1.0
    text = (f"Most tokens/s per MW at a {best:,.0f} W cap ({fmt.compact(max(curve.tokens_per_s_per_mw))} per MW"
            + (f", {gain:+.0%} against the cap now" if math.isfinite(gain) and abs(gain) > 0.005 else "") + ").")
    note = inspector._note(f"<span style='color:{MUTED}'>{text}</span>")
    note.setToolTip(tip)
