"""CSV tables of factory results and sweeps, with stable column names that carry their units.

One results table holds everything ``evaluate --csv`` writes: a ``row_type`` column says what a
row is (``total``, ``fleet``, ``operating_point``, ``workload`` or ``cash_flow``), result columns hold the
numbers and ``site_*``, ``fleet_*``, ``workload_*`` and ``assignment_share`` columns the inputs
that produced them (including the catalogue figures used, with an estimate flag). One table
rather than sections, so a spreadsheet or ``csv.DictReader`` reads it whole. Cells that do not
apply to a row are empty. docs/file-format.md lists every column.

Every text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with ``'`` so a spreadsheet shows it instead of running it as a formula (names are
user text). Numbers are written as numbers (counts as integers, never ``-0.0``); files are UTF-8,
written atomically.
"""

from __future__ import annotations

import csv
import io
import os
from typing import Any, Iterable, Sequence

from factory_app import __version__
from factory_app.serving.catalog import Catalog, default_catalog
from factory_app.factory.economics import accelerator_price_usd
from factory_app.factory.results import COST_TERMS, TOTAL_KEYS, FactoryResult, OperatingPoint
from factory_app.io.atomic import write_bytes_atomic
from factory_app.io.results_json import CASH_FLOW_KEYS, COUNT_KEYS, cash_flow_rows, fleet_figures, plain_number
from factory_app.scenario.fields import SITE_FIELDS
from factory_app.scenario.model import Fleet, Scenario, Workload

#: Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

ID_COLUMNS = ("row_type", "scenario_name", "fleet_id", "fleet_name", "platform", "workload_id", "workload_name", "model")
COST_COLUMNS = tuple(f"{term}_usd_per_year" for term in COST_TERMS)
RESULT_COLUMNS = (
    "feasible", "bound", "reason", "layout", "limited_by", "idle_accelerators",
    *TOTAL_KEYS,
    "tokens_per_s_per_user", "ttft_ms", "ttft_p99_ms", "tpot_ms", "effective_price_out_usd_per_mtok",
    *COST_COLUMNS,
    "demand_tokens_per_s", "peak_demand_tokens_per_s", "unserved_share",
)
#: Columns of the ``cash_flow`` rows (year 0 is the build); ``capex_usd``, ``accelerators``,
#: ``utilisation`` and ``output_tokens_per_s`` share the result columns of those names.
CASH_FLOW_COLUMNS = tuple(k for k in CASH_FLOW_KEYS if k not in TOTAL_KEYS)
SITE_COLUMNS = ("site_name", *(f"site_{name}" for name in SITE_FIELDS))
FLEET_COLUMNS = (
    "fleet_sizing", "fleet_power_share", "fleet_accelerators_requested", "fleet_life_years", "fleet_price_usd",
    "fleet_price_source", "fleet_price_is_estimate", "fleet_all_in_w", "fleet_all_in_w_is_estimate", "fleet_scale_up_domain",
    "fleet_residual_value_share", "fleet_delivery_year", "fleet_refresh_platform",
)
WORKLOAD_COLUMNS = (
    "workload_precision", "workload_isl", "workload_osl", "workload_max_ttft_ms", "workload_min_tokens_per_s_per_user",
    "workload_price_in_usd_per_mtok", "workload_price_out_usd_per_mtok", "workload_price_curve", "workload_demand_cap_tokens_per_s",
    "workload_demand_tokens_per_s", "workload_default_utilisation", "workload_demand_shape", "workload_demand_hourly",
    "workload_price_decline_per_year", "workload_demand_growth_per_year",
)
OTHER_COLUMNS = ("assignment_share", "optimised", "app_version")
#: Every column of the results table, in order.
RESULTS_COLUMNS: tuple[str, ...] = ID_COLUMNS + RESULT_COLUMNS + CASH_FLOW_COLUMNS + SITE_COLUMNS + FLEET_COLUMNS + WORKLOAD_COLUMNS + OTHER_COLUMNS


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Any) -> Any:
    """A value as written to CSV: numbers as numbers, booleans as true/false, None empty, text
    neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return plain_number(value)
    return neutralise(str(value))


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, Any] | Sequence[Any]]) -> str:
    """CSV text (RFC 4180, CRLF line ends) with a header row; dict rows fill missing cells empty."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([cell(c) for c in columns])
    for row in rows:
        values = [row.get(c) for c in columns] if isinstance(row, dict) else list(row)
        writer.writerow([cell(v) for v in values])
    return buf.getvalue()


