"""The workbook's year 1 at steady state, in formulas: the power chain, fleet sizes, every operating
point's capacity, value, tokens sold and power drawn, each workload's demand over the day (the
Hourly sheet: 24 rows per workload, year 1 and one column per year of the life cycle), and the
fleets' and the site's costs (capital annualised at the cost of capital, energy, other opex).

The formulas are those of docs/factory.md §1-5 and ``factory/economics.py``, ``factory/day.py``,
``factory/demand.py``: a test recomputes the workbook and compares every total with
``factory-app evaluate --json``.
"""

from __future__ import annotations

from factory_app.io.workbook_inputs import Writer
from factory_app.io.workbook_layout import (
    EPS, HOURS_PER_YEAR, MILLION, SECONDS_PER_YEAR, ModelData, Refs, annuity, ratio, ref, span, total, whole_units,
)
from factory_app.scenario.demand_shapes import HOURS

ECONOMICS = "Economics"
HOURLY = "Hourly"


class Sheet(Writer):
    """A Writer that also writes formulas and registers their cells."""

    def __init__(self, ws, formats: dict, sheet: str, refs: Refs) -> None:
        super().__init__(ws, formats, sheet)
        self.refs = refs

    def formula(self, row: int, col: int, text: str, fmt: str = "number", key: str | None = None) -> str:
        # no cached result (an empty one, not XlsxWriter's 0): Excel recalculates on open anyway,
        # and LibreOffice, which trusts a cached value, then computes the cell and the charts on it
        self.ws.write_formula(row, col, "=" + text, self.f[fmt], "")
        cell = ref(self.sheet, row, col)
        if key:
            self.refs[key] = cell
        return cell

    def line(self, label: str, text: str, fmt: str, key: str, unit: str = "") -> str:
        """A labelled single formula on its own row (label, value, unit)."""
        self.text(self.row, 0, label)
        cell = self.formula(self.row, 1, text, fmt, key)
        if unit:
            self.text(self.row, 2, unit)
        self.row += 1
        return cell

    def section(self, title: str) -> None:
        self.row += 1
        self.text(self.row, 0, title, "section")
        self.row += 1


def _power(e: Sheet, r: Refs) -> None:
    e.section("Power and the building")
    e.line("Facility power budget", "facility_power_mw", "mw", "e.facility_power_mw", "MW")
    e.line("IT power budget", "facility_power_mw/pue", "mw", "e.it_power_mw", "MW = facility power / PUE")
    e.line("Accelerator power budget", f"{r['e.it_power_mw']}*(1-non_accelerator_share)", "mw", "e.accelerator_power_mw",
           "MW = IT power x (1 - non-accelerator share)")
    e.line("Accelerator power budget (W)", f"{r['e.accelerator_power_mw']}*{MILLION}", "count", "e.accelerator_power_w", "W")
    e.line("Network markup on IT capex", ratio("networking_share", "1-networking_share"), "pct", "e.markup",
           "share / (1 - share): the scale-out network bought with each system")
    e.line("Facility capex", f"{r['e.it_power_mw']}*facility_capex_usd_per_mw", "usd", "e.facility_capex", "USD = IT MW x USD per MW")
    e.line("Facility depreciation", ratio(r["e.facility_capex"], "facility_life_years"), "usd", "e.facility_dep", "USD/year, straight line")
    af = annuity("wacc", "facility_life_years")
    e.line("Facility capital charge", f"IF(({af})<=0,0,{r['e.facility_capex']}/({af}))", "usd", "e.facility_charge",
           "USD/year = capex / annuity factor at the WACC")
    e.line("Facility financing", f"{r['e.facility_charge']}-{r['e.facility_dep']}", "usd", "e.facility_fin", "USD/year = charge - depreciation")
    e.line("Other opex", f"{r['e.it_power_mw']}*other_opex_usd_per_mw_year", "usd", "e.other_opex", "USD/year = IT MW x USD per MW-year")


