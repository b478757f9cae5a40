"""Every total of a factory evaluation, stated once: its key, what people call it, its unit, what
it means and how it is shown.

The results tiles, the compare view, ``factory-app compare``, CSV units and the chart exports
read this table, so a label or a unit is written in one place. The keys are a public contract
(``evaluate --json``, CSV columns): add to them, never rename.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Metric:
    """One total. ``style`` picks the formatter (:func:`factory_app.io.number_format.metric`):
    tokens_per_s, per_mw, usd_per_year, usd_per_w_year, usd_per_mtok, usd_per_hour, usd,
    fraction, rate, joules, count, mw or years."""

    key: str
    label: str
    unit: str
    description: str
    style: str


def _m(key: str, label: str, unit: str, description: str, style: str) -> Metric:
    return Metric(key, label, unit, description, style)


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        _m("facility_power_mw", "Facility power budget", "MW", "MW of facility power budget", "mw"),
        _m("facility_power_used_mw", "Power drawn at the meter", "MW",
           "MW drawn at the facility meter by the fleets placed (with PUE and non-accelerator IT)", "mw"),
        _m("it_power_mw", "IT power budget", "MW", "MW of IT power (budget / PUE)", "mw"),
        _m("accelerator_power_mw", "Accelerator power budget", "MW", "MW available to accelerator systems", "mw"),
        _m("accelerator_power_used_mw", "Accelerator power drawn", "MW", "MW drawn by the accelerator systems placed", "mw"),
        _m("accelerators", "Accelerators", "count", "count", "count"),
        _m("output_tokens_per_s", "Output tokens/s", "tokens/s", "output tokens/s sold (demand served), averaged over the day", "tokens_per_s"),
        _m("input_tokens_per_s", "Input tokens/s", "tokens/s", "input tokens/s processed for the sold output", "tokens_per_s"),
        _m("output_capacity_tokens_per_s", "Output capacity", "tokens/s",
           "output tokens/s the fleets could produce at their operating points", "tokens_per_s"),
        _m("tokens_per_s_per_mw", "Tokens/s per MW", "tokens/s per MW", "output tokens/s per MW of facility power budget", "per_mw"),
        _m("revenue_usd_per_year", "Revenue per year", "USD/year", "USD/year", "usd_per_year"),
        _m("cost_usd_per_year", "Cost per year", "USD/year",
           "USD/year: the capital charge (depreciation and financing at the WACC), energy, other opex", "usd_per_year"),
        _m("profit_usd_per_year", "Profit per year", "USD/year", "USD/year", "usd_per_year"),
        _m("revenue_usd_per_watt_year", "Revenue per watt", "USD per W per year",
           "USD/year per W of facility power budget", "usd_per_w_year"),
        _m("cost_usd_per_million_tokens", "Cost per million tokens", "USD per million output tokens",
           "USD per million output tokens sold", "usd_per_mtok"),
        _m("margin", "Margin", "% of revenue", "fraction of revenue (profit / revenue); 0 when there is no revenue", "fraction"),
        _m("payback_years", "Payback", "years",
           "years until the cumulative cash flow (undiscounted) turns positive for good; null when it never does within the horizon", "years"),
        _m("joules_per_token", "Energy per token", "J per output token",
           "J per output token sold, at the facility meter (busy and idle power over the day)", "joules"),
        _m("capex_usd", "Capital expenditure", "USD", "USD: accelerators with their network, and the facility", "usd"),
        _m("idle_share", "Capacity idle", "% of capacity", "share of output capacity left idle: demand below capacity over the day", "fraction"),
        _m("utilisation", "Utilisation", "% of capacity", "output tokens sold / output capacity, averaged over the day", "fraction"),
        _m("facility_power_mean_mw", "Mean power drawn", "MW",
           "MW drawn at the facility meter averaged over the day (busy accelerators at full power, idle ones at the idle share)", "mw"),
        _m("cost_usd_per_accelerator_hour", "Cost per accelerator-hour", "USD per accelerator-hour",
           "all-in cost per installed accelerator-hour: capital (depreciation and financing, network included), facility, energy, other opex", "usd_per_hour"),
        _m("cost_of_capital_usd_per_year", "Cost of capital", "USD/year",
           "financing: the return accelerators, network and facility earn at the WACC (part of the cost per year)", "usd_per_year"),
        _m("npv_usd", "NPV", "USD", "net present value of the cash flows over the horizon at the WACC (sum of discounted_usd)", "usd"),
        _m("irr", "IRR", "% per year", "internal rate of return of the cash flows; null when none exists", "rate"),
        _m("discounted_payback_years", "Discounted payback", "years",
           "years until the cumulative discounted cash flow turns positive; null when it never does within the horizon", "years"),
    )
}

#: The headline figures, in the order the results tiles, the compare table and slides show them.
HEADLINES = (
    "output_tokens_per_s",
    "tokens_per_s_per_mw",
    "revenue_usd_per_year",
    "revenue_usd_per_watt_year",
    "cost_usd_per_year",
    "cost_usd_per_million_tokens",
    "margin",
    "npv_usd",
    "irr",
    "discounted_payback_years",
    "utilisation",
    "cost_usd_per_accelerator_hour",
    "joules_per_token",
    "accelerators",
    "facility_power_mw",
)

#: Totals where less is better (a rise is shown as a worsening in comparisons); for the others more is
#: better, except the budgets and sizes below, which are neither.
LOWER_IS_BETTER = frozenset({"cost_usd_per_year", "cost_usd_per_million_tokens", "joules_per_token", "payback_years",
                             "capex_usd", "idle_share", "cost_usd_per_accelerator_hour", "cost_of_capital_usd_per_year",
                             "discounted_payback_years"})
NEUTRAL = frozenset({"facility_power_mw", "facility_power_used_mw", "it_power_mw", "accelerator_power_mw",
                     "accelerator_power_used_mw", "accelerators", "input_tokens_per_s", "output_capacity_tokens_per_s",
                     "facility_power_mean_mw"})


def judged(key: str, difference: float | None) -> int:
    """+1 when a change of a total is an improvement, -1 when it is a worsening, 0 when neither
    (or when one side has no value: an IRR that does not exist)."""
    if key in NEUTRAL or not difference:
        return 0
    better = difference < 0 if key in LOWER_IS_BETTER else difference > 0
    return 1 if better else -1


#: The three figures an AI factory is compared by (the comparison bar charts).
KEY_FIGURES = ("tokens_per_s_per_mw", "revenue_usd_per_watt_year", "cost_usd_per_million_tokens")


def unavailable(key: str, totals) -> str | None:
    """Why a total has no meaningful value, or None. A cost per token with no token sold, a margin
    with no revenue, a payback that never comes are not numbers: they are shown as "—" with this
    reason, never as a plausible-looking 0."""
    sold = totals.get("output_tokens_per_s", 0.0)
    if key in ("cost_usd_per_million_tokens", "joules_per_token") and not sold > 0:
        return "no tokens are sold"
    if key == "margin" and not totals.get("revenue_usd_per_year", 0.0) > 0:
        return "there is no revenue"
    if key == "payback_years" and totals.get("payback_years") is None:
        return "the cash flows never repay the capital within the horizon"
    if key in ("tokens_per_s_per_mw", "revenue_usd_per_watt_year") and not totals.get("facility_power_mw", 0.0) > 0:
        return "the site has no facility power"
    if key == "irr" and totals.get("irr") is None:
        return "no discount rate zeroes the cash flows (they never change sign)"
    if key == "discounted_payback_years" and totals.get("discounted_payback_years") is None:
        return "the discounted cash flows never repay the capital within the horizon"
    if key in ("cost_usd_per_accelerator_hour", "utilisation") and not totals.get("accelerators", 0.0) > 0:
        return "there are no accelerators"
    return None


def metric(key: str) -> Metric:
    """The metric of a totals key (``KeyError`` for an unknown one)."""
    return METRICS[key]


__all__ = ["HEADLINES", "KEY_FIGURES", "METRICS", "Metric", "LOWER_IS_BETTER", "NEUTRAL", "judged", "metric", "unavailable"]
