"""The catalogue: accelerator platforms, LLM architectures and fitted efficiency factors.

Data lives in ``resources/catalog/*.json``; every figure there carries its sources, and a figure
that is not a primary measurement says how it was estimated. This module turns those files into
frozen dataclasses and refuses a malformed file with a message that names the entry and field.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from factory_app.serving.families import family_label
from factory_app.serving.precision import PRECISIONS
from factory_app.resources import resource_path


class CatalogError(ValueError):
    """A catalogue file is malformed. The message names the file, entry and field."""


class UnknownIdError(KeyError):
    """An id that the catalogue does not hold. ``str()`` is a one-line message naming known ids."""

    def __init__(self, kind: str, given: str, known: list[str]) -> None:
        super().__init__(given)
        self.kind, self.given, self.known = kind, given, known

    def __str__(self) -> str:
        return f"unknown {self.kind} '{self.given}'; known: {', '.join(self.known)}"


#: How good a figure's source is: a vendor datasheet or doc, or an MLCommons system description
#: ("primary"); a third party quoting one ("secondary"); derived or assumed ("estimate").
QUALITIES: tuple[str, ...] = ("primary", "secondary", "estimate")


@dataclass(frozen=True, slots=True)
class Figure:
    """One catalogue number with where it came from.

    ``estimate`` is None for a figure read from a cited source, else a sentence saying how the
    figure was derived. A figure with no source at all is always an estimate. ``quality`` grades
    the source (see :data:`QUALITIES`); the UI, the CLI and exports show it, and slide footnotes
    cite only primary sources.
    """

    value: float
    sources: tuple[str, ...] = ()
    estimate: str | None = None
    quality: str = "secondary"

    @property
    def is_estimate(self) -> bool:
        return self.estimate is not None or not self.sources

    @property
    def grade(self) -> str:
        """``quality``, except that an estimate is always graded "estimate"."""
        return "estimate" if self.is_estimate else self.quality

    def describe_source(self) -> str:
        """A one-paragraph provenance line for tooltips and reports."""
        text = "; ".join(self.sources) if self.sources else "no published source"
        if self.is_estimate:
            return f"ESTIMATE ({self.estimate or 'unsourced'}). Based on: {text}"
        return f"{self.grade} source: {text}"


@dataclass(frozen=True, slots=True)
class Platform:
    """An accelerator and the system it ships in. Units are in the field names."""

    id: str
    name: str
    system: str
    vendor: str
    family: str
    status: str  # "shipping" or "announced"
    hbm_gb: Figure
    hbm_bandwidth_tbps: Figure
    peak_dense_tflops: Mapping[str, Figure]
    tdp_w: Figure
    all_in_w: Figure
    scale_up_domain: Figure
    scale_up_bw_gbps_bidir: Figure
    scale_out_bw_gbps: Figure
    price_usd: Figure
    purchase_unit_figure: Figure | None = None

    @property
    def announced(self) -> bool:
        return self.status == "announced"

    @property
    def precisions(self) -> tuple[str, ...]:
        """Precisions the hardware runs natively, in the engine's canonical order."""
        return tuple(p for p in PRECISIONS if p in self.peak_dense_tflops)

    @property
    def domain_size(self) -> int:
        return int(self.scale_up_domain.value)

    @property
    def purchase_unit(self) -> int:
        """Accelerators bought together (an 8-GPU board, a 72-GPU rack, a 4-chip TPU host)."""
        if self.purchase_unit_figure is not None:
            return int(self.purchase_unit_figure.value)
        return self.domain_size

    def whole_units(self, accelerators: float) -> int:
        """``accelerators`` rounded DOWN to whole purchase units (an NVL72 rack is bought whole)."""
        unit = max(self.purchase_unit, 1)
        return int(math.floor(accelerators + 1e-9)) // unit * unit  # 1e-9: 0.3 x 10 counts as 3

    def provisioned_w(self, power_cap_w: float | None = None) -> float:
        """All-in watts a site provisions per accelerator: the catalogue's all-in figure, less
        what a power cap below the TDP takes off the chip (the host's share is not capped)."""
        cut = max(self.tdp_w.value - power_cap_w, 0.0) if power_cap_w else 0.0
        return self.all_in_w.value - cut

    def accelerators_for_power(self, power_w: float, power_cap_w: float | None = None) -> int:
        """Accelerators whose provisioned watts (all-in, or capped) fit in ``power_w``, in whole
        purchase units."""
        return self.whole_units(power_w / self.provisioned_w(power_cap_w)) if power_w > 0 else 0

    def figures(self) -> dict[str, Figure]:
        """Every figure by a display key, for the inspector, tooltips and the catalogue dump."""
        out = {
            "hbm_gb": self.hbm_gb,
            "hbm_bandwidth_tbps": self.hbm_bandwidth_tbps,
            "tdp_w": self.tdp_w,
            "all_in_w": self.all_in_w,
            "scale_up_domain": self.scale_up_domain,
            "scale_up_bw_gbps_bidir": self.scale_up_bw_gbps_bidir,
            "scale_out_bw_gbps": self.scale_out_bw_gbps,
            "price_usd": self.price_usd,
        }
        if self.purchase_unit_figure is not None:
            out["purchase_unit"] = self.purchase_unit_figure
        for prec, fig in self.peak_dense_tflops.items():
            out[f"peak_{prec}_dense_tflops"] = fig
        return out