def csv_bytes(text: str) -> bytes:
    """UTF-8 bytes of CSV text; a character UTF-8 cannot hold (a lone surrogate, which the
    scenario reader refuses) is written as its escape rather than failing the whole file."""
    return text.encode("utf-8", "backslashreplace")


def write_csv(path: str | os.PathLike[str], columns: Sequence[str], rows: Iterable[dict[str, Any] | Sequence[Any]]) -> None:
    """Write a CSV file atomically (the old file stays whole until the new one is complete)."""
    write_bytes_atomic(path, csv_bytes(csv_text(columns, rows)))


# -- the results table --------------------------------------------------------------------------


def _site(scenario: Scenario) -> dict[str, Any]:
    out = {"site_name": scenario.site.name}
    out.update({f"site_{name}": getattr(scenario.site, name) for name in SITE_FIELDS})
    return out


def _fleet(f: Fleet, catalog: Catalog) -> dict[str, Any]:
    p = catalog.platforms.get(f.platform)
    out: dict[str, Any] = {
        "fleet_id": f.id, "fleet_name": f.name, "platform": f.platform,
        "fleet_sizing": f.sizing, "fleet_power_share": f.power_share if f.sizing == "power" else None,
        "fleet_accelerators_requested": f.accelerators if f.sizing == "count" else None, "fleet_life_years": f.life_years,
        "fleet_price_source": "override" if f.price_usd is not None else "catalogue",
        "fleet_residual_value_share": f.residual_value_share, "fleet_delivery_year": f.delivery_year,
        "fleet_refresh_platform": f.refresh_platform,
    }
    if p is not None:
        out.update(
            fleet_price_usd=accelerator_price_usd(f, p),
            fleet_price_is_estimate=f.price_usd is None and p.price_usd.is_estimate,
            fleet_all_in_w=p.all_in_w.value,
            fleet_all_in_w_is_estimate=p.all_in_w.is_estimate,
            fleet_scale_up_domain=p.domain_size,
        )
    return out


def _workload(w: Workload) -> dict[str, Any]:
    return {
        "workload_id": w.id, "workload_name": w.name, "model": w.model, "workload_precision": w.precision,
        "workload_isl": w.isl, "workload_osl": w.osl, "workload_max_ttft_ms": w.max_ttft_ms,
        "workload_min_tokens_per_s_per_user": w.min_tokens_per_s_per_user,
        "workload_price_in_usd_per_mtok": w.price_in_usd_per_mtok, "workload_price_out_usd_per_mtok": w.price_out_usd_per_mtok,
        "workload_price_curve": ";".join(f"{p.tokens_per_s_per_user:g}:{p.multiplier:g}" for p in w.price_curve),
        "workload_demand_cap_tokens_per_s": w.demand_tokens_per_s,  # the format-1 name of the stated mean demand
        "workload_demand_tokens_per_s": w.demand_tokens_per_s, "workload_default_utilisation": w.default_utilisation,
        "workload_demand_shape": w.demand_shape, "workload_demand_hourly": ";".join(f"{v:g}" for v in w.demand_hourly),
        "workload_price_decline_per_year": w.price_decline_per_year, "workload_demand_growth_per_year": w.demand_growth_per_year,
    }


