"""The workbook's site totals of year 1 and its life cycle, in formulas: one column per year
(0 = the build), one row per generation, operating point and workload, then the cash flows, NPV,
IRR and discounted payback (docs/factory.md §5-6, ``factory/life_cycle.py``, ``factory/finance.py``).
"""

from __future__ import annotations

from factory_app.io.workbook_layout import SECONDS_PER_YEAR, ModelData, Refs, ratio, ref, total
from factory_app.io.workbook_model import ECONOMICS, Sheet

#: Column of year 0 in the life-cycle grid (label and unit columns before it)
YEAR0 = 2


def write_site_year_one(e: Sheet, data: ModelData, r: Refs) -> None:
    """The whole site in year 1 at steady state: the sums the totals are made of."""
    e.section("Site: year 1 at steady state")
    fleets = [f"e.fleet.{f.id}" for f in data.scenario.fleets if f.platform in data.catalog.platforms]
    placed = [i for i, p in enumerate(data.points) if data.first_generation(p.fleet_id) == p.generation]
    s = lambda suffix: total([r[f"{k}.{suffix}"] for k in fleets])  # noqa: E731 - a sum over fleets
    e.line("Accelerator depreciation", s("dep"), "usd", "t.acc_dep", "USD/year")
    e.line("Facility depreciation", r["e.facility_dep"], "usd", "t.fac_dep", "USD/year")
    e.line("Financing (cost of capital)", f"{s('fin')}+{r['e.facility_fin']}", "usd", "t.fin", "USD/year")
    e.line("Energy", s("energy"), "usd", "t.energy", "USD/year")
    e.line("Other opex", r["e.other_opex"], "usd", "t.opex", "USD/year")
    e.line("Cost per year", f"{r['t.acc_dep']}+{r['t.fac_dep']}+{r['t.fin']}+{r['t.energy']}+{r['t.opex']}", "usd", "t.cost", "USD/year")
    e.line("Revenue per year", total([r[f"e.w.{w.id}.revenue"] for w in data.scenario.workloads]), "usd", "t.revenue", "USD/year")
    e.line("Profit per year", f"{r['t.revenue']}-{r['t.cost']}", "usd", "t.profit", "USD/year")
    e.line("Capital charge", f"{r['t.acc_dep']}+{r['t.fac_dep']}+{r['t.fin']}", "usd", "t.capital", "USD/year")
    e.line("Capex", f"{s('capex')}+{r['e.facility_capex']}", "usd", "t.capex", "USD")
    e.line("Output tokens/s sold", total([r[f"e.w.{w.id}.sold"] for w in data.scenario.workloads]), "tokens", "t.sold", "tokens/s")
    e.line("Input tokens/s", total([r[f"e.op.{i}.input"] for i in placed]), "tokens", "t.input", "tokens/s")
    e.line("Output capacity", total([r[f"e.w.{w.id}.cap"] for w in data.scenario.workloads]), "tokens", "t.cap", "tokens/s")
    e.line("Facility power drawn (full load)", s("facility_mw"), "mw", "t.facility_used", "MW")
    e.line("Accelerator power drawn", s("acc_mw"), "mw", "t.acc_used", "MW")
    e.line("Facility power drawn, mean over the day", s("mean_mw"), "mw", "t.facility_mean", "MW")
    e.line("Accelerators", s("n"), "count", "t.n", "count")


def _grid_row(e: Sheet, label: str, unit: str, horizon: int, cell, fmt: str, key: str | None = None, first: int = 0) -> None:
    """One row of the grid: ``cell(t, column)`` gives the formula of year t (years from ``first``)."""
    e.text(e.row, 0, label)
    e.text(e.row, 1, unit)
    for t in range(horizon + 1):
        col = YEAR0 + t
        text = cell(t, col) if t >= first else "0"
        e.formula(e.row, col, text, fmt, f"{key}.{t}" if key else None)
    e.row += 1


