"""``factory-app catalog``: the platforms and models the engine knows, with specs and sources."""

from __future__ import annotations

import argparse
from typing import Any

from factory_app.cli.common import print_json, print_lines
from factory_app.serving.architecture import model_shape
from factory_app.serving.catalog import Catalog, Figure, Model, Platform, default_catalog

FIGURE_UNITS = {
    "hbm_gb": "GB",
    "hbm_bandwidth_tbps": "TB/s",
    "tdp_w": "W",
    "all_in_w": "W",
    "scale_up_domain": "accelerators",
    "scale_up_bw_gbps_bidir": "GB/s (both directions)",
    "scale_out_bw_gbps": "GB/s",
    "price_usd": "USD",
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("catalog", help="list platforms and models with their specs and sources")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def figure_json(fig: Figure, unit: str) -> dict[str, Any]:
    return {"value": fig.value, "unit": unit, "estimate": fig.is_estimate, "quality": fig.grade, "how_estimated": fig.estimate,
            "sources": list(fig.sources)}


def platform_json(p: Platform, cat: Catalog) -> dict[str, Any]:
    eff = cat.efficiency_for(p)
    specs = {}
    for key, fig in p.figures().items():
        unit = FIGURE_UNITS.get(key, "TFLOPS (dense)" if key.startswith("peak_") else "")
        specs[key] = figure_json(fig, unit)
    return {
        "id": p.id,
        "name": p.name,
        "system": p.system,
        "vendor": p.vendor,
        "family": p.family,
        "status": p.status,
        "announced": p.announced,
        "precisions": list(p.precisions),
        "scale_up_domain": p.domain_size,
        "specs": specs,
        "efficiency": {k: getattr(eff, k) for k in eff.FIELDS},
        "efficiency_reference_date": eff.reference_date,
        "efficiency_calibrated": eff.calibrated,
        "efficiency_provenance": eff.provenance,
    }


def model_json(m: Model) -> dict[str, Any]:
    s = model_shape(m)
    out: dict[str, Any] = {
        "id": m.id,
        "name": m.name,
        "sources": list(m.sources),
        "layers": m.layers,
        "hidden_size": m.hidden_size,
        "attention_heads": m.attention_heads,
        "kv_heads": m.kv_heads,
        "head_dim": m.head_dim,
        "ffn_size": m.ffn_size,
        "vocab_size": m.vocab_size,
        "max_context_tokens": m.max_context_tokens,
        "total_params_b": round(s.total_params / 1e9, 2),
        "active_params_b": round(s.active_params / 1e9, 2),
        "published_total_params_b": m.published_total_params_b,
        "published_active_params_b": m.published_active_params_b,
        "kv_cache_elements_per_token": s.kv_elements_per_token(1.0) if not s.window_layers else None,
        "moe": None,
        "mla": None,
        "sliding_window": None,
        "weight_only": dict(m.weight_only),
        "drafter": None if m.drafter is None else {k: getattr(m.drafter, k) for k in m.drafter.__slots__},
        "released": m.released,
    }
    if m.moe:
        out["moe"] = {k: getattr(m.moe, k) for k in m.moe.__slots__}
    if m.mla:
        out["mla"] = {k: getattr(m.mla, k) for k in m.mla.__slots__}
    if m.sliding_window:
        out["sliding_window"] = {"tokens": m.sliding_window.tokens, "layers": m.sliding_window.layers}
    return out


def run(args: argparse.Namespace) -> int:
    cat = default_catalog()
    if args.json:
        print_json(
            {
                "platforms": [platform_json(p, cat) for p in cat.platforms.values()],
                "models": [model_json(m) for m in cat.models.values()],
            }
        )
        return 0
    out = ["Platforms (dense TFLOPS; * = estimate, ~ = secondary source, unmarked = primary; see --json for sources)", ""]
    out.append(f"  {'id':9s} {'status':9s} {'HBM GB':>7s} {'TB/s':>6s} {'domain':>6s} {'W all-in':>9s} {'USD':>8s}  precisions   name")
    for p in cat.platforms.values():
        def mark(f: Figure) -> str:
            return {"estimate": "*", "secondary": "~"}.get(f.grade, " ")
        out.append(
            f"  {p.id:9s} {p.status:9s} {p.hbm_gb.value:7.0f}{mark(p.hbm_gb)}{p.hbm_bandwidth_tbps.value:6.2f}{mark(p.hbm_bandwidth_tbps)}"
            f"{p.domain_size:6d}{mark(p.scale_up_domain)}{p.all_in_w.value:9.0f}{mark(p.all_in_w)}{p.price_usd.value:8.0f}{mark(p.price_usd)} "
            f"{'/'.join(p.precisions):12s} {p.name}"
        )
    out += ["", "Models", ""]
    out.append(f"  {'id':17s} {'total B':>8s} {'active B':>8s} {'layers':>6s} {'context':>8s}  features")
    for m in cat.models.values():
        s = model_shape(m)
        feats = ", ".join(x for x in ("MoE" if m.moe else "", "MLA" if m.mla else "", "sliding window" if m.sliding_window else "") if x) or "dense"
        out.append(f"  {m.id:17s} {s.total_params / 1e9:8.1f} {s.active_params / 1e9:8.1f} {m.layers:6d} {m.max_context_tokens:8d}  {feats}")
    print_lines("\n".join(out))
    return 0
