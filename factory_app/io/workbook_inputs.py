"""The workbook's inputs: the Assumptions sheet (every site, fleet, workload and finance input, one
cell each, with its unit, defined name and source) and the Operating points sheet (the engine's
figures per fleet x workload, as values).

Every cell written here is registered in :class:`Refs` under a key (``site.pue``,
``fleet.ID.life_years``, ``workload.ID.price_out_usd_per_mtok``, ``op.N.tps_per_acc``...) so the
formula sheets refer to it; every input also gets a defined name (``pue``,
``fleet_hopper_life_years``...).
"""

from __future__ import annotations

from factory_app.factory.demand import shape_of
from factory_app.factory.economics import accelerator_price_usd
from factory_app.io.sources import figure_citation
from factory_app.io.workbook_layout import ModelData, Refs, defined_name, ref, span
from factory_app.scenario.demand_shapes import HOURS
from factory_app.scenario.fields import FLEET_FIELDS, SITE_FIELDS, WORKLOAD_FIELDS, FieldSpec

ASSUMPTIONS = "Assumptions"
OPERATING_POINTS = "Operating points"
#: Inputs whose change needs a new export: they decide which rows and columns exist
STRUCTURE = "fixed at export (decides the rows and year columns): export again after changing it"


class Writer:
    """Rows of one sheet written top to bottom, with the workbook's formats."""

    def __init__(self, ws, formats: dict, sheet: str) -> None:
        self.ws, self.f, self.sheet, self.row = ws, formats, sheet, 0

    def text(self, row: int, col: int, value: str, fmt: str = "text") -> None:
        self.ws.write_string(row, col, str(value), self.f[fmt])  # user text: never a formula

    def number(self, row: int, col: int, value: float | None, fmt: str = "input") -> None:
        if value is None:
            self.ws.write_blank(row, col, None, self.f[fmt])
        else:
            self.ws.write_number(row, col, float(value), self.f[fmt])

    def head(self, labels: list[str]) -> None:
        for c, label in enumerate(labels):
            self.text(self.row, c, label, "head")
        self.row += 1


def _field_row(w: Writer, refs: Refs, wb, item: str, spec: FieldSpec, value, key: str, name: str, source: str = "") -> None:
    """One input: item, label, value, unit, defined name, source."""
    r = w.row
    w.text(r, 0, item)
    w.text(r, 1, spec.label)
    w.number(r, 2, value)
    w.text(r, 3, spec.unit or "-")
    w.text(r, 4, name)
    w.text(r, 5, source or spec.source or spec.help, "wrap")
    refs[key] = ref(ASSUMPTIONS, r, 2)
    wb.define_name(name, "=" + ref(ASSUMPTIONS, r, 2))
    refs.names[name] = ref(ASSUMPTIONS, r, 2)
    w.row += 1


def _text_row(w: Writer, item: str, label: str, value: str, note: str = "") -> None:
    w.text(w.row, 0, item)
    w.text(w.row, 1, label)
    w.text(w.row, 2, value, "input_text")
    w.text(w.row, 3, "-")
    w.text(w.row, 5, note, "wrap")
    w.row += 1


def _value_spec(name: str, label: str, unit: str) -> FieldSpec:
    return FieldSpec(name, label, unit, 0.0, 0.0, None, "")


