"""Small scenarios shared by the factory tests."""

from __future__ import annotations

from factory_app.scenario.model import Assignment, Fleet, PricePoint, Scenario, Site, Workload

CHAT = Workload(
    id="chat", model="llama-3.3-70b", name="chat", precision="fp8", isl=2000, osl=500,
    max_ttft_ms=1000.0, min_tokens_per_s_per_user=30.0, price_in_usd_per_mtok=0.59, price_out_usd_per_mtok=0.79,
)
REASONING = Workload(
    id="reasoning", model="deepseek-r1", name="reasoning", precision="fp8", isl=1000, osl=8000,
    min_tokens_per_s_per_user=40.0, price_in_usd_per_mtok=0.55, price_out_usd_per_mtok=2.19,
)


def two_by_two(facility_mw: float = 10.0, chat_cap: float | None = None, reasoning_cap: float | None = None) -> Scenario:
    """Two power-sized fleets (H200, GB200) each serving chat and reasoning half and half. A cap
    is a flat mean demand (the same tokens/s every hour, as a format-1 cap was); a workload
    without one sells its default utilisation of its capacity over the business-hours day."""
    return Scenario(
        name="two by two",
        site=Site(facility_power_mw=facility_mw, pue=1.2),
        fleets=(
            Fleet(id="hopper", platform="h200", power_share=0.5),
            Fleet(id="blackwell", platform="gb200", power_share=0.5),
        ),
        workloads=(
            Workload(**{**_fields(CHAT), **_flat(chat_cap)}),
            Workload(**{**_fields(REASONING), **_flat(reasoning_cap)}),
        ),
        assignments=(
            Assignment("hopper", "chat", 0.5), Assignment("hopper", "reasoning", 0.5),
            Assignment("blackwell", "chat", 0.5), Assignment("blackwell", "reasoning", 0.5),
        ),
    )


def _flat(demand: float | None) -> dict:
    return {"demand_tokens_per_s": demand, "demand_shape": "flat"} if demand is not None else {}


def with_curve(w: Workload, *points: tuple[float, float]) -> Workload:
    return Workload(**{**_fields(w), "price_curve": tuple(PricePoint(s, m) for s, m in points)})


def _fields(w: Workload) -> dict:
    return {name: getattr(w, name) for name in w.__dataclass_fields__}