@dataclass(frozen=True, slots=True)
class MLA:
    """Multi-head latent attention (DeepSeek): the KV cache holds one latent per token and layer."""

    kv_lora_rank: int
    q_lora_rank: int
    qk_nope_head_dim: int
    qk_rope_head_dim: int
    v_head_dim: int


@dataclass(frozen=True, slots=True)
class MoE:
    """Mixture of experts: ``experts`` routed experts per MoE layer, ``experts_per_token`` chosen."""

    experts: int
    experts_per_token: int
    shared_experts: int
    expert_ffn_size: int
    dense_layers: int  # leading layers with a dense FFN instead of experts
    layer_step: int  # 1 = every layer after the dense ones is MoE; 2 = every second layer


@dataclass(frozen=True, slots=True)
class SlidingWindow:
    """Layers whose attention sees only the last ``tokens`` positions (their KV cache is capped)."""

    tokens: int
    layers: int


@dataclass(frozen=True, slots=True)
class Drafter:
    """A published speculative-decoding drafter of a model (MTP heads or an EAGLE-3 head).

    ``acceptance`` is the chance that each drafted token is accepted given the previous one was,
    the default when a user gives none; ``source`` says where it comes from.
    """

    method: str  # "mtp" or "eagle3"
    draft_tokens: int
    acceptance: float
    source: str


@dataclass(frozen=True, slots=True)
class Model:
    """An LLM architecture, as its config.json states it."""

    id: str
    name: str
    sources: tuple[str, ...]
    layers: int
    hidden_size: int
    attention_heads: int
    kv_heads: int
    head_dim: int
    ffn_size: int
    vocab_size: int
    tied_embeddings: bool
    max_context_tokens: int
    published_total_params_b: float
    published_active_params_b: float | None = None
    mla: MLA | None = None
    moe: MoE | None = None
    sliding_window: SlidingWindow | None = None
    #: Published drafter for speculative decoding, if any.
    drafter: Drafter | None = None
    #: Weight formats whose published checkpoints are weight-only, with their activation format
    #: (gpt-oss: MXFP4 weights quantised against bf16 activations).
    weight_only: Mapping[str, str] = field(default_factory=dict)
    #: Month the model was published (YYYY-MM): software for it matures after this.
    released: str = ""

    @property
    def is_moe(self) -> bool:
        return self.moe is not None