def write_assumptions(wb, formats: dict, data: ModelData, refs: Refs) -> None:
    """Long because: one table, section by section (site, fleets, workloads, assignments, demand
    shapes), each row an input with its unit, name and source."""
    ws = wb.get_worksheet_by_name(ASSUMPTIONS)
    w = Writer(ws, formats, ASSUMPTIONS)
    s, cat = data.scenario, data.catalog
    w.head(["Item", "Input", "Value", "Unit", "Defined name", "Source / meaning"])
    ws.freeze_panes(1, 0)
    for col, width in enumerate((30, 34, 16, 22, 44, 90)):
        ws.set_column(col, col, width)
    w.text(w.row, 0, "Site", "section")
    w.row += 1
    _text_row(w, s.site.name, "Scenario", s.name, data.note)
    for key, spec in SITE_FIELDS.items():
        value = getattr(s.site, key)
        source = (spec.source or spec.help) + (f" ({STRUCTURE})" if key == "horizon_years" else "")
        if key == "software_speedup_per_year" and value is None:
            source = "empty: the engine's fitted trend per platform (Operating points sheet); type a rate to override. " + spec.source
        _field_row(w, refs, wb, s.site.name, spec, value, f"site.{key}", key, source)
    w.row += 1
    w.text(w.row, 0, "Fleets", "section")
    w.row += 1
    for f in s.fleets:
        p = cat.platforms.get(f.platform)
        item = f.name or f.id
        _text_row(w, item, "Platform", f.platform, p.name if p else "unknown platform")
        _text_row(w, item, "Sizing", f.sizing, STRUCTURE)
        n = lambda field: defined_name("fleet", f.id, field)  # noqa: E731 - a short local helper
        if f.sizing == "power":
            _field_row(w, refs, wb, item, FLEET_FIELDS["power_share"], f.power_share or 0.0, f"fleet.{f.id}.power_share", n("power_share"))
        else:
            _field_row(w, refs, wb, item, FLEET_FIELDS["accelerators"], f.accelerators or 0, f"fleet.{f.id}.accelerators", n("accelerators"))
        for key in ("life_years", "residual_value_share", "delivery_year"):
            _field_row(w, refs, wb, item, FLEET_FIELDS[key], getattr(f, key), f"fleet.{f.id}.{key}", n(key),
                       FLEET_FIELDS[key].source + (f" ({STRUCTURE} when it moves a refresh)" if key == "life_years" else ""))
        if p is None:
            continue
        price_src = "the scenario's override" if f.price_usd is not None else "catalogue: " + figure_citation(p.price_usd)
        _field_row(w, refs, wb, item, FLEET_FIELDS["price_usd"], accelerator_price_usd(f, p), f"fleet.{f.id}.price_usd", n("price_usd"), price_src)
        _field_row(w, refs, wb, item, _value_spec("all_in_w", "All-in W per accelerator", "W"), p.all_in_w.value,
                   f"fleet.{f.id}.all_in_w", n("all_in_w"), "catalogue: " + figure_citation(p.all_in_w))
        _field_row(w, refs, wb, item, _value_spec("purchase_unit", "Purchase unit", "accelerators"), p.purchase_unit,
                   f"fleet.{f.id}.purchase_unit", n("purchase_unit"), "catalogue: accelerators bought together (board, rack or host)")
        succ = cat.platforms.get(f.refresh_platform) if f.refresh_platform else None
        _text_row(w, item, "Refresh to", f.refresh_platform or "(retire)", STRUCTURE)
        if succ is not None:
            _field_row(w, refs, wb, item, _value_spec("price", f"Refresh: {succ.id} price", "USD"), succ.price_usd.value,
                       f"fleet.{f.id}.refresh.price_usd", n("refresh_price_usd"), "catalogue: " + figure_citation(succ.price_usd))
            _field_row(w, refs, wb, item, _value_spec("w", f"Refresh: {succ.id} all-in W", "W"), succ.all_in_w.value,
                       f"fleet.{f.id}.refresh.all_in_w", n("refresh_all_in_w"), "catalogue: " + figure_citation(succ.all_in_w))
            _field_row(w, refs, wb, item, _value_spec("u", f"Refresh: {succ.id} purchase unit", "accelerators"), succ.purchase_unit,
                       f"fleet.{f.id}.refresh.purchase_unit", n("refresh_purchase_unit"), "catalogue")
    w.row += 1
    w.text(w.row, 0, "Workloads", "section")
    w.row += 1
    for wl in s.workloads:
        item = wl.name or wl.id
        _text_row(w, item, "Model", wl.model, f"precision {wl.precision}; service level and price curve move operating points: {STRUCTURE}")
        for key in ("isl", "osl", "price_in_usd_per_mtok", "price_out_usd_per_mtok", "demand_tokens_per_s", "default_utilisation",
                    "price_decline_per_year", "demand_growth_per_year"):
            spec = WORKLOAD_FIELDS[key]
            note = spec.source or spec.help
            if key in ("isl", "osl"):
                note = f"{spec.help} Moves operating points: {STRUCTURE}"
            _field_row(w, refs, wb, item, spec, getattr(wl, key), f"workload.{wl.id}.{key}", defined_name("workload", wl.id, key), note)
    w.row += 1
    w.text(w.row, 0, "Assignments", "section")
    w.row += 1
    share = FieldSpec("share", "Share of the fleet", "fraction", 0, 1, 1, "")
    for a in s.assignments:
        _field_row(w, refs, wb, f"{a.fleet_id} -> {a.workload_id}", share, a.share, f"share.{a.fleet_id}.{a.workload_id}",
                   defined_name("share", a.fleet_id, a.workload_id), f"share of fleet {a.fleet_id} serving {a.workload_id} ({STRUCTURE} when it moves the operating point)")
    w.row += 1
    _write_shapes(w, wb, data, refs)