def write_life_cycle(e: Sheet, data: ModelData, r: Refs, horizon: int) -> None:
    """Long because: the life cycle's arrays (generations, points, workloads, cash flows) x years,
    each a row of formulas, kept together so each row's formula sits beside the ones it uses."""
    e.section("Life cycle: one column per year (year 0 is the build; docs/factory.md §6)")
    e.text(e.row, 0, "Year", "head")
    e.text(e.row, 1, "", "head")
    for t in range(horizon + 1):
        e.number(e.row, YEAR0 + t, t, "head")
    e.row += 1
    year = lambda col: ref(ECONOMICS, e_head, col)  # noqa: E731 - the year in the header of a column
    e_head = e.row - 1
    r.cells["_year_header"] = str(e_head)
    gens, points, workloads = data.gens, data.points, data.scenario.workloads
    for g_i, g in enumerate(gens):
        _grid_row(e, f"In service: {g.fleet_id} ({g.platform.id})", "1 = yes", horizon,
                  lambda t, c: f"IF(AND({year(c)}>{r[f'g.{g_i}.delivery']},{year(c)}<={r[f'g.{g_i}.end']}),1,0)", "count", f"y.live.{g_i}")
    for i, p in enumerate(points):
        _grid_row(e, f"Capacity: {p.fleet_id} -> {p.workload_id} (gen {p.generation})", "tokens/s", horizon,
                  lambda t, c: f"{r[f'e.op.{i}.cap']}*{r[f'y.live.{p.generation}.{t}']}*(1+{r[f'g.{p.generation}.speedup']})^({year(c)}-1)",
                  "tokens", f"y.cap.{i}", first=1)
    for w in workloads:
        mine = [i for i, p in enumerate(points) if p.workload_id == w.id]
        _grid_row(e, f"Capacity: {w.name or w.id}", "tokens/s", horizon, lambda t, c: total([r[f"y.cap.{i}.{t}"] for i in mine]),
                  "tokens", f"y.capw.{w.id}", first=1)
        _grid_row(e, f"Served, mean of the day: {w.name or w.id}", "tokens/s", horizon, lambda t, c: r[f"h.{w.id}.year{t}"],
                  "tokens", f"y.served.{w.id}", first=1)
    for i, p in enumerate(points):
        wk, w = f"workload.{p.workload_id}", p.workload_id
        share = lambda t: ratio(f"{r[f'y.served.{w}.{t}']}*{r[f'y.cap.{i}.{t}']}", r[f"y.capw.{w}.{t}"])  # noqa: E731
        _grid_row(e, f"Revenue: {p.fleet_id} -> {p.workload_id} (gen {p.generation})", "USD", horizon,
                  lambda t, c: f"{share(t)}*{r[f'e.op.{i}.value']}*{SECONDS_PER_YEAR}*(1-{r[f'{wk}.price_decline_per_year']})^({year(c)}-1)",
                  "usd", f"y.rev.{i}", first=1)
        use = lambda t: f"IF({r[f'y.cap.{i}.{t}']}>0,{ratio(r[f'y.served.{w}.{t}'], r[f'y.capw.{w}.{t}'])},0)"  # noqa: E731
        _grid_row(e, f"W drawn: {p.fleet_id} -> {p.workload_id} (gen {p.generation})", "W", horizon,
                  lambda t, c: f"{r[f'e.op.{i}.n']}*{r[f'y.live.{p.generation}.{t}']}*{r[f'e.op.{i}.busy']}*(idle_power_share+{use(t)}*(1-idle_power_share))",
                  "count", f"y.w.{i}", first=1)
    last = lambda: ref(ECONOMICS, e_head, YEAR0 + horizon)  # noqa: E731 - the horizon, from the header
    for g_i, g in enumerate(gens):
        gk = f"g.{g_i}"
        _grid_row(e, f"W idle (unassigned): {g.fleet_id} ({g.platform.id})", "W", horizon,
                  lambda t, c: f"{r[f'{gk}.unassigned']}*{r[f'{gk}.w']}*idle_power_share*{r[f'y.live.{g_i}.{t}']}", "count", f"y.idle.{g_i}", first=1)
        _grid_row(e, f"Capex: {g.fleet_id} ({g.platform.id})", "USD", horizon,
                  lambda t, c: f"IF({year(c)}={r[f'{gk}.delivery']},{r[f'{gk}.capex']},0)", "usd", f"y.capex.{g_i}")
        left = f"{r[f'{gk}.capex']}*(1-(1-{r[f'{gk}.residual']})*MIN(({last()}-{r[f'{gk}.delivery']})/MAX({r[f'{gk}.end']}-{r[f'{gk}.delivery']},0.000000001),1))"
        _grid_row(e, f"Residual value: {g.fleet_id} ({g.platform.id})", "USD", horizon,
                  lambda t, c: (f"IF(AND({year(c)}={r[f'{gk}.end']},{r[f'{gk}.end']}<={last()}),{r[f'{gk}.capex']}*{r[f'{gk}.residual']},0)"
                                f"+IF(AND({year(c)}={last()},{r[f'{gk}.end']}>{last()}),{left},0)"), "usd", f"y.resid.{g_i}")
    _cash_flows(e, data, r, horizon, year, last)