def _fleet_sizes(e: Sheet, data: ModelData, r: Refs) -> None:
    """Accelerators per fleet: power-sized fleets first, count-sized ones scaled into what is left."""
    e.section("Fleets: accelerators (docs/factory.md §1)")
    e.head(["Fleet", "Platform", "Requested (whole units)", "Accelerators", "All-in W", "Accelerator MW drawn", "Facility MW drawn (full load)"])
    top = e.row
    fleets = [f for f in data.scenario.fleets if f.platform in data.catalog.platforms]
    helpers = top + len(fleets) + 1
    left, asked = ref(ECONOMICS, helpers, 1), ref(ECONOMICS, helpers + 1, 1)
    power_terms, count_terms = [], []
    for i, f in enumerate(fleets):
        row = top + i
        k = f"fleet.{f.id}"
        e.text(row, 0, f.name or f.id)
        e.text(row, 1, f.platform)
        w, unit = r[f"{k}.all_in_w"], r[f"{k}.purchase_unit"]
        if f.sizing == "power":
            req = e.formula(row, 2, whole_units(f"{r[f'{k}.power_share']}*{r['e.accelerator_power_w']}/{w}", unit), "count")
            n = e.formula(row, 3, req, "count", f"e.{k}.n")
            power_terms.append(f"{n}*{w}")
        else:
            req = e.formula(row, 2, whole_units(r[f"{k}.accelerators"], unit), "count")
            e.formula(row, 3, f"IF({asked}<={left},{req},{whole_units(f'{req}*({left}/{asked})', unit)})", "count", f"e.{k}.n")
            count_terms.append(f"{req}*{w}")
        e.formula(row, 4, w, "count")
        acc_mw = e.formula(row, 5, f"{r[f'e.{k}.n']}*{w}/{MILLION}", "mw", f"e.{k}.acc_mw")
        e.formula(row, 6, f"{acc_mw}/(1-non_accelerator_share)*pue", "mw", f"e.{k}.facility_mw")
    e.row = helpers
    e.text(e.row, 0, "W left for count-sized fleets")
    e.formula(e.row, 1, f"MAX({r['e.accelerator_power_w']}-{total(power_terms)},0)", "count")
    e.row += 1
    e.text(e.row, 0, "W count-sized fleets ask for")
    e.formula(e.row, 1, total(count_terms), "count")
    e.row += 1


