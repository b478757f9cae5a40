"""Operating points of a factory: what each fleet x workload can produce.

One engine call per fleet x workload (:func:`capacity`) gives the best operating point of the
accelerators assigned: the most throughput whose p99 limits hold at full load, which is the
busiest hour's. What each point sells hour by hour is :mod:`factory_app.factory.demand`'s.
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
    #: W per accelerator at the operating point, host share included, when the engine gives it
    #: (``Prediction.power_w_per_gpu``); 0 = not given (the catalogue's all-in W is used).
    power_w_per_gpu: float = 0.0
    #: the engine's error band on ``output_tokens_per_s`` (calibration residuals of comparable points)
    output_tokens_per_s_low: float = 0.0
    output_tokens_per_s_high: float = 0.0
    calibrated_for: str = ""  # the month of serving software the engine answered for
    nearest_measurement: dict | None = None  # the published measurement most like this question

    @property
    def tokens_per_s_per_gpu(self) -> float:
        return self.output_tokens_per_s / self.gpus if self.gpus else 0.0


def _cache_key(fleet: Fleet, w: Workload, gpus: int, cap: int, software: str | None) -> tuple:
    curve = tuple((p.tokens_per_s_per_user, p.multiplier) for p in w.price_curve) if w.price_curve else ()
    prices = (w.price_in_usd_per_mtok, w.price_out_usd_per_mtok) if curve else ()
    return (fleet.platform, int(gpus), w.model, w.precision, int(w.isl), int(w.osl),
            w.max_ttft_ms, w.min_tokens_per_s_per_user, int(cap), curve, prices, fleet.power_cap_w, software)


def cached_predict(catalog: Catalog, fleet: Fleet, w: Workload, gpus: int, cap: int, software: str | None = None) -> Prediction | str:
    """The engine's prediction, or the reason it refused (unknown id, unsupported precision).

    Remembered per (catalogue, platform, gpus, workload shape, service level, price curve, power
    cap, software month): an edit of a price or the electricity cost re-evaluates the factory
    without one engine call. The catalogue is part of the key by identity and held by the entry.
    """
    def compute() -> Prediction | str:
        service = ServiceLevel(max_ttft_ms=w.max_ttft_ms, min_tokens_per_s_per_user=w.min_tokens_per_s_per_user)
        try:
            return predict(
                fleet.platform, int(gpus), w.model, w.precision, int(w.isl), int(w.osl), service,
                catalog=catalog, max_gpus_per_replica=int(cap), value_per_token=price_value_function(w),
                software=software, power_cap_w=fleet.power_cap_w,
            )
        except (PrecisionNotSupported, UnknownIdError, ValueError) as exc:
            return str(exc)

    return _predictions.get(catalog, _cache_key(fleet, w, gpus, cap, software), compute)


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


def capacity(catalog: Catalog, fleet: Fleet, domain_size: int, w: Workload, gpus: int, software: str | None = None) -> Capacity:
    """Best operating point of ``gpus`` accelerators of ``fleet`` serving ``w`` with the serving
    software of month ``software`` (None: the latest calibrated) under the fleet's power cap;
    never raises."""
    base = dict(fleet_id=fleet.id, workload_id=w.id, gpus=int(gpus), input_per_output=w.isl / w.osl)
    if gpus <= 0:
        return Capacity(feasible=False, reason="no accelerators assigned (the share is less than one accelerator)", **base)
    result = cached_predict(catalog, fleet, w, gpus, largest_replica(domain_size, gpus), software)
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
        power_w_per_gpu=result.power_w_per_gpu,
        output_tokens_per_s_low=result.output_tokens_per_s_range[0],
        output_tokens_per_s_high=result.output_tokens_per_s_range[1],
        calibrated_for=result.calibrated_for,
        nearest_measurement=result.nearest_measurement,
        **base,
    )


__all__ = ["Capacity", "cached_predict", "capacity", "clear_cache"]
