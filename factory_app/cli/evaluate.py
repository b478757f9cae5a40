"""``factory-app evaluate FILE``: tokens, power and money of a whole factory."""

from __future__ import annotations

import argparse
import sys

from factory_app.cli.common import CliError, print_json
from factory_app.cli.outputs import check_outputs, write_output
from factory_app.cli.scenario_args import FileProblem, read_scenario, report_file_problem
from factory_app.serving.catalog import default_catalog
from factory_app.factory.evaluation import evaluate_factory
from factory_app.factory.results import REPORT_YEAR, REPORT_YEAR_TEXT, FactoryResult
from factory_app.io import number_format as fmt
from factory_app.io.csv_export import csv_bytes, results_csv_text
from factory_app.io.messages import printable
from factory_app.io.number_format import nonnegative_zero, num, signed
from factory_app.io.results_json import fleet_figures, result_to_json
from factory_app.scenario.model import Scenario


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="evaluate a scenario file: tokens/s, revenue, costs, margin per fleet and workload",
        description=(
            "Evaluate a scenario file and print a summary. --json prints one object (the stable keys in "
            "docs/file-format.md); --csv writes the results table with the assumptions behind it. Exit 0 when the "
            "factory sells tokens, 1 when no operating point is feasible, 2 for a bad file or argument."
        ),
    )
    p.add_argument("file", metavar="FILE", help="scenario file (.json)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the summary")
    p.add_argument("--csv", metavar="OUT.csv", help="write the results table and its assumptions to this CSV file")
    p.add_argument("--optimise", action="store_true", help="split power and fleets for the most profit (as if the file said optimise: true)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    catalog = default_catalog()
    try:
        scenario = read_scenario(args.file, catalog)
    except FileProblem as exc:
        return report_file_problem(exc)
    outputs = check_outputs([args.file], [("--csv", args.csv)], stdout_used_by="--json" if args.json else None)
    result = evaluate_factory(scenario, catalog, optimise=True if args.optimise else None)
    csv_out = outputs.get("--csv")
    if csv_out is not None:
        write_output(csv_out, csv_bytes(results_csv_text(scenario, result, catalog)))
    if args.json:
        print_json(result_to_json(scenario, result))
    elif not outputs.quiet:
        sys.stdout.write(format_summary(scenario, result))
    if result.totals["output_tokens_per_s"] <= 0:
        if args.json:
            return 1
        raise CliError("the factory sells no tokens: no operating point is feasible (see warnings above)", 1)
    return 0


def _money(usd: float) -> str:
    usd = nonnegative_zero(usd)
    for scale, suffix in ((1e9, " B"), (1e6, " M"), (1e3, " k")):
        if abs(usd) >= scale:
            return signed(f"${abs(usd) / scale:,.2f}{suffix}", usd)
    return signed(f"${abs(usd):,.2f}", usd)


def _usd(value: float, spec: str) -> str:
    """'$1,234.56' (with a minus sign when negative, never '-$0.00')."""
    return signed(f"${num(abs(value), spec)}", value)


def _rate(tps: float) -> str:
    return f"{tps / 1e6:,.2f} M" if tps >= 1e6 else num(tps, ",.0f")


def _cash_flow_table(r: FactoryResult) -> list[str]:
    head = f"  {'year':>4}  {'capex':>11}  {'revenue':>11}  {'opex':>11}  {'residual':>11}  {'cash flow':>11}  {'discounted':>11}  {'cumulative':>11}  {'utilisation':>11}"
    rows = [head]
    for y in r.life_cycle.years:
        cells = (y.capex_usd, y.revenue_usd, y.opex_usd, y.residual_value_usd, y.cash_flow_usd, y.discounted_usd, y.cumulative_discounted_usd)
        rows.append(f"  {y.year:>4}  " + "  ".join(f"{_money(v):>11}" for v in cells) + f"  {num(y.utilisation, '>11.1%')}")
    return rows


def _total_rows(scenario: Scenario, r: FactoryResult) -> list[tuple[str, str]]:
    t = r.totals
    return [
        ("accelerators", num(t["accelerators"], ",.0f")),
        ("output tokens/s (sold)", f"{_rate(t['output_tokens_per_s'])}  (capacity {_rate(t['output_capacity_tokens_per_s'])}, utilisation {num(t['utilisation'], '.1%')})"),
        ("input tokens/s", _rate(t["input_tokens_per_s"])),
        ("tokens/s per MW (facility)", num(t["tokens_per_s_per_mw"], ",.0f")),
        ("revenue per year", _money(t["revenue_usd_per_year"])),
        ("cost per year", _money(t["cost_usd_per_year"]) + "  (" + ", ".join(f"{k.replace('_', ' ')} {_money(v)}" for k, v in r.cost_breakdown.items()) + ")"),
        ("profit per year", f"{_money(t['profit_usd_per_year'])}  (margin {num(t['margin'], '.1%')})"),
        ("revenue per watt-year", _usd(t["revenue_usd_per_watt_year"], ",.2f")),
        ("cost per million tokens", _usd(t["cost_usd_per_million_tokens"], ",.3f")),
        ("joules per token", num(t["joules_per_token"], ",.3f")),
        ("cost per accelerator-hour", _usd(t["cost_usd_per_accelerator_hour"], ",.2f")),
        ("cost of capital per year", f"{_money(t['cost_of_capital_usd_per_year'])}  (financing at the WACC; part of the cost per year)"),
        ("capex", _money(t["capex_usd"])),
        ("payback (undiscounted)", fmt.metric("payback_years", t["payback_years"])),
        (f"NPV over {scenario.site.horizon_years} years", _money(t["npv_usd"])),
        ("IRR", fmt.metric("irr", t["irr"])),
        ("discounted payback", fmt.metric("discounted_payback_years", t["discounted_payback_years"])),
    ]


def format_summary(scenario: Scenario, r: FactoryResult) -> str:
    """A readable summary: totals, fleets, operating points, workloads, cash flows, warnings. Every
    line is printable (names cannot carry control characters to the terminal) and no number reads -0."""
    t = r.totals
    site = scenario.site
    lines = [
        f"{scenario.name}",
        f"  site: {num(site.facility_power_mw, ',.1f')} MW at PUE {num(site.pue, 'g')} -> {num(t['accelerator_power_mw'], ',.1f')} MW for accelerators; "
        f"{num(t['facility_power_used_mw'], ',.1f')} MW at full load, {num(t['facility_power_mean_mw'], ',.1f')} MW on average",
        f"  finance: WACC {num(site.wacc, '.1%')}, {site.horizon_years}-year horizon; the totals below are {REPORT_YEAR_TEXT}",
        "",
        f"Totals (year {REPORT_YEAR})",
    ]
    rows = _total_rows(scenario, r)
    width = max(len(k) for k, _ in rows)
    lines += [f"  {k:<{width}}  {v}" for k, v in rows]
    lines += ["", "Fleets"]
    for f in r.fleets:
        fig = fleet_figures(f)
        lines.append(
            f"  {f.fleet_id} ({f.platform}): {f.accelerators:,} accelerators, {num(f.facility_power_mw, ',.1f')} MW, "
            f"{_rate(f.output_tokens_per_s)} tokens/s, {num(fig['tokens_per_s_per_mw'], ',.0f')} tokens/s per MW, "
            f"revenue {_money(f.revenue_usd_per_year)}, cost {_money(f.cost_usd_per_year)} ({_usd(fig['cost_usd_per_accelerator_hour'], ',.2f')} "
            f"per accelerator-hour), margin {num(fig['margin'], '.1%')}"
        )
        for op in f.operating_points:
            if op.feasible:
                lines.append(
                    f"    -> {op.workload_id}: {op.accelerators:,} accelerators, {op.layout}; {num(op.tokens_per_s_per_user, ',.1f')} tokens/s "
                    f"per user, TTFT p99 {num(op.ttft_p99_ms, ',.0f')} ms; sells {_rate(op.output_tokens_per_s)} of {_rate(op.output_capacity_tokens_per_s)} "
                    f"tokens/s; bound: {op.bound}"
                )
            else:
                lines.append(f"    -> {op.workload_id}: not feasible: {op.reason}")
    lines += ["", "Workloads"]
    for w in r.workloads:
        source = "stated" if w.demand_cap_tokens_per_s else "default utilisation"
        cap = f", demand {_rate(w.demand_tokens_per_s)} on average ({source}), {_rate(w.peak_demand_tokens_per_s)} at the busiest hour"
        extra = f" ({w.reason})" if w.reason else (f", bound: {w.bound}" if w.bound else "")
        lines.append(
            f"  {w.workload_id}: {_rate(w.output_tokens_per_s)} tokens/s sold of {_rate(w.output_capacity_tokens_per_s)}{cap}, "
            f"revenue {_money(w.revenue_usd_per_year)}, utilisation {num(w.utilisation, '.1%')}{extra}"
        )
    lines += ["", "Cash flows (USD; year 0 is the build)", *_cash_flow_table(r)]
    if r.life_cycle.events:
        lines += ["  " + "; ".join(r.life_cycle.events)]
    if r.optimised:
        lines += ["", f"Optimiser: {r.optimiser_note}"]
    if r.warnings:
        lines += ["", "Warnings"] + [f"  - {w}" for w in r.warnings]
    return "".join(printable(line) + "\n" for line in lines)
