"""What an LLM architecture costs per token: parameters, KV-cache elements and attention FLOPs.

Everything here is derived from the config.json fields in the catalogue, so a new model needs no
hand-computed totals. Counts are in elements (multiply by bytes per element for bytes) and FLOPs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from factory_app.serving.catalog import Model


@dataclass(frozen=True, slots=True)
class ModelShape:
    """Per-model quantities the performance model needs, in elements and FLOPs."""

    layers: int
    hidden_size: int
    attention_heads: int
    kv_heads: int
    uses_mla: bool
    #: Attention projections of all layers (plus MoE routers).
    attention_params: float
    #: Dense FFNs of non-MoE layers plus shared experts of MoE layers.
    dense_ffn_params: float
    #: One routed expert of one layer (0 for dense models).
    expert_params: float
    moe_layers: int
    experts: int
    experts_per_token: int
    lm_head_params: float
    embedding_params: float
    #: KV-cache elements per token in one full-attention layer.
    kv_elements_per_layer: float
    full_attention_layers: int
    window_layers: int
    window_tokens: int
    #: Decode attention FLOPs per context position per layer (QK and AV).
    decode_attention_flops_per_position: float
    #: Prefill attention FLOPs per (query, key) pair per layer.
    prefill_attention_flops_per_pair: float
    #: Activation elements one token carries through the kernels between the GEMMs, summed over
    #: layers: hidden-sized tensors (norms, residuals, attention in and out), replicated over
    #: tensor parallelism; the FFN intermediate of dense layers and shared experts, split over it;
    #: and per MoE layer the token's routed copies (permuted to and from its experts, ``k x
    #: hidden``, on the expert ranks) and their intermediate (``k x expert FFN``, split over the stage).
    act_hidden_elements: float = 0.0
    act_ffn_elements: float = 0.0
    moe_permute_elements: float = 0.0
    moe_inner_elements: float = 0.0

    @property
    def linear_params(self) -> float:
        """Parameters read by every token outside the routed experts, excluding the LM head."""
        return self.attention_params + self.dense_ffn_params

    @property
    def total_params(self) -> float:
        return (
            self.linear_params
            + self.moe_layers * self.experts * self.expert_params
            + self.lm_head_params
            + self.embedding_params
        )

    @property
    def active_params(self) -> float:
        """Parameters one token multiplies through (the input embedding is a lookup, not read)."""
        return self.linear_params + self.moe_layers * self.experts_per_token * self.expert_params + self.lm_head_params

    def kv_elements_per_token(self, context_tokens: np.ndarray | float) -> np.ndarray | float:
        """KV-cache elements one request holds at ``context_tokens`` of context, all layers."""
        windowed = np.minimum(context_tokens, self.window_tokens) if self.window_layers else 0.0
        return self.kv_elements_per_layer * (self.full_attention_layers * context_tokens + self.window_layers * windowed)

    def decode_attention_flops(self, context_tokens: np.ndarray | float) -> np.ndarray | float:
        """Attention FLOPs to generate one token at ``context_tokens`` of context, all layers."""
        windowed = np.minimum(context_tokens, self.window_tokens) if self.window_layers else 0.0
        return self.decode_attention_flops_per_position * (
            self.full_attention_layers * context_tokens + self.window_layers * windowed
        )

    def prefill_attention_flops(self, prompt_tokens: np.ndarray | float) -> np.ndarray | float:
        """Causal attention FLOPs to prefill a prompt of ``prompt_tokens``, all layers."""
        s = prompt_tokens
        pairs_full = s * s / 2.0
        if self.window_layers:
            w = np.minimum(s, self.window_tokens)
            pairs_window = s * w - w * w / 2.0
        else:
            pairs_window = 0.0
        return self.prefill_attention_flops_per_pair * (
            self.full_attention_layers * pairs_full + self.window_layers * pairs_window
        )


def _attention_params_per_layer(m: Model) -> float:
    h = m.hidden_size
    if m.mla is not None:
        a = m.mla
        q_head = a.qk_nope_head_dim + a.qk_rope_head_dim
        q = h * a.q_lora_rank + a.q_lora_rank * m.attention_heads * q_head if a.q_lora_rank else h * m.attention_heads * q_head
        kv = h * (a.kv_lora_rank + a.qk_rope_head_dim) + a.kv_lora_rank * m.attention_heads * (a.qk_nope_head_dim + a.v_head_dim)
        out = m.attention_heads * a.v_head_dim * h
        return float(q + kv + out)
    q = h * m.attention_heads * m.head_dim
    kv = 2 * h * m.kv_heads * m.head_dim
    out = m.attention_heads * m.head_dim * h
    return float(q + kv + out)


def model_shape(m: Model) -> ModelShape:
    """Derive a :class:`ModelShape` from the catalogue's architecture fields."""
    h = m.hidden_size
    gated_ffn = 3  # gate, up and down projections (SwiGLU) in every catalogue model
    moe_layers = 0
    expert_params = 0.0
    shared_params = 0.0
    router_params = 0.0
    if m.moe is not None:
        moe_layers = (m.layers - m.moe.dense_layers) // m.moe.layer_step
        expert_params = float(gated_ffn * h * m.moe.expert_ffn_size)
        shared_params = moe_layers * m.moe.shared_experts * expert_params
        router_params = moe_layers * h * m.moe.experts
    dense_ffn_layers = m.layers - moe_layers
    dense_ffn_params = dense_ffn_layers * gated_ffn * h * m.ffn_size + shared_params
    expert_ffn = m.moe.expert_ffn_size if m.moe else 0
    k_routed = m.moe.experts_per_token if m.moe else 0

    if m.mla is not None:
        kv_per_layer = float(m.mla.kv_lora_rank + m.mla.qk_rope_head_dim)
        # Decode with the latent absorbed into the query/output projections: scores over
        # (latent + rope) and values over the latent, for every head.
        decode_flops = 2.0 * m.attention_heads * (m.mla.kv_lora_rank + m.mla.qk_rope_head_dim) + 2.0 * m.attention_heads * m.mla.kv_lora_rank
        # Prefill decompresses K and V per head and runs ordinary attention.
        prefill_flops = 2.0 * m.attention_heads * (m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim) + 2.0 * m.attention_heads * m.mla.v_head_dim
    else:
        kv_per_layer = float(2 * m.kv_heads * m.head_dim)
        decode_flops = 4.0 * m.attention_heads * m.head_dim
        prefill_flops = 4.0 * m.attention_heads * m.head_dim

    window_layers = m.sliding_window.layers if m.sliding_window else 0
    embeddings = 0.0 if m.tied_embeddings else float(m.vocab_size * h)
    return ModelShape(
        layers=m.layers,
        hidden_size=h,
        attention_heads=m.attention_heads,
        kv_heads=m.kv_heads,
        uses_mla=m.mla is not None,
        attention_params=m.layers * _attention_params_per_layer(m) + router_params,
        dense_ffn_params=float(dense_ffn_params),
        expert_params=expert_params,
        moe_layers=moe_layers,
        experts=m.moe.experts if m.moe else 0,
        experts_per_token=m.moe.experts_per_token if m.moe else 0,
        lm_head_params=float(m.vocab_size * h),
        embedding_params=embeddings,
        kv_elements_per_layer=kv_per_layer,
        full_attention_layers=m.layers - window_layers,
        window_layers=window_layers,
        window_tokens=m.sliding_window.tokens if m.sliding_window else 0,
        decode_attention_flops_per_position=decode_flops,
        prefill_attention_flops_per_pair=prefill_flops,
        act_hidden_elements=float(m.layers * h),
        act_ffn_elements=float(dense_ffn_layers * m.ffn_size + moe_layers * (m.moe.shared_experts if m.moe else 0) * expert_ffn),
        moe_permute_elements=float(moe_layers * k_routed * h),
        moe_inner_elements=float(moe_layers * k_routed * expert_ffn),
    )
