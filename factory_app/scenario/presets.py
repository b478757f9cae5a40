"""Palette presets (power budgets and workload templates) from ``resources/catalog/presets.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from factory_app.resources import resource_path
from factory_app.scenario.model import Workload


@dataclass(frozen=True, slots=True)
class PowerBudgetPreset:
    id: str
    name: str
    facility_power_mw: float
    pue: float
    note: str


@dataclass(frozen=True, slots=True)
class WorkloadPreset:
    id: str
    name: str
    workload: Workload  # with a placeholder id; give it a fresh one when adding
    source: str


@dataclass(frozen=True, slots=True)
class Presets:
    power_budgets: tuple[PowerBudgetPreset, ...]
    workloads: tuple[WorkloadPreset, ...]

    def power_budget(self, preset_id: str) -> PowerBudgetPreset:
        return next(p for p in self.power_budgets if p.id == preset_id)

    def workload(self, preset_id: str) -> WorkloadPreset:
        return next(p for p in self.workloads if p.id == preset_id)


_WORKLOAD_KEYS = (
    "model", "precision", "isl", "osl", "max_ttft_ms", "min_tokens_per_s_per_user",
    "price_in_usd_per_mtok", "price_out_usd_per_mtok", "demand_tokens_per_s", "demand_shape", "default_utilisation",
    "price_decline_per_year", "demand_growth_per_year",
)


@lru_cache(maxsize=1)
def load_presets() -> Presets:
    data = json.loads(resource_path("catalog", "presets.json").read_text(encoding="utf-8"))
    budgets = tuple(
        PowerBudgetPreset(b["id"], b["name"], float(b["facility_power_mw"]), float(b["pue"]), b.get("note", ""))
        for b in data["power_budgets"]
    )
    workloads = tuple(
        WorkloadPreset(
            w["id"],
            w["name"],
            Workload(id=w["id"], name=w["name"], **{k: w[k] for k in _WORKLOAD_KEYS if k in w}),
            w.get("source", ""),
        )
        for w in data["workloads"]
    )
    return Presets(budgets, workloads)
