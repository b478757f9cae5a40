"""The deck's tables as rows of text: assumptions, headline figures, differences of a compared
pair, and the sources (graded: primary, secondary, estimate)."""

from __future__ import annotations

from factory_app.factory.economics import accelerator_price_usd
from factory_app.factory.metrics import HEADLINES, METRICS, judged, unavailable
from factory_app.factory.results import FactoryResult
from factory_app.io import number_format as fmt
from factory_app.io.compare_table import CompareRow
from factory_app.io.sources import catalogue_citations, finance_citations
from factory_app.scenario.fields import SITE_FIELDS
from factory_app.scenario.model import Scenario
from factory_app.serving.catalog import Catalog

MAX_ITEMS = 8  # fleets or workloads listed one by one on a slide


def _value(spec, value) -> str:
    if value is None:
        return "not set"
    if spec.unit in ("fraction", "fraction per year"):
        return fmt.percent(value)
    if spec.integer:
        return f"{int(value):,}"
    return fmt.plain(value, 4) if abs(value) < 1000 else f"{value:,.0f}"


def assumption_tables(scenario: Scenario, result: FactoryResult, catalog: Catalog) -> tuple[list[list[str]], ...]:
    """(site and finance, fleets, workloads) as rows with a header row each."""
    site = [["Input", "Value", "Unit and basis"]]
    for key, spec in SITE_FIELDS.items():
        basis = spec.unit or "-"
        if spec.source:
            basis += "; " + ("estimate" if "ESTIMATE" in spec.source else spec.source.split(" (")[0])
        site.append([spec.label, _value(spec, getattr(scenario.site, key)), basis[:110]])
    sizes = {f.fleet_id: f.accelerators for f in result.fleets}
    fleets = [["Fleet", "Platform", "Sized by", "Accelerators", "Price each", "Life", "Residual", "Delivered", "Refresh to"]]
    for f in scenario.fleets[:MAX_ITEMS]:
        p = catalog.platforms.get(f.platform)
        price = fmt.usd(accelerator_price_usd(f, p)) + ("" if f.price_usd is not None else " (catalogue)") if p else "-"
        sized = f"power {fmt.percent(f.power_share or 0.0, 0)}" if f.sizing == "power" else f"count {f.accelerators or 0:,}"
        fleets.append([f.name or f.id, f.platform, sized, f"{sizes.get(f.id, 0):,}", price, f"{f.life_years:g} yr",
                       fmt.percent(f.residual_value_share, 0), f"year {f.delivery_year}", f.refresh_platform or "retire"])
    if len(scenario.fleets) > MAX_ITEMS:
        fleets.append([f"… and {len(scenario.fleets) - MAX_ITEMS} more fleets", *[""] * 8])
    workloads = [["Workload", "Model", "Precision", "In / out tokens", "Price in / out (USD/Mtok)", "Mean demand", "Day shape",
                  "Price decline", "Demand growth"]]
    for w in scenario.workloads[:MAX_ITEMS]:
        demand = fmt.tokens_per_s(w.demand_tokens_per_s) if w.demand_tokens_per_s is not None else f"{fmt.percent(w.default_utilisation, 0)} of capacity"
        workloads.append([w.name or w.id, w.model, w.precision, f"{w.isl:,} / {w.osl:,}",
                          f"{w.price_in_usd_per_mtok:,.4g} / {w.price_out_usd_per_mtok:,.4g}", demand, w.demand_shape,
                          fmt.percent(w.price_decline_per_year, 0), fmt.percent(w.demand_growth_per_year, 0)])
    if len(scenario.workloads) > MAX_ITEMS:
        workloads.append([f"… and {len(scenario.workloads) - MAX_ITEMS} more workloads", *[""] * 8])
    return site, fleets, workloads


def headline_rows(result: FactoryResult) -> list[tuple[str, str, str]]:
    """(label, value as shown, exact value) of each headline figure."""
    out = []
    for key in HEADLINES:
        value = result.totals.get(key)
        shown = fmt.total(key, result.totals)
        why = unavailable(key, result.totals)
        out.append((METRICS[key].label, shown + (f" ({why})" if why else ""), "none" if value is None else repr(value)))
    return out


def difference_rows(rows: list[CompareRow], entries, baseline: int, other: int) -> list[list[str]]:
    """The headline figures of a compared pair with the change and whether it is better."""
    base_name, other_name = entries[baseline][0], entries[other][0]
    out = [["Figure", base_name, other_name, "Change"]]
    for row in rows:
        if row.metric not in HEADLINES:
            continue
        b, o = entries[baseline][2].totals, entries[other][2].totals
        cell = row.cells[other]
        change = fmt.difference(row.metric, cell.difference, cell.difference_pct)
        verdict = {1: "better", -1: "worse", 0: ""}[judged(row.metric, cell.difference)]
        out.append([METRICS[row.metric].label, fmt.total(row.metric, b), fmt.total(row.metric, o),
                    f"{change} {verdict}".strip() if fmt.MISSING not in (fmt.total(row.metric, b), fmt.total(row.metric, o)) else "n/a"])
    return out


def _clip(text: str, limit: int = 240) -> str:
    """A citation as a table cell holds it: cut at a word with "…" (resources/ has it whole)."""
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + " …"


def source_rows(scenarios: list[Scenario], catalog: Catalog) -> tuple[list[list[str]], list[list[str]]]:
    """(catalogue, finance defaults) citations as rows: figure, grade, source."""
    catalogue = [[c.subject, c.grade, _clip(c.text)] for c in catalogue_citations(scenarios, catalog)]
    finance = [[c.subject, c.grade, _clip(c.text)] for c in finance_citations()]
    return catalogue, finance


__all__ = ["MAX_ITEMS", "assumption_tables", "difference_rows", "headline_rows", "source_rows"]