def _generations(e: Sheet, data: ModelData, r: Refs) -> None:
    """Each fleet's chain of generations: as placed, then refreshes to its successor platform."""
    e.section("Generations (docs/factory.md §6): the fleet as placed, then each refresh at the same power")
    e.head(["Fleet", "Platform", "Accelerators", "Delivery year", "Life (whole years)", "End year", "Price per accelerator",
            "IT capex (network included)", "Residual share", "Software speed-up used", "Unassigned accelerators", "All-in W",
            "Engine software trend"])
    previous: dict[str, int] = {}
    for g_i, g in enumerate(data.gens):
        row, k = e.row, f"fleet.{g.fleet_id}"
        fleet = next(f for f in data.scenario.fleets if f.id == g.fleet_id)
        e.text(row, 0, fleet.name or fleet.id)
        e.text(row, 1, g.platform.id)
        placed = g.fleet_id not in previous
        if placed:
            e.formula(row, 2, r[f"e.{k}.n"], "count", f"g.{g_i}.n")
            e.formula(row, 3, r[f"{k}.delivery_year"], "count", f"g.{g_i}.delivery")
            e.formula(row, 6, r[f"{k}.price_usd"], "usd", f"g.{g_i}.price")
            e.formula(row, 11, r[f"{k}.all_in_w"], "count", f"g.{g_i}.w")
        else:
            p_i = data.first_generation(g.fleet_id)
            power = f"{r[f'g.{p_i}.n']}*{r[f'g.{p_i}.w']}"
            w, unit = r[f"{k}.refresh.all_in_w"], r[f"{k}.refresh.purchase_unit"]
            e.formula(row, 2, f"IF({power}>0,{whole_units(f'{power}/{w}', unit)},0)", "count", f"g.{g_i}.n")
            e.formula(row, 3, r[f"g.{previous[g.fleet_id]}.end"], "count", f"g.{g_i}.delivery")
            e.formula(row, 6, r[f"{k}.refresh.price_usd"], "usd", f"g.{g_i}.price")
            e.formula(row, 11, w, "count", f"g.{g_i}.w")
        e.formula(row, 4, f"MAX(1,INT({r[f'{k}.life_years']}+0.5))", "count", f"g.{g_i}.life")
        e.formula(row, 5, f"{r[f'g.{g_i}.delivery']}+{r[f'g.{g_i}.life']}", "count", f"g.{g_i}.end")
        e.formula(row, 7, f"{r[f'g.{g_i}.n']}*{r[f'g.{g_i}.price']}*(1+{r['e.markup']})", "usd", f"g.{g_i}.capex")
        e.formula(row, 8, r[f"{k}.residual_value_share"], "pct", f"g.{g_i}.residual")
        e.number(row, 12, data.trends[g_i], "value")
        trend = ref(ECONOMICS, row, 12)
        e.formula(row, 9, f'IF(software_speedup_per_year="",{trend},software_speedup_per_year)', "pct", f"g.{g_i}.speedup")
        assigned = [f"e.op.{i}.n" for i, p in enumerate(data.points) if p.generation == g_i]
        r[f"g.{g_i}.unassigned_cell"] = ref(ECONOMICS, row, 10)
        r[f"g.{g_i}.assigned_keys"] = ",".join(assigned)
        previous[g.fleet_id] = g_i
        e.row += 1


def _points(e: Sheet, data: ModelData, r: Refs, workload_rows: dict[str, int]) -> None:
    """Every operating point: accelerators, capacity and value; year 1 sales and power (placed fleets)."""
    e.section("Operating points: capacity and value (all generations); tokens sold and power drawn in year 1")
    e.head(["Fleet", "Workload", "Generation", "Accelerators assigned", "Capacity (output tokens/s)", "Value per output token (USD)",
            "Busy W per accelerator", "Year-1 utilisation", "Year-1 output tokens/s sold", "Year-1 input tokens/s",
            "Year-1 revenue (USD/year)", "Year-1 mean W drawn"])
    workloads = {wl.id: wl for wl in data.scenario.workloads}
    placed = {g_i for g_i, g in enumerate(data.gens) if data.first_generation(g.fleet_id) == g_i}
    for i, p in enumerate(data.points):
        row, wk = e.row, f"workload.{p.workload_id}"
        wl = workloads[p.workload_id]
        e.text(row, 0, p.fleet_id)
        e.text(row, 1, wl.name or wl.id)
        e.number(row, 2, p.generation, "count")
        share = r[f"share.{p.fleet_id}.{p.workload_id}"]
        n = e.formula(row, 3, f"INT(MAX({share},0)*{r[f'g.{p.generation}.n']}+{EPS})", "count", f"e.op.{i}.n")
        cap = e.formula(row, 4, f"{n}*{r[f'op.{i}.tps_per_acc']}", "tokens", f"e.op.{i}.cap")
        value = (f"{r[f'op.{i}.feasible']}*({r[f'{wk}.price_in_usd_per_mtok']}*{r[f'{wk}.isl']}/{r[f'{wk}.osl']}"
                 f"+{r[f'{wk}.price_out_usd_per_mtok']}*{r[f'op.{i}.multiplier']})/{MILLION}")
        e.formula(row, 5, value, "rate", f"e.op.{i}.value")
        e.formula(row, 6, r[f"op.{i}.busy_w"], "count", f"e.op.{i}.busy")
        if p.generation in placed:
            use = e.formula(row, 7, ref(ECONOMICS, workload_rows[p.workload_id], 4), "pct")
            sold = e.formula(row, 8, f"{cap}*{use}", "tokens", f"e.op.{i}.sold")
            e.formula(row, 9, f"{sold}*{r[f'{wk}.isl']}/{r[f'{wk}.osl']}", "tokens", f"e.op.{i}.input")
            e.formula(row, 10, f"{sold}*{r[f'e.op.{i}.value']}*{SECONDS_PER_YEAR}", "usd", f"e.op.{i}.revenue")
            e.formula(row, 11, f"{n}*{r[f'e.op.{i}.busy']}*(idle_power_share+{use}*(1-idle_power_share))", "count", f"e.op.{i}.mean_w")
        e.row += 1
    for g_i in range(len(data.gens)):  # what no assignment uses idles
        keys = [k for k in r[f"g.{g_i}.assigned_keys"].split(",") if k]
        cell = r[f"g.{g_i}.unassigned_cell"]
        row, col = _cell_position(cell)
        e.formula(row, col, f"MAX({r[f'g.{g_i}.n']}-{total([r[k] for k in keys])},0)", "count", f"g.{g_i}.unassigned")


