"""``factory-app predict``: the best layout and operating point of one deployment."""

from __future__ import annotations

import argparse

from factory_app.cli.common import CliError, number, print_json, print_lines
from factory_app.serving.catalog import default_catalog
from factory_app.serving.frontier import Speculation
from factory_app.serving.performance import PrecisionNotSupported
from factory_app.serving.precision import PRECISIONS
from factory_app.serving.predict import LayoutConstraint, Prediction, ServiceLevel, predict

MAX_GPUS = 1_000_000
MAX_TOKENS = 10_000_000


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "predict",
        help="tokens/s, latency and layout of one platform x model deployment",
        description=(
            "Predict the best layout (replicas x tp x ep) and operating point of --gpus accelerators serving "
            "a model. --ttft-ms and --tpot-ms are 99th-percentile limits under random arrivals; --min-tps-user is a "
            "floor on the mean tokens/s each user sees; --concurrency fixes the requests in flight. No service-level "
            "flag means maximum throughput."
        ),
    )
    p.add_argument("--platform", required=True, metavar="ID", help="platform id (see 'factory-app catalog')")
    p.add_argument("--gpus", required=True, type=number(1, MAX_GPUS, integer=True), metavar="N", help="accelerators in the whole system")
    p.add_argument("--model", required=True, metavar="ID", help="model id (see 'factory-app catalog')")
    p.add_argument("--precision", default=None, choices=PRECISIONS, help="weight precision (default: the narrowest the platform runs, fp8 if it can)")
    p.add_argument("--isl", required=True, type=number(1, MAX_TOKENS, integer=True), metavar="TOKENS", help="mean input (prompt) tokens per request")
    p.add_argument("--osl", required=True, type=number(1, MAX_TOKENS, integer=True), metavar="TOKENS", help="mean output tokens per request")
    p.add_argument("--ttft-ms", type=number(0, 1e7, low_open=True), metavar="MS", help="99th-percentile time to first token limit (ms)")
    p.add_argument("--tpot-ms", type=number(0, 1e6, low_open=True), metavar="MS", help="99th-percentile time per output token limit (ms)")
    p.add_argument("--min-tps-user", type=number(0, 1e5, low_open=True), metavar="TPS", help="minimum mean tokens/s each user sees")
    p.add_argument("--concurrency", type=number(1, 1e8, integer=True), metavar="N", help="requests in flight over the whole system (1 = single user)")
    p.add_argument("--tp", type=number(1, 1024, integer=True), metavar="N", help="pin tensor parallelism")
    p.add_argument("--ep", type=number(1, 1024, integer=True), metavar="N", help="pin expert parallelism (MoE models)")
    p.add_argument("--kv-precision", choices=("bf16", "fp8"), help="KV-cache format (default: bf16 with bf16 weights, else fp8)")
    p.add_argument("--draft-tokens", type=number(0, 16, integer=True), default=0, metavar="N", help="speculative decoding: tokens drafted per step (e.g. MTP)")
    p.add_argument("--acceptance", type=number(0, 1), default=0.0, metavar="P", help="speculative decoding: chance each drafted token is accepted")
    p.add_argument("--json", action="store_true", help="print one JSON object (the stable contract documented in docs/cli.md)")
    p.set_defaults(run=run)


def default_precision(precisions: tuple[str, ...]) -> str:
    """fp8 where the hardware has it, else bf16: the common serving default."""
    return "fp8" if "fp8" in precisions else ("bf16" if "bf16" in precisions else precisions[0])


def run(args: argparse.Namespace) -> int:
    catalog = default_catalog()
    platform = catalog.platform(args.platform)  # UnknownIdError -> exit 2 in cli.main
    catalog.model(args.model)
    precision = args.precision or default_precision(platform.precisions)
    service = ServiceLevel(args.ttft_ms, args.tpot_ms, args.min_tps_user, args.concurrency)
    spec = Speculation(args.draft_tokens, args.acceptance) if args.draft_tokens else None
    constraint = LayoutConstraint(tp=args.tp, ep=args.ep) if (args.tp or args.ep) else None
    try:
        result = predict(
            args.platform, args.gpus, args.model, precision, args.isl, args.osl, service, spec,
            catalog=catalog, constraint=constraint, kv_precision=args.kv_precision,
        )
    except PrecisionNotSupported as exc:
        if args.json:
            print_json({"feasible": False, "reason": str(exc), "platform": args.platform, "model": args.model, "precision": precision, "gpus": args.gpus})
        raise CliError(str(exc), 1) from None
    if args.json:
        print_json(result.to_json())
        return 0 if result.feasible else 1
    if not result.feasible:  # the question on stdout, the reason once, on stderr
        print_lines(format_prediction(result).splitlines(keepends=True)[0])
        raise CliError(f"not feasible: {result.reason}", 1)
    print_lines(format_prediction(result))
    return 0


def format_prediction(p: Prediction) -> str:
    """A readable table of a prediction."""
    head = f"{p.gpus} x {p.platform}  |  {p.model} @ {p.precision}  |  {p.isl:g} in / {p.osl:g} out tokens  |  {p.service_level}\n"
    if not p.feasible:
        return head + f"not feasible: {p.reason}\n"
    lay = p.layout
    assert lay is not None
    rows = [
        ("layout", f"{lay.replicas} replica(s) x {lay.gpus_per_replica} GPUs (tp {lay.tp}, attention dp {lay.dp}, ep {lay.ep}, pp {lay.pp})"),
        ("serving", lay.serving + (f", {lay.prefill_gpus_per_replica:.2f} prefill GPUs per replica" if lay.serving == "disaggregated" else ", prefill mixed into decode steps")),
        ("requests in flight", f"{p.concurrency:,.0f} ({lay.batch_per_replica:,.1f} per replica; KV cache holds {p.kv_limit_per_replica:,.0f})"),
        ("output tokens/s", f"{p.output_tokens_per_s:,.0f}  (system)"),
        ("output tokens/s per GPU", f"{p.output_tokens_per_s_per_gpu:,.1f}"),
        ("input tokens/s", f"{p.input_tokens_per_s:,.0f}"),
        ("tokens/s per user", f"{p.tokens_per_s_per_user:,.1f}"),
        ("time to first token", f"{p.ttft_ms:,.0f} ms mean, {p.ttft_p99_ms:,.0f} ms p99"),
        ("time per output token", f"{p.tpot_ms:,.1f} ms mean, {p.tpot_p99_ms:,.1f} ms p99"),
        ("bound by", p.bound),
        ("time split", ", ".join(f"{k} {v * 100:.0f}%" for k, v in p.time_shares.items())),
    ]
    width = max(len(k) for k, _ in rows)
    out = head + "".join(f"  {k:<{width}}  {v}\n" for k, v in rows)
    for note in p.notes:
        out += f"  note: {note}\n"
    return out