def _write_shapes(w: Writer, wb, data: ModelData, refs: Refs) -> None:
    """24 hourly multipliers of each workload's mean demand, one column per workload."""
    w.text(w.row, 0, "Demand over the day", "section")
    w.text(w.row, 1, "multipliers of the mean demand by hour (used divided by their mean)", "wrap")
    w.row += 1
    w.text(w.row, 0, "Hour", "head")
    for j, wl in enumerate(data.scenario.workloads):
        w.text(w.row, 2 + j, wl.name or wl.id, "head")
    top = w.row + 1
    for h in range(HOURS):
        w.text(top + h, 0, f"{h:02d}:00")
        for j, wl in enumerate(data.scenario.workloads):
            w.number(top + h, 2 + j, float(shape_of(wl)[h]))
    for j, wl in enumerate(data.scenario.workloads):
        area = span(ASSUMPTIONS, top, 2 + j, top + HOURS - 1, 2 + j)
        refs[f"workload.{wl.id}.shape"] = area
        name = defined_name("workload", wl.id, "demand_shape")
        wb.define_name(name, "=" + area)
        refs.names[name] = area
        refs[f"workload.{wl.id}.shape_row0"] = str(top)
        refs[f"workload.{wl.id}.shape_col"] = str(2 + j)
    w.row = top + HOURS + 1


def write_operating_points(wb, formats: dict, data: ModelData, refs: Refs) -> None:
    """One row per operating point of every generation: the engine's figures as values."""
    ws = wb.get_worksheet_by_name(OPERATING_POINTS)
    w = Writer(ws, formats, OPERATING_POINTS)
    w.head(["Fleet", "Workload", "Generation", "Platform", "Feasible", "Engine accelerators", "Output tokens/s per accelerator",
            "Tokens/s per user", "TTFT (ms)", "TTFT p99 (ms)", "TPOT (ms)", "Busy W per accelerator", "Price multiplier",
            "Engine software speed-up per year", "Bound", "Layout", "Reason"])
    ws.freeze_panes(1, 2)
    for col, width in enumerate((24, 24, 16, 10, 9, 12, 16, 12, 10, 10, 10, 14, 11, 16, 16, 44, 60)):
        ws.set_column(col, col, width)
    fleets = {f.id: f for f in data.scenario.fleets}
    workloads = {wl.id: wl for wl in data.scenario.workloads}
    first = {}
    for i, p in enumerate(data.points):
        r = w.row
        g = data.gens[p.generation]
        c = p.capacity
        first.setdefault(g.fleet_id, p.generation)
        fleet, wl = fleets[p.fleet_id], workloads[p.workload_id]
        w.text(r, 0, fleet.name or fleet.id)
        w.text(r, 1, wl.name or wl.id)
        w.text(r, 2, "as placed" if p.generation == first[g.fleet_id] else f"refresh, year {g.delivery_year}")
        w.text(r, 3, g.platform.id)
        w.number(r, 4, 1.0 if c.feasible else 0.0, "value")
        w.number(r, 5, c.gpus, "value")
        w.number(r, 6, c.output_tokens_per_s / c.gpus if c.feasible and c.gpus else 0.0, "value")
        for col, v in ((7, c.tokens_per_s_per_user), (8, c.ttft_ms), (9, c.ttft_p99_ms), (10, c.tpot_ms), (11, p.busy_w), (12, c.multiplier),
                       (13, data.trends[p.generation])):
            w.number(r, col, v if c.feasible or col in (11, 13) else 0.0, "value")
        w.text(r, 14, c.bound)
        w.text(r, 15, c.layout)
        w.text(r, 16, c.reason, "wrap")
        for key, col in (("feasible", 4), ("gpus", 5), ("tps_per_acc", 6), ("busy_w", 11), ("multiplier", 12), ("trend", 13)):
            refs[f"op.{i}.{key}"] = ref(OPERATING_POINTS, r, col)
        w.row += 1
    w.row += 1
    w.text(w.row, 0, "Values from the engine (factory-app predict at each fleet's size and each workload's service level): "
           "the economics sheets multiply them by accelerators, prices and hours in formulas.", "wrap")


__all__ = ["ASSUMPTIONS", "OPERATING_POINTS", "STRUCTURE", "Writer", "write_assumptions", "write_operating_points"]
