"""Operating points of a factory: what each fleet x workload can produce, and what it sells.

One engine call per fleet x workload (:func:`capacity`) gives the best operating point of the
accelerators assigned; :func:`allocate_demand` then caps what each workload sells at its demand,
every operating point of the workload selling the same share of its capacity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from factory_app.factory.memo import CatalogMemo
from factory_app.serving.catalog import Catalog, UnknownIdError
from factory_app.factory.economics import price_value_function, value_per_output_token_usd
from factory_app.serving.performance import PrecisionNotSupported
from factory_app.serving.predict import Prediction, ServiceLevel, largest_replica, predict
from factory_app.scenario.model import Fleet, Workload

_predictions: CatalogMemo[Prediction | str] = CatalogMemo(4096)


@dataclass(frozen=True, slots=True)
class Capacity:
    """What ``gpus`` accelerators of a fleet can do for a workload, before demand caps.

    ``value_usd_per_token`` is the revenue of one sold output token with its input tokens.
    """

    fleet_id: str
    workload_id: str
    gpus: int
    feasible: bool
    reason: str = ""
    bound: str = ""
    layout: str = ""
    output_tokens_per_s: float = 0.0
    input_per_output: float = 0.0  # isl / osl
    tokens_per_s_per_user: float = 0.0
    ttft_ms: float = 0.0
    ttft_p99_ms: float = 0.0
    tpot_ms: float = 0.0
    multiplier: float = 1.0
    value_usd_per_token: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def tokens_per_s_per_gpu(self) -> float:
        return self.output_tokens_per_s / self.gpus if self.gpus else 0.0


def _cache_key(catalog: Catalog, fleet: Fleet, w: Workload, gpus: int, cap: int) -> tuple:
    curve = tuple((p.tokens_per_s_per_user, p.multiplier) for p in w.price_curve) if w.price_curve else ()
    prices = (w.price_in_usd_per_mtok, w.price_out_usd_per_mtok) if curve else ()
    return (fleet.platform, int(gpus), w.model, w.precision, int(w.isl), int(w.osl),
            w.max_ttft_ms, w.min_tokens_per_s_per_user, int(cap), curve, prices)


def cached_predict(catalog: Catalog, fleet: Fleet, w: Workload, gpus: int, cap: int) -> Prediction | str:
    """The engine's prediction, or the reason it refused (unknown id, unsupported precision).

    Remembered per (catalogue, platform, gpus, workload shape, service level, price curve): an
    edit of a price or the electricity cost re-evaluates the factory without one engine call.
    The catalogue is part of the key by identity and held by the entry, so its id is not reused.
    """
    def compute() -> Prediction | str:
        service = ServiceLevel(max_ttft_ms=w.max_ttft_ms, min_tokens_per_s_per_user=w.min_tokens_per_s_per_user)
        try:
            return predict(
                fleet.platform, int(gpus), w.model, w.precision, int(w.isl), int(w.osl), service,
                catalog=catalog, max_gpus_per_replica=int(cap), value_per_token=price_value_function(w),
            )
        except (PrecisionNotSupported, UnknownIdError, ValueError) as exc:
            return str(exc)

    return _predictions.get(catalog, _cache_key(catalog, fleet, w, gpus, cap), compute)


def clear_cache() -> None:
    """Forget remembered predictions (benchmarks measure cold evaluations with this)."""
    _predictions.clear()


def _layout_text(p: Prediction) -> str:
    lay = p.layout
    if lay is None:
        return ""
    text = f"{lay.replicas:,} x {lay.gpus_per_replica} GPUs (tp{lay.tp} dp{lay.dp} ep{lay.ep} pp{lay.pp}), {lay.serving}"
    if lay.serving == "disaggregated":
        text += f" + {lay.prefill_gpus_per_replica:.2f} prefill GPUs per replica"
    return text


def capacity(catalog: Catalog, fleet: Fleet, domain_size: int, w: Workload, gpus: int) -> Capacity:
    """Best operating point of ``gpus`` accelerators of ``fleet`` serving ``w``; never raises."""
    base = dict(fleet_id=fleet.id, workload_id=w.id, gpus=int(gpus), input_per_output=w.isl / w.osl)
    if gpus <= 0:
        return Capacity(feasible=False, reason="no accelerators assigned (the share is less than one accelerator)", **base)
    result = cached_predict(catalog, fleet, w, gpus, largest_replica(domain_size, gpus))
    if isinstance(result, str):
        return Capacity(feasible=False, reason=result, **base)
    if not result.feasible:
        return Capacity(feasible=False, reason=result.reason, notes=result.notes, **base)
    multiplier = w.price_multiplier(result.tokens_per_s_per_user)
    return Capacity(
        feasible=True,
        bound=result.bound,
        layout=_layout_text(result),
        output_tokens_per_s=result.output_tokens_per_s,
        tokens_per_s_per_user=result.tokens_per_s_per_user,
        ttft_ms=result.ttft_ms,
        ttft_p99_ms=result.ttft_p99_ms,
        tpot_ms=result.tpot_ms,
        multiplier=multiplier,
        value_usd_per_token=value_per_output_token_usd(w, multiplier),
        notes=result.notes,
        **base,
    )


def allocate_demand(points: list[Capacity], cap_tokens_per_s: float | None) -> list[float]:
    """Output tokens/s sold by each of one workload's operating points (same order).

    Without a cap every point sells its capacity. When the capacity exceeds the cap, each point
    sells the same share of its capacity (``cap / total capacity``), as a load balancer spreading
    the workload's requests over its fleets would; which fleets should serve it at all is the
    optimiser's question, not the evaluation's.
    """
    capacities = [c.output_tokens_per_s for c in points]
    total = sum(capacities)
    if cap_tokens_per_s is None or total <= cap_tokens_per_s:
        return capacities
    share = max(float(cap_tokens_per_s), 0.0) / total
    return [tps * share for tps in capacities]


__all__ = ["Capacity", "allocate_demand", "cached_predict", "capacity", "clear_cache"]