@dataclass(frozen=True, slots=True)
class Efficiency:
    """Software-efficiency factors of a platform family, fitted against measurements.

    - ``mem_efficiency``: achieved fraction of datasheet HBM bandwidth in streaming kernels.
    - ``compute_efficiency_max``: fraction of dense peak FLOP/s that large GEMMs reach.
    - ``compute_half_tokens``: tokens per GEMM at which half of that maximum is reached; the
      compute efficiency of a GEMM over n tokens is ``max * n / (n + half)``.
    - ``step_overhead_ms``: per decode step scheduling, sampling and launch time.
    - ``layer_overhead_us``: per layer and step, the floor of the kernels a layer launches.
    - ``link_efficiency``: achieved fraction of the scale-up link bandwidth in collectives.
    - ``comm_latency_us``: latency of one collective step inside the scale-up domain.
    - ``fp4_efficiency``: share of the FP4 datasheet peak that FP4 GEMMs reach relative to
      8/16-bit GEMMs (block-scale loads and epilogues keep FP4 from doubling FP8 in practice).
    - ``weight_only_efficiency``: share of the compute format's peak that weight-only GEMMs reach
      (weights stored narrower than the math: every weight is dequantised inside the GEMM's
      inner loop, on the vector units, before the tensor cores can use it).
    - ``software_trend_per_year``: yearly log-rate at which the family's serving software gets
      faster; the factors describe the software of ``reference_date`` (YYYY-MM).
    - ``activation_passes``: HBM passes over a token's activations per layer between the GEMMs
      (norms, residuals, rotary, gated activation, quantisation, MoE permutation); 0 in old files.
    """

    mem_efficiency: float
    compute_efficiency_max: float
    compute_half_tokens: float
    step_overhead_ms: float
    layer_overhead_us: float
    link_efficiency: float
    comm_latency_us: float
    fp4_efficiency: float = 1.0
    weight_only_efficiency: float = 1.0
    software_trend_per_year: float = 0.0
    activation_passes: float = 0.0
    reference_date: str = ""
    calibrated: bool = True
    provenance: str = ""

    FIELDS = (
        "mem_efficiency", "compute_efficiency_max", "compute_half_tokens", "step_overhead_ms", "layer_overhead_us",
        "link_efficiency", "comm_latency_us", "fp4_efficiency", "weight_only_efficiency", "software_trend_per_year",
        "activation_passes",
    )


@dataclass(frozen=True, slots=True)
class PowerModel:
    """Accelerator power at an operating point (fitted to MLPerf Power's metered watts).

    An accelerator draws ``idle_fraction * TDP`` doing nothing and up to its TDP at full compute;
    between, it draws in proportion to its activity: 1 for the share of time in compute-bound
    kernels, ``memory_activity`` for memory-bound ones, ``other_activity`` for communication and
    launch gaps. The host (CPUs, fans, NICs) adds ``host_w_share`` of the platform's all-in
    watts above its TDP. Under a power cap the clock drops until the dynamic power fits: dynamic
    power goes as clock ** ``throttle_exponent`` (voltage falls with the clock).
    """

    idle_fraction: float = 0.3
    memory_activity: float = 0.65
    other_activity: float = 0.35
    host_w_share: float = 0.35
    throttle_exponent: float = 2.5


@dataclass(frozen=True, slots=True)
class LatencyTail:
    """99th-percentile over mean latencies of served runs (calibrated on MLPerf's measured p99
    and mean TTFT/TPOT), and the iterations a new request waits before its prompt is scheduled."""

    tpot_p99_over_mean_aggregated: float = 1.14
    tpot_p99_over_mean_disaggregated: float = 1.1
    ttft_p99_over_mean: float = 1.9
    admission_steps: float = 4.0


@dataclass(frozen=True, slots=True)
class SoftwareDates:
    """The months (YYYY-MM) of serving software the calibration has measurements of, and the
    yearly log-rate MoE models add to their family's trend (docs/engine.md, "Software dates")."""

    dates: tuple[str, ...] = ()
    moe_trend_per_year: float = 0.0

    @property
    def latest(self) -> str:
        return self.dates[-1] if self.dates else ""