def _cell_position(cell: str) -> tuple[int, int]:
    from xlsxwriter.utility import xl_cell_to_rowcol

    return xl_cell_to_rowcol(cell.split("!")[1].replace("$", ""))


def _workloads(e: Sheet, data: ModelData, r: Refs, top: int) -> None:
    """Each workload's capacity, mean demand and what the day sells (the Hourly sheet)."""
    e.section("Workloads: demand and sales in year 1 at steady state (docs/factory.md §3-4; hour by hour on the Hourly sheet)")
    assert e.row == top - 1, "the workloads' rows were referred to before they were written"
    e.head(["Workload", "Capacity (output tokens/s)", "Mean demand (output tokens/s)", "Mean served (output tokens/s)",
            "Utilisation", "Output tokens/s sold", "Revenue (USD/year)", "Busiest hour's demand", "Unserved share"])
    placed = {g_i for g_i, g in enumerate(data.gens) if data.first_generation(g.fleet_id) == g_i}
    for wl in data.scenario.workloads:
        row, wk = e.row, f"workload.{wl.id}"
        mine = [i for i, p in enumerate(data.points) if p.workload_id == wl.id and p.generation in placed]
        e.text(row, 0, wl.name or wl.id)
        cap = e.formula(row, 1, total([r[f"e.op.{i}.cap"] for i in mine]), "tokens", f"e.w.{wl.id}.cap")
        demand = r[f"{wk}.demand_tokens_per_s"]
        mean = e.formula(row, 2, f'IF({demand}="",{r[f"{wk}.default_utilisation"]}*{cap},{demand})', "tokens", f"e.w.{wl.id}.mean")
        served = e.formula(row, 3, r[f"h.{wl.id}.steady_mean"], "tokens")
        e.formula(row, 4, ratio(served, cap), "pct", f"e.w.{wl.id}.use")
        e.formula(row, 5, total([r[f"e.op.{i}.sold"] for i in mine]), "tokens", f"e.w.{wl.id}.sold")
        e.formula(row, 6, total([r[f"e.op.{i}.revenue"] for i in mine]), "usd", f"e.w.{wl.id}.revenue")
        e.formula(row, 7, r[f"h.{wl.id}.peak"], "tokens")
        e.formula(row, 8, ratio(f"{mean}-{served}", mean), "pct")
        e.row += 1