def _cash_flows(e: Sheet, data: ModelData, r: Refs, horizon: int, year, last) -> None:
    """The cash-flow rows of the grid and NPV, IRR and discounted payback under it."""
    gens, points, workloads = range(len(data.gens)), range(len(data.points)), data.scenario.workloads
    e.row += 1
    _grid_row(e, "Capex", "USD", horizon,
              lambda t, c: f"IF({year(c)}=0,{r['e.facility_capex']},0)+{total([r[f'y.capex.{g}.{t}'] for g in gens])}", "usd", "y.capex_total")
    _grid_row(e, "Revenue", "USD", horizon, lambda t, c: total([r[f"y.rev.{i}.{t}"] for i in points]), "usd", "y.revenue", first=1)
    _grid_row(e, "Energy", "USD", horizon,
              lambda t, c: (f"({total([r[f'y.w.{i}.{t}'] for i in points])}+{total([r[f'y.idle.{g}.{t}'] for g in gens])})"
                            f"/(1-non_accelerator_share)*pue*24/1000*365*electricity_usd_per_kwh"), "usd", "y.energy", first=1)
    _grid_row(e, "Other opex", "USD", horizon, lambda t, c: r["e.other_opex"], "usd", "y.other", first=1)
    _grid_row(e, "Opex", "USD", horizon, lambda t, c: f"{r[f'y.energy.{t}']}+{r[f'y.other.{t}']}", "usd", "y.opex")
    _grid_row(e, "Residual value", "USD", horizon,
              lambda t, c: (f"{total([r[f'y.resid.{g}.{t}'] for g in gens])}"
                            f"+IF({year(c)}={last()},{r['e.facility_capex']}*MAX(0,1-{last()}/facility_life_years),0)"), "usd", "y.residual")
    _grid_row(e, "Cash flow", "USD", horizon,
              lambda t, c: f"{r[f'y.revenue.{t}']}-{r[f'y.opex.{t}']}-{r[f'y.capex_total.{t}']}+{r[f'y.residual.{t}']}", "usd", "y.cash")
    _grid_row(e, "Discounted", "USD", horizon, lambda t, c: f"{r[f'y.cash.{t}']}/(1+wacc)^{year(c)}", "usd", "y.disc")
    _grid_row(e, "Cumulative discounted", "USD", horizon,
              lambda t, c: r[f"y.disc.{t}"] if t == 0 else f"{r[f'y.cum.{t - 1}']}+{r[f'y.disc.{t}']}", "usd", "y.cum")
    _grid_row(e, "Output tokens/s sold", "tokens/s", horizon, lambda t, c: total([r[f"y.served.{w.id}.{t}"] for w in workloads]),
              "tokens", "y.sold", first=1)
    _grid_row(e, "Output capacity", "tokens/s", horizon, lambda t, c: total([r[f"y.capw.{w.id}.{t}"] for w in workloads]),
              "tokens", "y.capacity", first=1)
    _grid_row(e, "Utilisation", "fraction", horizon, lambda t, c: ratio(r[f"y.sold.{t}"], r[f"y.capacity.{t}"]), "pct", "y.use")
    _grid_row(e, "Accelerators in service", "count", horizon,
              lambda t, c: total([f"{r[f'g.{g}.n']}*{r[f'y.live.{g}.{t}']}" for g in gens]), "count", "y.n", first=1)
    _grid_row(e, "Cumulative cash flow", "USD", horizon,
              lambda t, c: r[f"y.cash.{t}"] if t == 0 else f"{r[f'y.cumcash.{t - 1}']}+{r[f'y.cash.{t}']}", "usd", "y.cumcash")
    neg = _payback_rows(e, r, horizon, year, "y.cum", "y.disc", "y.neg", "y.pay", "Discounted payback")
    neg_cash = _payback_rows(e, r, horizon, year, "y.cumcash", "y.cash", "y.negc", "y.payc", "Payback")
    e.row += 1
    years = lambda key: f"{r[f'{key}.0']}:{r[f'{key}.{horizon}'].split('!')[1]}"  # noqa: E731 - a row of the grid
    e.line("NPV at the WACC", f"SUM({years('y.disc')})", "usd", "t.npv", "USD: the sum of the discounted cash flows")
    e.line("IRR", f'IFERROR(IRR({years("y.cash")}),"")', "pct", "t.irr", "empty when no rate zeroes the cash flows")
    e.line("Discounted payback", f'IF({neg}=-1,0,IF({neg}={last()},"",SUM({years("y.pay")})))', "years", "t.payback",
           "years; empty when the discounted cash flows never repay the capital within the horizon")
    e.line("Payback (undiscounted)", f'IF({neg_cash}=-1,0,IF({neg_cash}={last()},"",SUM({years("y.payc")})))', "years",
           "t.payback_cash", "years; empty when the cash flows never repay the capital within the horizon")


def _payback_rows(e: Sheet, r: Refs, horizon: int, year, cumulative: str, flow: str, negative: str, within: str, what: str) -> str:
    """Helper rows of a payback read off a cumulative row: the last year it is negative, then the
    fraction of the next year's flow that recovers it (the flow earned evenly over the year).
    Returns the cell holding the last negative year (-1: never negative)."""
    _grid_row(e, f"{what}: last year still negative (helper)", "year", horizon,
              lambda t, c: (f"IF({r[f'{cumulative}.{t}']}<0,{year(c)},-1)" if t == 0
                            else f"IF({r[f'{cumulative}.{t}']}<0,{year(c)},{r[f'{negative}.{t - 1}']})"),
              "count", negative)
    neg = r[f"{negative}.{horizon}"]

    def recovered(t: int, c: int) -> str:
        fraction = ratio("-" + r[f"{cumulative}.{t - 1}"], r[f"{flow}.{t}"])
        return f"IF({neg}={year(c)}-1,{year(c)}-1+{fraction},0)"

    _grid_row(e, f"{what} within the year (helper)", "years", horizon, recovered, "years", within, first=1)
    return neg


__all__ = ["YEAR0", "write_life_cycle", "write_site_year_one"]