@dataclass(frozen=True, slots=True)
class Catalog:
    """Everything the engine looks up by id."""

    platforms: Mapping[str, Platform]
    models: Mapping[str, Model]
    efficiency: Mapping[str, Efficiency]
    sources: Mapping[str, str] = field(default_factory=dict)
    power: PowerModel = PowerModel()
    tail: LatencyTail = LatencyTail()
    software: SoftwareDates = SoftwareDates()

    def platform(self, platform_id: str) -> Platform:
        try:
            return self.platforms[platform_id]
        except KeyError:
            raise UnknownIdError("platform", platform_id, sorted(self.platforms)) from None

    def model(self, model_id: str) -> Model:
        try:
            return self.models[model_id]
        except KeyError:
            raise UnknownIdError("model", model_id, sorted(self.models)) from None

    def efficiency_for(self, platform: Platform) -> Efficiency:
        return self.efficiency[platform.family]


# --------------------------------------------------------------------------------------------
# loading


def _read_json(path: Path) -> dict[str, Any]:
    try:
        with path.open("r", encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: top level must be an object")
    return data


def _number(raw: Any, where: str, *, positive: bool = True) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise CatalogError(f"{where}: must be a finite number, got {raw!r}")
    if positive and raw <= 0:
        raise CatalogError(f"{where}: must be > 0, got {raw!r}")
    return float(raw)


def _figure(raw: Any, where: str, sources: Mapping[str, str]) -> Figure:
    if not isinstance(raw, dict) or "value" not in raw:
        raise CatalogError(f"{where}: must be an object with 'value' and 'src'")
    keys = raw.get("src", [])
    if not isinstance(keys, list):
        raise CatalogError(f"{where}.src: must be a list of source keys")
    missing = [k for k in keys if k not in sources]
    if missing:
        raise CatalogError(f"{where}.src: unknown source key(s) {missing}")
    estimate = raw.get("estimate")
    if estimate is not None and not isinstance(estimate, str):
        raise CatalogError(f"{where}.estimate: must be a sentence")
    if not keys and estimate is None:
        raise CatalogError(f"{where}: a figure with no source must say how it was estimated")
    quality = raw.get("quality", "estimate" if estimate is not None else "secondary")
    if quality not in QUALITIES:
        raise CatalogError(f"{where}.quality: must be one of {', '.join(QUALITIES)}, got {quality!r}")
    return Figure(_number(raw["value"], f"{where}.value"), tuple(sources[k] for k in keys), estimate, quality)


def _int_field(raw: Mapping[str, Any], key: str, where: str, minimum: int = 1) -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CatalogError(f"{where}.{key}: must be an integer >= {minimum}, got {value!r}")
    return value


def _load_platforms(path: Path) -> tuple[dict[str, Platform], dict[str, str]]:
    data = _read_json(path)
    sources = data.get("sources", {})
    out: dict[str, Platform] = {}
    for i, raw in enumerate(data.get("platforms", [])):
        where = f"{path.name}: platforms[{i}]"
        pid = raw.get("id")
        if not isinstance(pid, str) or not pid:
            raise CatalogError(f"{where}.id: must be a non-empty string")
        where = f"{path.name}: platform '{pid}'"
        if raw.get("status") not in ("shipping", "announced"):
            raise CatalogError(f"{where}.status: must be 'shipping' or 'announced'")
        peaks_raw = raw.get("peak_dense_tflops")
        if not isinstance(peaks_raw, dict) or not peaks_raw:
            raise CatalogError(f"{where}.peak_dense_tflops: must list at least one precision")
        unknown = [p for p in peaks_raw if p not in PRECISIONS]
        if unknown:
            raise CatalogError(f"{where}.peak_dense_tflops: unknown precision(s) {unknown}; known: {', '.join(PRECISIONS)}")
        peaks = {p: _figure(peaks_raw[p], f"{where}.peak_dense_tflops.{p}", sources) for p in PRECISIONS if p in peaks_raw}
        fig = {
            k: _figure(raw.get(k), f"{where}.{k}", sources)
            for k in (
                "hbm_gb",
                "hbm_bandwidth_tbps",
                "tdp_w",
                "all_in_w",
                "scale_up_domain",
                "scale_up_bw_gbps_bidir",
                "scale_out_bw_gbps",
                "price_usd",
            )
        }
        if fig["scale_up_domain"].value != int(fig["scale_up_domain"].value):
            raise CatalogError(f"{where}.scale_up_domain: must be a whole number of accelerators")
        unit = _figure(raw["purchase_unit"], f"{where}.purchase_unit", sources) if "purchase_unit" in raw else None
        if unit is not None and unit.value != int(unit.value):
            raise CatalogError(f"{where}.purchase_unit: must be a whole number of accelerators")
        out[pid] = Platform(
            id=pid,
            name=str(raw.get("name", pid)),
            system=str(raw.get("system", "")),
            vendor=str(raw.get("vendor", "")),
            family=str(raw.get("family", "")),
            status=raw["status"],
            peak_dense_tflops=peaks,
            purchase_unit_figure=unit,
            **fig,
        )
    return out, dict(sources)


def _load_models(path: Path) -> dict[str, Model]:
    data = _read_json(path)
    sources = data.get("sources", {})
    out: dict[str, Model] = {}
    for i, raw in enumerate(data.get("models", [])):
        mid = raw.get("id")
        if not isinstance(mid, str) or not mid:
            raise CatalogError(f"{path.name}: models[{i}].id: must be a non-empty string")
        where = f"{path.name}: model '{mid}'"
        src_keys = raw.get("src", [])
        if not src_keys or any(k not in sources for k in src_keys):
            raise CatalogError(f"{where}.src: must name at least one known source")
        ints = {
            k: _int_field(raw, k, where)
            for k in (
                "layers",
                "hidden_size",
                "attention_heads",
                "kv_heads",
                "head_dim",
                "ffn_size",
                "vocab_size",
                "max_context_tokens",
            )
        }
        mla = moe = window = None
        if "mla" in raw:
            m = raw["mla"]
            mla = MLA(*(_int_field(m, k, f"{where}.mla") for k in MLA.__slots__))
        if "moe" in raw:
            m = raw["moe"]
            moe = MoE(
                experts=_int_field(m, "experts", f"{where}.moe"),
                experts_per_token=_int_field(m, "experts_per_token", f"{where}.moe"),
                shared_experts=_int_field(m, "shared_experts", f"{where}.moe", 0),
                expert_ffn_size=_int_field(m, "expert_ffn_size", f"{where}.moe"),
                dense_layers=_int_field(m, "dense_layers", f"{where}.moe", 0),
                layer_step=_int_field(m, "layer_step", f"{where}.moe"),
            )
            if moe.experts_per_token > moe.experts:
                raise CatalogError(f"{where}.moe.experts_per_token: cannot exceed experts")
        if "sliding_window" in raw:
            w = raw["sliding_window"]
            window = SlidingWindow(_int_field(w, "tokens", f"{where}.sliding_window"), _int_field(w, "layers", f"{where}.sliding_window"))
            if window.layers > ints["layers"]:
                raise CatalogError(f"{where}.sliding_window.layers: cannot exceed layers")
        if ints["attention_heads"] % ints["kv_heads"]:
            raise CatalogError(f"{where}.kv_heads: must divide attention_heads")
        drafter = None
        if "drafter" in raw:
            dr = raw["drafter"]
            acc = dr.get("acceptance")
            if isinstance(acc, bool) or not isinstance(acc, (int, float)) or not 0.0 < acc < 1.0:
                raise CatalogError(f"{where}.drafter.acceptance: must be a number in (0, 1), got {acc!r}")
            if dr.get("method") not in ("mtp", "eagle3") or not isinstance(dr.get("source"), str):
                raise CatalogError(f"{where}.drafter: needs method 'mtp' or 'eagle3' and a source")
            drafter = Drafter(dr["method"], _int_field(dr, "draft_tokens", f"{where}.drafter"), float(acc), dr["source"])
        weight_only = raw.get("weight_only", {})
        if not isinstance(weight_only, dict) or any(k not in PRECISIONS or v not in PRECISIONS for k, v in weight_only.items()):
            raise CatalogError(f"{where}.weight_only: must map weight precisions to activation precisions")
        published = raw.get("published_params_b", {})
        out[mid] = Model(
            id=mid,
            name=str(raw.get("name", mid)),
            sources=tuple(sources[k] for k in src_keys),
            tied_embeddings=bool(raw.get("tied_embeddings", False)),
            published_total_params_b=_number(published.get("total"), f"{where}.published_params_b.total"),
            published_active_params_b=(
                _number(published["active"], f"{where}.published_params_b.active") if "active" in published else None
            ),
            mla=mla,
            moe=moe,
            sliding_window=window,
            drafter=drafter,
            weight_only=dict(weight_only),
            released=str(raw.get("released", "")),
            **ints,
        )
    return out


#: Factors that may be zero or negative (a trend), and default values for older files.
_SIGNED = ("software_trend_per_year",)
_DEFAULTS = {"fp4_efficiency": 1.0, "weight_only_efficiency": 1.0, "software_trend_per_year": 0.0, "activation_passes": 0.0}


def _efficiency_values(raw: Mapping[str, Any], where: str) -> dict[str, float]:
    out = {}
    for k in Efficiency.FIELDS:
        if k not in raw and k in _DEFAULTS:
            out[k] = _DEFAULTS[k]
            continue
        out[k] = _number(raw.get(k), f"{where}.{k}", positive=k not in _SIGNED)
    return out


def _load_efficiency(path: Path) -> tuple[dict[str, Efficiency], PowerModel, LatencyTail, SoftwareDates]:
    data = _read_json(path)
    families = data.get("families", {})
    out: dict[str, Efficiency] = {}
    # Calibrated families first, then families that borrow another family's factors.
    for name, raw in families.items():
        if "inherits" in raw:
            continue
        where = f"{path.name}: families.{name}"
        values = _efficiency_values(raw, where)
        out[name] = Efficiency(
            **values, reference_date=str(raw.get("reference_date", "")), calibrated=True, provenance=str(data.get("provenance", ""))
        )
    pending = {k: v for k, v in families.items() if "inherits" in v}
    while pending:  # a family may borrow from a family that itself borrows
        ready = {k: v for k, v in pending.items() if v["inherits"] in out}
        if not ready:
            name, raw = next(iter(pending.items()))
            raise CatalogError(f"{path.name}: families.{name}.inherits: unknown family '{raw['inherits']}'")
        for name, raw in ready.items():
            parent = out[raw["inherits"]]
            values = {k: getattr(parent, k) for k in Efficiency.FIELDS}
            note = f"not calibrated: no published measurements in the calibration set; uses {family_label(raw['inherits'])}'s factors"
            out[name] = Efficiency(**values, reference_date=parent.reference_date, calibrated=False, provenance=str(raw.get("why", note)))
            del pending[name]
    power_raw = data.get("power", {})
    power = PowerModel(**{k: _number(power_raw[k], f"{path.name}: power.{k}") for k in PowerModel.__slots__ if k in power_raw})
    tail_raw = data.get("latency_tail", {})
    tail = LatencyTail(**{k: _number(tail_raw[k], f"{path.name}: latency_tail.{k}") for k in LatencyTail.__slots__ if k in tail_raw})
    dates = data.get("software_dates", [])
    if not isinstance(dates, list) or any(not isinstance(d, str) or len(d) != 7 for d in dates):
        raise CatalogError(f"{path.name}: software_dates: must list months as 'YYYY-MM'")
    moe_trend = _number(data.get("moe_software_trend_per_year", 0.0), f"{path.name}: moe_software_trend_per_year", positive=False)
    return out, power, tail, SoftwareDates(tuple(sorted(dates)), moe_trend)


def load_catalog(folder: Path | None = None) -> Catalog:
    """Read the catalogue from ``folder`` (default: the app's ``resources/catalog``)."""
    folder = folder or resource_path("catalog")
    platforms, sources = _load_platforms(folder / "platforms.json")
    models = _load_models(folder / "models.json")
    efficiency, power, tail, software = _load_efficiency(folder / "efficiency.json")
    for p in platforms.values():
        if p.family not in efficiency:
            raise CatalogError(f"platforms.json: platform '{p.id}'.family: no efficiency factors for family '{p.family}'")
    return Catalog(platforms=platforms, models=models, efficiency=efficiency, sources=sources, power=power, tail=tail, software=software)


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The app's catalogue, read once per process."""
    return load_catalog()