def _operating_point(op: OperatingPoint) -> dict[str, Any]:
    return {
        "feasible": op.feasible, "bound": op.bound, "reason": op.reason, "layout": op.layout, "accelerators": op.accelerators,
        "output_capacity_tokens_per_s": op.output_capacity_tokens_per_s, "output_tokens_per_s": op.output_tokens_per_s,
        "input_tokens_per_s": op.input_tokens_per_s, "utilisation": op.utilisation, "tokens_per_s_per_user": op.tokens_per_s_per_user,
        "ttft_ms": op.ttft_ms, "ttft_p99_ms": op.ttft_p99_ms, "tpot_ms": op.tpot_ms,
        "effective_price_out_usd_per_mtok": op.price_out_usd_per_mtok, "revenue_usd_per_year": op.revenue_usd_per_year,
    }


def results_rows(scenario: Scenario, result: FactoryResult, catalog: Catalog | None = None) -> list[dict[str, Any]]:
    """Rows of the results table: the total, then each fleet followed by its operating points,
    then each workload, then one ``cash_flow`` row per year of the life cycle."""
    cat = catalog or default_catalog()
    site = _site(scenario)
    common = {"scenario_name": scenario.name, **site}
    totals = {k: int(round(v)) if k in COUNT_KEYS else v for k, v in result.totals.items()}
    total = {"row_type": "total", **common, **totals, "optimised": result.optimised, "app_version": __version__}
    total.update({f"{t}_usd_per_year": result.cost_breakdown[t] for t in COST_TERMS})
    rows = [total]
    fleets = {f.id: f for f in scenario.fleets}
    workloads = {w.id: w for w in scenario.workloads}
    shares = {(a.fleet_id, a.workload_id): a.share for a in scenario.assignments}
    for fr in result.fleets:
        f = fleets[fr.fleet_id]
        row = {"row_type": "fleet", **common, **_fleet(f, cat), **fleet_figures(fr)}
        row["facility_power_used_mw"] = row.pop("facility_power_mw")
        row["accelerator_power_used_mw"] = row.pop("accelerator_power_mw")
        row.update(limited_by=fr.limited_by, **{f"{t}_usd_per_year": fr.cost_breakdown[t] for t in COST_TERMS})
        rows.append(row)
        for op in fr.operating_points:
            w = workloads[op.workload_id]
            rows.append({
                "row_type": "operating_point", **common, **_fleet(f, cat), **_workload(w), **_operating_point(op),
                "assignment_share": shares.get((op.fleet_id, op.workload_id)),
            })
    for wr in result.workloads:
        rows.append({
            "row_type": "workload", **common, **_workload(workloads[wr.workload_id]),
            "output_tokens_per_s": wr.output_tokens_per_s, "input_tokens_per_s": wr.input_tokens_per_s,
            "output_capacity_tokens_per_s": wr.output_capacity_tokens_per_s, "revenue_usd_per_year": wr.revenue_usd_per_year,
            "utilisation": wr.utilisation, "bound": wr.bound, "reason": wr.reason, "demand_tokens_per_s": wr.demand_tokens_per_s,
            "peak_demand_tokens_per_s": wr.peak_demand_tokens_per_s, "unserved_share": wr.unserved_share,
        })
    rows += [{"row_type": "cash_flow", **common, **year} for year in cash_flow_rows(result.life_cycle)]
    return rows


def results_csv_text(scenario: Scenario, result: FactoryResult, catalog: Catalog | None = None) -> str:
    """The text of ``evaluate --csv`` (for standard output, where no file is replaced)."""
    return csv_text(RESULTS_COLUMNS, results_rows(scenario, result, catalog))


def write_results_csv(path: str | os.PathLike[str], scenario: Scenario, result: FactoryResult, catalog: Catalog | None = None) -> None:
    """``evaluate --csv``: the results table with the assumptions that produced it."""
    write_csv(path, RESULTS_COLUMNS, results_rows(scenario, result, catalog))


__all__ = [
    "FORMULA_STARTS",
    "RESULTS_COLUMNS",
    "cell",
    "csv_bytes",
    "csv_text",
    "neutralise",
    "results_csv_text",
    "results_rows",
    "write_csv",
    "write_results_csv",
]
