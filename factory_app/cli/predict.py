"""``factory-app predict``: the best layout and operating point of one deployment."""

from __future__ import annotations

import argparse

from factory_app.cli.common import CliError, number, print_json, print_lines
from factory_app.serving.catalog import default_catalog
from factory_app.serving.frontier import Speculation
from factory_app.serving.performance import PrecisionNotSupported
from factory_app.serving.precision import PRECISIONS
from factory_app.serving.predict import LayoutConstraint, Prediction, ServiceLevel, predict
from factory_app.serving.software import SoftwareDateError, parse_month

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
    p.add_argument("--precision", default=None, choices=PRECISIONS, help="weight precision (default: fp8 where the platform runs it, else bf16); "
                   "a format the chip has no math for is served weight-only (e.g. fp4 weights on Hopper with bf16 math)")
    p.add_argument("--compute-precision", default=None, choices=PRECISIONS, help="format the GEMMs run in (default: the weights' own where the chip runs it "
                   "and the checkpoint is not weight-only, else bf16)")
    p.add_argument("--isl", required=True, type=number(1, MAX_TOKENS, integer=True), metavar="TOKENS", help="mean input (prompt) tokens per request")
    p.add_argument("--osl", required=True, type=number(1, MAX_TOKENS, integer=True), metavar="TOKENS", help="mean output tokens per request")
    p.add_argument("--ttft-ms", type=number(0, 1e7, low_open=True), metavar="MS", help="99th-percentile time to first token limit (ms)")
    p.add_argument("--tpot-ms", type=number(0, 1e6, low_open=True), metavar="MS", help="99th-percentile time per output token limit (ms)")
    p.add_argument("--min-tps-user", type=number(0, 1e5, low_open=True), metavar="TPS", help="minimum mean tokens/s each user sees")
    p.add_argument("--concurrency", type=number(1, 1e8, integer=True), metavar="N", help="requests in flight over the whole system (1 = single user)")
    p.add_argument("--tp", type=number(1, 1024, integer=True), metavar="N", help="pin tensor parallelism")
    p.add_argument("--ep", type=number(1, 1024, integer=True), metavar="N", help="pin expert parallelism (MoE models)")
    p.add_argument("--kv-precision", choices=("bf16", "fp8"), help="KV-cache format (default: bf16 with bf16 weights, else fp8)")
    p.add_argument("--draft-tokens", type=number(0, 16, integer=True), default=None, metavar="N",
                   help="speculative decoding: tokens drafted per step (0 = off; default: the search uses the model's published drafter where it earns more)")
    p.add_argument("--acceptance", type=number(0, 1, low_open=True), default=None, metavar="P",
                   help="speculative decoding: chance each drafted token is accepted (default: the model's drafter's documented rate)")
    p.add_argument("--software", default=None, metavar="YYYY-MM", help="serving software as of this month (default: the latest calibrated)")
    p.add_argument("--power-cap-w", type=number(50, 5000), default=None, metavar="W", help="power cap per accelerator in W (throughput drops as clocks throttle)")
    p.add_argument("--json", action="store_true", help="print one JSON object (the stable contract documented in docs/cli.md)")
    p.set_defaults(run=run)


def speculation_from_args(args: argparse.Namespace, model) -> Speculation | None:
    """``--draft-tokens``/``--acceptance`` as a :class:`Speculation`; None lets the search decide.

    ``--draft-tokens`` without ``--acceptance`` takes the model's documented drafter rate, and
    is refused for a model without one (never a silent acceptance of 0)."""
    if args.draft_tokens is None:
        if args.acceptance is not None:
            raise CliError("--acceptance: needs --draft-tokens N (1 to 16)", 2)
        return None
    if args.draft_tokens == 0:
        return Speculation()
    acceptance = args.acceptance
    if acceptance is None:
        if model.drafter is None:
            raise CliError(f"--draft-tokens: {model.id} has no published drafter with a documented acceptance rate; "
                           "give --acceptance P (above 0 to 1)", 2)
        acceptance = model.drafter.acceptance
    return Speculation(int(args.draft_tokens), float(acceptance))


def default_precision(precisions: tuple[str, ...]) -> str:
    """fp8 where the hardware has it, else bf16: the common serving default."""
    return "fp8" if "fp8" in precisions else ("bf16" if "bf16" in precisions else precisions[0])


def run(args: argparse.Namespace) -> int:
    catalog = default_catalog()
    platform = catalog.platform(args.platform)  # UnknownIdError -> exit 2 in cli.main
    catalog.model(args.model)
    model = catalog.model(args.model)
    precision = args.precision or default_precision(platform.precisions)
    service = ServiceLevel(args.ttft_ms, args.tpot_ms, args.min_tps_user, args.concurrency)
    spec = speculation_from_args(args, model)
    if args.software is not None:
        try:
            parse_month(args.software)
        except SoftwareDateError:
            raise CliError(f"--software: must be a month written YYYY-MM (e.g. 2026-04), got {args.software!r}", 2) from None
    constraint = LayoutConstraint(tp=args.tp, ep=args.ep) if (args.tp or args.ep) else None
    try:
        result = predict(
            args.platform, args.gpus, args.model, precision, args.isl, args.osl, service, spec,
            catalog=catalog, constraint=constraint, kv_precision=args.kv_precision,
            software=args.software, power_cap_w=args.power_cap_w, compute_precision=args.compute_precision,
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
        ("output tokens/s", f"{p.output_tokens_per_s:,.0f}  (system; likely {p.output_tokens_per_s_range[0]:,.0f} to {p.output_tokens_per_s_range[1]:,.0f})"),
        ("output tokens/s per GPU", f"{p.output_tokens_per_s_per_gpu:,.1f}"),
        ("input tokens/s", f"{p.input_tokens_per_s:,.0f}"),
        ("tokens/s per user", f"{p.tokens_per_s_per_user:,.1f}"),
        ("time to first token", f"{p.ttft_ms:,.0f} ms mean, {p.ttft_p99_ms:,.0f} ms p99"),
        ("time per output token", f"{p.tpot_ms:,.1f} ms mean, {p.tpot_p99_ms:,.1f} ms p99"),
        ("bound by", p.bound),
        ("power", f"{p.power_w:,.0f} W system ({p.power_w_per_gpu:,.0f} W per GPU with its host share)"
                  + (f", capped at {p.power_cap_w:g} W per accelerator" if p.power_cap_w else "")),
        ("math", f"weights {p.precision}, GEMMs {p.compute_precision}"
                 + (f"; {p.speculation['method']} speculative decoding, {p.speculation['draft_tokens']} drafts at "
                    f"{p.speculation['acceptance']:g} acceptance" if p.speculation else "")),
        ("software", f"as of {p.calibrated_for}"),
        ("time split", ", ".join(f"{k} {v * 100:.0f}%" for k, v in p.time_shares.items())),
    ]
    width = max(len(k) for k, _ in rows)
    out = head + "".join(f"  {k:<{width}}  {v}\n" for k, v in rows)
    if p.nearest_measurement:
        m = p.nearest_measurement
        out += (f"  nearest measurement: {m['id']} ({m['gpus']} x {m['platform']}, {m['model']}, {m['service_level'] or 'see source'}, "
                f"{m['date']}): {m['value']:,.0f} {m['metric']}\n")
    for note in p.notes:
        out += f"  note: {note}\n"
    return out
