"""Every editable number of a scenario: unit, range, default and meaning, in one table.

Validation, the file format's JSON Schema, the inspector's spin boxes and sliders and the CSV
column names all read this table, so a range or unit is stated once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


class ValidationError(ValueError):
    """A value outside its field's type or range. ``str()`` is one line naming the path."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class Spread:
    """A field's default uncertainty range, from its source: ``low`` and ``high`` are values of
    the field, or multipliers of the scenario's value when ``relative``; the mode is the
    scenario's value (the range widens to include it)."""

    distribution: str
    low: float
    high: float
    source: str
    relative: bool = False


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One numeric field: ``minimum``/``maximum`` are inclusive unless ``exclusive_minimum``."""

    name: str
    label: str
    unit: str
    minimum: float
    maximum: float
    default: float | None
    help: str
    integer: bool = False
    optional: bool = False  # None allowed (means "no limit" / "not set")
    exclusive_minimum: bool = False
    log_scale: bool = False  # sliders move geometrically (power, prices)
    source: str = ""
    #: the range a slider spans, where values are useful (None: minimum..maximum); typed values
    #: may still be anything from minimum to maximum
    slider: tuple[float, float] | None = None
    #: why the field cannot carry an uncertainty range (it changes the factory's structure: fleet
    #: sizes, operating points or the years), or "" when it can (a number only the money uses)
    fixed: str = ""
    #: the sourced default range of an uncertainty analysis, if there is one
    spread: Spread | None = None

    def describe_range(self) -> str:
        lo, hi = bound_text(self.minimum), bound_text(self.maximum)
        if self.exclusive_minimum:
            return f"must be above {lo} and at most {hi}"
        return f"must be between {lo} and {hi}"

    @property
    def unit_suffix(self) -> str:
        """`` unit`` for messages, empty for dimensionless fields."""
        return f" {self.unit}" if self.unit and self.unit != "fraction" else ""

    def check(self, value: Any, path: str) -> float | int | None:
        """Return the value as the right type, or raise :class:`ValidationError`."""
        if value is None:
            if self.optional:
                return None
            raise ValidationError(path, f"is required ({self.describe_range()}{self.unit_suffix})")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(path, f"must be a number, got {type(value).__name__} {value!r}"[:200])
        if not math.isfinite(value):
            raise ValidationError(path, f"must be a finite number, got {value!r}")
        if self.integer and value != int(value):
            raise ValidationError(path, f"must be a whole number, got {value!r}")
        too_low = value <= self.minimum if self.exclusive_minimum else value < self.minimum
        if too_low or value > self.maximum:
            raise ValidationError(path, f"{self.describe_range()}{self.unit_suffix}, got {_shown(value)}")
        return int(value) if self.integer else float(value)


def _shown(v: float) -> str:
    """A refused value exactly: 10,000,001 rather than 1e+07 (which reads as in range)."""
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{int(v):,}" if v != 0 else f"{v:g}"  # -0 stays -0, as the file says
    return repr(float(v))


def bound_text(v: float) -> str:
    """A range bound as people write it: 10,000,000 rather than 1e+07 (fields and CLI flags)."""
    return f"{int(v):,}" if v == int(v) and abs(v) < 1e15 else f"{v:g}"


def _f(name, label, unit, lo, hi, default, help, **kw) -> FieldSpec:
    return FieldSpec(name, label, unit, lo, hi, default, help, **kw)


_FINANCE = "resources/reference/finance.json"
#: why a field that sizes fleets, or moves an operating point, carries no uncertainty range
_SIZES = "it sizes the fleets (a different factory, not an uncertainty about this one): compare scenarios or sweep it"
_POINT = ("it moves the engine's operating point (another layout and batch): sweep it; the throughput range of the platform "
          "family carries the engine's own error")
_SIZES_AND_POINT = "it sizes the fleet and moves its operating points (a capped chip is slower and draws less): sweep it"

SITE_FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        _f("facility_power_mw", "Facility power", "MW", 0.0, 100_000.0, 100.0,
           "Power the site's grid connection allows, cooling and losses included.", log_scale=True,
           slider=(1.0, 10_000.0), fixed=_SIZES),
        _f("pue", "PUE", "", 1.0, 3.0, 1.2,
           "Power usage effectiveness: facility power over IT power. Hyperscale 1.1-1.2; industry average 1.56-1.58 (Uptime Institute 2023-2024).",
           source="Uptime Institute surveys, see resources/reference/economics.json", slider=(1.0, 2.0), fixed=_SIZES),
        _f("non_accelerator_share", "Non-accelerator IT share", "fraction", 0.0, 0.9, 0.1,
           "Share of IT power used outside the accelerator systems: storage, front-end network, management.", slider=(0.0, 0.5),
           fixed=_SIZES),
        _f("electricity_usd_per_kwh", "Electricity price", "USD/kWh", 0.0, 2.0, 0.08,
           "Contracted all-in energy price. US industrial 0.074-0.090 (EIA, April 2025); EU 0.15-0.19 EUR; Nordics 0.05-0.09 EUR; Gulf 0.04-0.05.",
           source=f"EIA industrial prices April 2025, Eurostat H1 2025, LevelTen PPA Q3 2025 ({_FINANCE}, topic electricity)",
           slider=(0.0, 0.5),
           spread=Spread("triangular", 0.75, 1.25, f"EIA industrial April 2025: US 0.06-0.10 USD/kWh around 0.08, i.e. +-25%, applied "
                         f"around the site's own price (EU 0.15-0.19 EUR is +-12%, Nordics 0.05-0.09 EUR +-29%) ({_FINANCE}, topic electricity)",
                         relative=True)),
        _f("facility_capex_usd_per_mw", "Facility capex", "USD/MW", 0.0, 100_000_000.0, 12_000_000.0,
           "Cost to build one MW of critical IT load (shell, power and cooling), excluding IT: Cushman & Wakefield 2025 average 11.7 M "
           "across 19 US markets (9.3-15 M); land, soft costs and liquid cooling add 10-20%.",
           log_scale=True, source=f"Cushman & Wakefield Data Center Development Cost Guide 2025 ({_FINANCE}, topic facility_capex)",
           slider=(1_000_000.0, 30_000_000.0),
           spread=Spread("triangular", 0.75, 1.33, f"Cushman & Wakefield 2025: 9.3-15.0 M per MW across 19 US markets; the finance "
                         f"reference's 9-16 M around 12 M, i.e. x0.75-x1.33 of the site's figure ({_FINANCE}, topic facility_capex)", relative=True)),
        _f("facility_life_years", "Facility life", "years", 1.0, 50.0, 20.0,
           "Life of the building and its power and cooling plant: its capital is recovered over it at the cost of capital.",
           slider=(5.0, 40.0)),
        _f("other_opex_usd_per_mw_year", "Other opex", "USD/MW/year", 0.0, 10_000_000.0, 500_000.0,
           "Staff, maintenance, insurance and property tax per MW of critical IT load per year, power excluded: about 4% of facility "
           "capex (weakly sourced; AI powered-shell leases of 1.67-1.87 M per MW-year bound it above).",
           source=f"finance reference default, weak ({_FINANCE}, topics facility_opex and colo_price)", slider=(0.0, 2_000_000.0),
           spread=Spread("triangular", 0.6, 2.0, f"finance reference 0.3-1.0 M per MW-year around 0.5 M (weak), i.e. x0.6-x2 of the "
                         f"site's figure ({_FINANCE}, topic facility_opex)", relative=True)),
        _f("networking_share", "Networking share of IT capex", "fraction", 0.0, 0.5, 0.15,
           "Scale-out network (switches, optics, NICs beyond the system) as a share of IT capex, added to the accelerator price: "
           "NVIDIA networking was 12.8-17.6% of its data-centre revenue in FY26; practitioners use 10-15%.",
           source=f"NVIDIA FY26 segment revenue (derived) and practitioner rule ({_FINANCE}, topic networking_share)", slider=(0.0, 0.3),
           spread=Spread("triangular", 0.10, 0.20, f"finance reference 10-20%: NVIDIA networking 12.8-17.6% of data-centre revenue, "
                         f"practitioners 10-15% ({_FINANCE}, topic networking_share)")),
        _f("idle_power_share", "Idle power share", "fraction", 0.0, 1.0, 0.3,
           "Power an accelerator system draws while idle, as a share of its all-in power at the operating point: replicas drained "
           "off-peak idle, busy ones draw full power. ESTIMATE: GPUs idle near 10-15% of TDP but hosts, NICs, fans and switches keep drawing.",
           source="ESTIMATE (no published source in resources/reference); replaced by the engine's power at the operating point when it gives one"),
        _f("wacc", "Cost of capital (WACC)", "fraction", 0.0, 1.0, 0.10,
           "Nominal pre-tax weighted average cost of capital: discounts the cash flows and prices the capital. Hyperscaler-backed "
           "project debt 5.9-6.6%, neocloud debt 9-12%, equity 10-12%: hyperscaler 7-8%, contracted neocloud 9-10%, merchant 12-14%.",
           source=f"CoreWeave 10-Q and 8-K debt terms, Meta Hyperion bonds, xAI notes, 10-yr UST 4.25% ({_FINANCE}, topic cost_of_capital)",
           slider=(0.0, 0.25),
           spread=Spread("triangular", 0.07, 0.14, f"finance reference 7-14%: hyperscaler-backed project debt 5.9-6.6%, neocloud debt "
                         f"9-12%, equity 10-12%, merchant 12-14% ({_FINANCE}, topic cost_of_capital)")),
        _f("horizon_years", "Evaluation horizon", "years", 1.0, 30.0, 5.0,
           "Years of operation the cash flows cover (year 0 is the build); what is still in service at the end is counted at its residual value.",
           integer=True, fixed="it sets the years the cash flows cover: sweep it"),
        _f("first_year_ramp", "First-year demand ramp", "fraction", 0.0, 1.0, 0.75,
           "Demand in the first year of operation as a share of its steady state (sales ramp). ESTIMATE: a linear ramp from half to "
           "full demand over the year averages 0.75.",
           source="ESTIMATE (no published source in resources/reference)"),
        _f("software_speedup_per_year", "Software speed-up", "fraction per year", 0.0, 1.0, None,
           "Yearly gain in tokens/s from serving software on the same hardware (0.2 = 20% a year). Empty = each family's fitted trend "
           "(the engine's speed-up per year, fitted on MLPerf rounds 2023-11 to 2026-04: docs/calibration.md).",
           optional=True, source="the engine's fitted software trend per platform family (docs/calibration.md); set a value to override it",
           slider=(0.0, 0.5)),
    )
}

FLEET_FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        _f("power_share", "Share of accelerator power", "fraction", 0.0, 1.0, 0.5,
           "Share of the site's accelerator power given to this fleet (when sized by power).", optional=True, fixed=_SIZES),
        _f("accelerators", "Accelerators", "count", 0.0, 10_000_000.0, None,
           "Fixed number of accelerators (when sized by count); rounded down to whole purchase units (boards, racks or hosts).",
           integer=True, optional=True, log_scale=True, slider=(8.0, 1_000_000.0), fixed=_SIZES),
        _f("life_years", "Accelerator life", "years", 1.0, 15.0, 5.0,
           "Economic life of the accelerators and their systems: their capital is recovered over it, and at its end the fleet is "
           "refreshed or retired. Book lives are 6 years at CoreWeave, Microsoft and Alphabet, 5.5 at Meta, 5 for Amazon's AI servers, 4 at Nebius.",
           source=f"10-K filings as reported ({_FINANCE}, topic gpu_life)", slider=(1.0, 10.0),
           spread=Spread("triangular", 4.0, 6.0, f"finance reference 4-6 years: book lives 6 (CoreWeave, Microsoft, Alphabet), "
                         f"5.5 (Meta), 5 (Amazon AI servers), 4 (Nebius) ({_FINANCE}, topic gpu_life)")),
        _f("power_cap_w", "Power cap", "W per accelerator", 100.0, 5_000.0, None,
           "Cap on each accelerator's power (W, the chip alone; the host's share comes on top). A capped chip clocks down "
           "and loses throughput, but draws less, so a power-limited site places more of them (MLPerf v6.0: 8x MI355X at a "
           "1,000 W cap ran Llama 2 70B Offline 16% slower). Off = the chip's TDP. Between half the TDP and the TDP.",
           optional=True, source="MLPerf Inference v6.0 (MI355X 1,000 W cap runs); engine power model fitted to MLPerf Power",
           slider=(300.0, 1_800.0), fixed=_SIZES_AND_POINT),
        _f("price_usd", "Price per accelerator", "USD", 0.0, 10_000_000.0, None,
           "Override of the catalogue's all-in price per accelerator.", optional=True, log_scale=True,
           slider=(1_000.0, 300_000.0)),
        _f("residual_value_share", "Residual value", "fraction", 0.0, 1.0, 0.10,
           "What the accelerators and their network sell for at the end of their life, as a share of the purchase price (straight "
           "line in between). Used H100s fetch about 35% after 4 years, V100s 10-15% (weak sources).",
           source=f"spotwire.ai used-GPU prices, LEAPEF price floors, weak ({_FINANCE}, topic gpu_residual)",
           spread=Spread("triangular", 0.0, 0.25, f"finance reference 0-25%: V100 10-15%, A100 floor about 32%, H100 vintage 0.35 "
                         f"after 4 years (weak) ({_FINANCE}, topic gpu_residual)")),
        _f("delivery_year", "Delivery year", "year", 0.0, 29.0, 0.0,
           "Year the fleet is bought and installed (0 = with the building); it earns from the next year on.", integer=True,
           fixed="it moves the fleet's generations in time: sweep it"),
    )
}

WORKLOAD_FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        _f("isl", "Input tokens per request", "tokens", 1.0, 10_000_000.0, 1000.0, "Mean prompt length.", integer=True, log_scale=True,
           slider=(16.0, 1_000_000.0), fixed=_POINT),
        _f("osl", "Output tokens per request", "tokens", 1.0, 10_000_000.0, 1000.0, "Mean generated length.", integer=True, log_scale=True,
           slider=(16.0, 100_000.0), fixed=_POINT),
        _f("max_ttft_ms", "Max time to first token (p99)", "ms", 0.0, 10_000_000.0, None,
           "99th-percentile limit on time to first token; empty = no limit.", optional=True, exclusive_minimum=True, log_scale=True,
           slider=(10.0, 60_000.0), fixed=_POINT),
        _f("min_tokens_per_s_per_user", "Min tokens/s per user", "tokens/s", 0.0, 100_000.0, None,
           "Floor on the mean speed each user sees (interactivity); empty = no floor.", optional=True, exclusive_minimum=True, log_scale=True,
           slider=(1.0, 1_000.0), fixed=_POINT),
        _f("price_in_usd_per_mtok", "Input price", "USD per million tokens", 0.0, 10_000.0, 0.5, "Price of one million prompt tokens.", log_scale=True, slider=(0.01, 100.0)),
        _f("price_out_usd_per_mtok", "Output price", "USD per million tokens", 0.0, 10_000.0, 2.0, "Price of one million generated tokens.", log_scale=True, slider=(0.01, 100.0)),
        _f("demand_tokens_per_s", "Mean demand", "output tokens/s", 0.0, 1e12, None,
           "Output tokens/s the market buys, averaged over the day (the demand shape spreads it over the hours); capacity beyond "
           "the hour's demand earns nothing. Empty = the default utilisation of the capacity serving it.", optional=True, log_scale=True,
           slider=(1_000.0, 10_000_000_000.0)),
        _f("default_utilisation", "Default utilisation", "fraction", 0.0, 1.0, 0.65,
           "Mean demand as a share of the capacity serving the workload, used when no demand is stated: 50-70% for a self-run "
           "token API without batch backfill, 80-85% for take-or-pay rental (DeepSeek's fleet ran at mean/peak 0.82).",
           source=f"DeepSeek open-infra-index, SageServe, POLCA ({_FINANCE}, topic utilisation)",
           spread=Spread("triangular", 0.40, 0.85, f"finance reference 40-85%: 50-70% for a self-run token API, 80-85% for take-or-pay "
                         f"rental, DeepSeek's fleet at mean/peak 0.82 ({_FINANCE}, topic utilisation)")),
        _f("price_decline_per_year", "Price decline", "fraction per year", 0.0, 1.0, 0.35,
           "Yearly fall of the price per million tokens (0.35 = 35% a year). Flagship list prices fell 67-80% per generation; the "
           "cheapest price at constant capability 10x a year; the mid tier stayed flat.",
           source=f"a16z LLMflation, Epoch AI, OpenAI and Anthropic list prices ({_FINANCE}, topic token_price_decline)",
           spread=Spread("triangular", 0.0, 0.70, f"finance reference 0% to -70% a year (stress -90%): the mid tier stayed flat, "
                         f"flagship list prices fell 67-80% per generation ({_FINANCE}, topic token_price_decline)")),
        _f("demand_growth_per_year", "Demand growth", "fraction per year", 0.0, 1.0, 0.0,
           "Yearly growth of the workload's demand (0.3 = 30% a year). Default 0: the factory's market does not grow.",
           source="an assumption: no published figure in resources/reference"),
    )
}

ASSIGNMENT_FIELDS: dict[str, FieldSpec] = {
    "share": _f("share", "Share of the fleet", "fraction", 0.0, 1.0, 1.0,
                "Share of the fleet's accelerators serving this workload (0 keeps the link but serves nothing, as the optimiser may choose).",
                fixed="it splits the fleet among its workloads: sweep it"),
}

#: Price curve points: tokens/s per user -> multiplier on the output price.
PRICE_CURVE_SPEED = _f("tokens_per_s_per_user", "Speed", "tokens/s per user", 0.0, 100_000.0, None, "")
PRICE_CURVE_MULTIPLIER = _f("multiplier", "Price multiplier", "", 0.0, 100.0, 1.0, "")

#: Text fields of items, by kind, as people name them (numbers are named by their FieldSpec)
TEXT_FIELD_LABELS = {"name": "Name", "description": "Description", "platform": "Platform", "sizing": "Sizing",
                     "model": "Model", "precision": "Precision", "price_curve": "Price curve", "position": "Position",
                     "optimise": "Optimise", "refresh_platform": "Refresh to", "software_as_of": "Software as of", "demand_shape": "Demand shape",
                     "demand_hourly": "Hourly demand"}

#: One hour's multiplier of a custom demand shape.
DEMAND_HOURLY_VALUE = _f("multiplier", "Hourly demand", "", 0.0, 24.0, 1.0, "")


def label_of(kind: str, name: str) -> str:
    """What a person calls a field (``price_out_usd_per_mtok`` -> 'Output price'): undo texts,
    refusals and exports use this rather than the key."""
    table = {"site": SITE_FIELDS, "fleet": FLEET_FIELDS, "workload": WORKLOAD_FIELDS, "assignment": ASSIGNMENT_FIELDS}.get(kind, {})
    if name in table:
        return table[name].label
    return TEXT_FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