def _fleet_costs(e: Sheet, data: ModelData, r: Refs) -> None:
    """Year 1 costs and revenue of each fleet, with its share of the building by power drawn."""
    e.section("Fleets: year 1 costs and revenue (docs/factory.md §5)")
    e.head(["Fleet", "IT capex", "Depreciation", "Capital charge", "Financing", "Idle accelerators", "Mean W drawn",
            "Facility mean MW", "Energy", "Share of the facility", "Facility depreciation", "Facility financing", "Other opex",
            "Cost per year", "Revenue per year", "Profit per year", "Margin", "Output tokens/s sold", "Capex with facility share"])
    fleets = [f for f in data.scenario.fleets if f.platform in data.catalog.platforms]
    drawn = total([r[f"e.fleet.{f.id}.facility_mw"] for f in fleets])
    if fleets:
        r.cells["_fleet_cost_rows"] = f"{e.row}:{e.row + len(fleets) - 1}"
    for f in fleets:
        row, k, ek = e.row, f"fleet.{f.id}", f"e.fleet.{f.id}"
        g_i = data.first_generation(f.id)
        mine = [i for i, p in enumerate(data.points) if p.generation == g_i] if g_i is not None else []
        e.text(row, 0, f.name or f.id)
        capex = e.formula(row, 1, f"{r[f'{ek}.n']}*{r[f'{k}.price_usd']}*(1+{r['e.markup']})", "usd", f"{ek}.capex")
        life, rv = r[f"{k}.life_years"], r[f"{k}.residual_value_share"]
        dep = e.formula(row, 2, ratio(f"{capex}-{capex}*{rv}", life), "usd", f"{ek}.dep")
        af = annuity("wacc", life)
        charge = e.formula(row, 3, f"IF(({af})<=0,0,({capex}-{capex}*{rv}*(1+wacc)^(-{life}))/({af}))", "usd")
        e.formula(row, 4, f"{charge}-{dep}", "usd", f"{ek}.fin")
        idle = e.formula(row, 5, f"MAX({r[f'{ek}.n']}-{total([r[f'e.op.{i}.n'] for i in mine])},0)", "count")
        mean_w = e.formula(row, 6, f"{total([r[f'e.op.{i}.mean_w'] for i in mine])}+{idle}*{r[f'{k}.all_in_w']}*idle_power_share", "count")
        mean_mw = e.formula(row, 7, f"{mean_w}/(1-non_accelerator_share)*pue/{MILLION}", "mw", f"{ek}.mean_mw")
        e.formula(row, 8, f"{mean_mw}*{HOURS_PER_YEAR}*1000*electricity_usd_per_kwh", "usd", f"{ek}.energy")
        part = e.formula(row, 9, ratio(r[f"{ek}.facility_mw"], drawn), "pct")
        e.formula(row, 10, f"{r['e.facility_dep']}*{part}", "usd")
        e.formula(row, 11, f"{r['e.facility_fin']}*{part}", "usd")
        e.formula(row, 12, f"{r['e.other_opex']}*{part}", "usd")
        parts = [ref(ECONOMICS, row, col) for col in (2, 4, 8, 10, 11, 12)]
        cost = e.formula(row, 13, "+".join(parts), "usd", f"{ek}.cost")
        revenue = e.formula(row, 14, total([r[f"e.op.{i}.revenue"] for i in mine]), "usd", f"{ek}.revenue")
        e.formula(row, 15, f"{revenue}-{cost}", "usd", f"{ek}.profit")
        e.formula(row, 16, ratio(f"{revenue}-{cost}", revenue), "pct")
        e.formula(row, 17, total([r[f"e.op.{i}.sold"] for i in mine]), "tokens", f"{ek}.sold")
        e.formula(row, 18, f"{capex}+{r['e.facility_capex']}*{part}", "usd")
        e.row += 1


#: Rows of one workload's block on the Hourly sheet: its title, 24 hours, the mean, a gap
HOURLY_BLOCK = HOURS + 3


def hourly_refs(data: ModelData, r: Refs, horizon: int) -> None:
    """Register the Hourly sheet's means before it is written (the Economics sheet reads them)."""
    for j, wl in enumerate(data.scenario.workloads):
        top = 2 + j * HOURLY_BLOCK
        mean_row = top + HOURS
        r[f"h.{wl.id}.steady_mean"] = ref(HOURLY, mean_row, 3)
        r[f"h.{wl.id}.peak"] = f"MAX({span(HOURLY, top, 2, top + HOURS - 1, 2)})"
        for t in range(1, horizon + 1):
            r[f"h.{wl.id}.year{t}"] = ref(HOURLY, mean_row, 3 + t)


def write_hourly(ws, formats: dict, data: ModelData, r: Refs, horizon: int, economics_cap) -> None:
    """Each workload's day: shape, demand and what is served hour by hour in year 1 at steady
    state, and in every year of the life cycle (growth, first-year ramp, that year's capacity).
    ``economics_cap(workload id, year)`` is the cell of the workload's capacity that year."""
    h = Sheet(ws, formats, HOURLY, r)
    ws.freeze_panes(1, 1)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 3 + horizon, 14)
    h.head(["Hour", "Shape (x mean)", "Year-1 demand (steady state)", "Year-1 served (steady state)",
            *[f"Year {t} served" for t in range(1, horizon + 1)]])
    for j, wl in enumerate(data.scenario.workloads):
        wk = f"workload.{wl.id}"
        h.row = 1 + j * HOURLY_BLOCK
        h.text(h.row, 0, wl.name or wl.id, "section")
        h.row += 1
        top = h.row
        shape, row0, col = r[f"{wk}.shape"], int(r[f"{wk}.shape_row0"]), int(r[f"{wk}.shape_col"])
        for hour in range(HOURS):
            row = top + hour
            h.text(row, 0, f"{hour:02d}:00")
            s = h.formula(row, 1, ratio(ref("Assumptions", row0 + hour, col), f"AVERAGE({shape})"), "rate")
            # the steady-state day of year 1: full demand, every fleet as placed
            d = h.formula(row, 2, f"{r[f'e.w.{wl.id}.mean']}*{s}", "tokens")
            h.formula(row, 3, f"MIN({d},{r[f'e.w.{wl.id}.cap']})", "tokens")
            for t in range(1, horizon + 1):
                ramp = "first_year_ramp" if t == 1 else "1"
                demand = f"{r[f'e.w.{wl.id}.mean']}*(1+{r[f'{wk}.demand_growth_per_year']})^{t - 1}*{ramp}*{s}"
                h.formula(row, 3 + t, f"MIN({demand},{economics_cap(wl.id, t)})", "tokens")
        mean_row = top + HOURS
        h.text(mean_row, 0, "Mean over the day", "head")
        h.formula(mean_row, 2, f"AVERAGE({span(HOURLY, top, 2, top + HOURS - 1, 2)})", "tokens")
        h.formula(mean_row, 3, f"AVERAGE({span(HOURLY, top, 3, top + HOURS - 1, 3)})", "tokens")
        for t in range(1, horizon + 1):
            h.formula(mean_row, 3 + t, f"AVERAGE({span(HOURLY, top, 3 + t, top + HOURS - 1, 3 + t)})", "tokens")


def write_year_one(e: Sheet, data: ModelData, r: Refs) -> None:
    """The Economics sheet's year-1 sections, top to bottom."""
    _power(e, r)
    _fleet_sizes(e, data, r)
    _generations(e, data, r)
    workload_top = e.row + 6 + len(data.points)  # after the points' section title, header and rows, and its own
    workload_rows = {wl.id: workload_top + j for j, wl in enumerate(data.scenario.workloads)}
    _points(e, data, r, workload_rows)
    _workloads(e, data, r, workload_top)
    _fleet_costs(e, data, r)


__all__ = ["ECONOMICS", "HOURLY", "HOURLY_BLOCK", "Sheet", "hourly_refs", "write_hourly", "write_year_one"]
