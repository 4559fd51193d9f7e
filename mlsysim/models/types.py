"""Layer A, workloads: transformer (dense, GQA/MQA, MoE, MLA), CNN and recommendation models.

Counting conventions (see the math page): one multiply-add is 2 FLOP; parameter counts follow
the weight matrices (norms and biases are below 0.1% and ignored when derived).
"""

from __future__ import annotations

from typing import Literal

from pydantic import PrivateAttr, field_validator, model_validator

from ..core.precision import bytes_per_element
from ..core.types import Qty, Source, Spec
from ..core.units import Q_

__all__ = ["Workload", "TransformerWorkload", "CNNWorkload", "RecommendationWorkload", "LoweredWorkload"]


def _count(v):
    """Accept 8.03e9, "8.03e9", "8B", "70M" or a Quantity in params for a count."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        s = v.strip().replace("_", "")
        mult = {"K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12}
        if s and s[-1].upper() in mult and s[:-1].replace(".", "", 1).replace("e", "", 1).isdigit():
            return float(s[:-1]) * mult[s[-1].upper()]
        return float(s)
    if hasattr(v, "to"):
        return float(v.to("param").magnitude)
    return v


class Workload(Spec):
    """Common identity and provenance fields of every workload."""

    name: str
    """Display name."""
    id: str | None = None
    """Registry id, e.g. Llama3_8B."""
    aliases: tuple[str, ...] = ()
    """Other names."""
    family: str | None = None
    """language, vision, recommendation or tiny."""
    description: str | None = None
    """One-line description."""
    year: int | None = None
    """Year of release."""
    source: Source | None = None
    """Where the numbers come from."""
    sources: dict[str, Source] = {}
    """Per-field sources."""

    _fast: dict | None = PrivateAttr(default=None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id or self.name!r})"

    __str__ = __repr__


class LoweredWorkload(Spec):
    """A workload lowered to a precision: bytes and FLOPs per unit of work."""

    name: str
    precision: str
    bytes_per_parameter: float
    weight_bytes: Qty("information")
    flops_per_unit: Qty("operations")
    unit: str
    arithmetic_intensity: Qty("dimensionless", allow_zero=True) | None = None


_MAX_DIM = 10**9
_SHAPE_FIELDS = ("layers", "hidden_dim", "heads", "kv_heads", "head_dim", "ffn_dim", "vocab_size", "seq_len",
                 "num_experts", "experts_per_token", "shared_experts", "moe_ffn_dim", "dense_layers", "kv_latent_dim",
                 "rope_dim", "q_latent_dim", "v_head_dim", "qk_nope_head_dim")


class TransformerWorkload(Workload):
    """A transformer: dense or MoE; MHA, GQA/MQA (``kv_heads``) or MLA (``kv_latent_dim``)."""

    kind: Literal["transformer"] = "transformer"
    architecture: Literal["decoder", "encoder", "encoder-decoder"] = "decoder"
    """decoder, encoder or encoder-decoder."""
    layers: int
    """Transformer blocks L."""
    hidden_dim: int
    """Model width h."""
    heads: int
    """Attention (query) heads a."""
    kv_heads: int | None = None
    """Key-value heads n_kv (None: = heads, MHA; 1: MQA)."""
    head_dim: int | None = None
    """Head dimension d (None: hidden_dim / heads)."""
    ffn_dim: int | None = None
    """MLP width f (None: 4·hidden_dim)."""
    vocab_size: int = 32000
    """Vocabulary V (tokens)."""
    seq_len: int = 2048
    """Context length s (tokens)."""
    parameters: float | None = None
    """Total parameters, when stated (None: derived from the shapes)."""
    active_parameters: float | None = None
    """Parameters used per token, when stated (MoE)."""
    nominal_parameters: float | None = None
    """The model card's rounded figure (8B), for display."""
    nominal_active_parameters: float | None = None
    """The card's rounded active figure (MoE)."""
    gated_mlp: bool = True
    """SwiGLU-style gated MLP (3 matrices) rather than 2."""
    tied_embeddings: bool = False
    """Output head shares the input embedding."""
    # Mixture of experts
    num_experts: int | None = None
    """Routed experts per MoE layer."""
    experts_per_token: int | None = None
    """Experts each token is routed to (top-k)."""
    shared_experts: int = 0
    """Always-active experts per MoE layer."""
    moe_ffn_dim: int | None = None
    """MLP width of one expert."""
    dense_layers: int = 0
    """Leading layers with a dense MLP (MoE models)."""
    # Multi-head latent attention (DeepSeek-V2/V3)
    kv_latent_dim: int | None = None
    """MLA: compressed KV latent d_c."""
    rope_dim: int | None = None
    """MLA: decoupled RoPE key dimension."""
    q_latent_dim: int | None = None
    """MLA: compressed query latent."""
    v_head_dim: int | None = None
    """MLA: value head dimension."""
    qk_nope_head_dim: int | None = None
    """MLA: query-key head dimension without RoPE."""

    _p = field_validator("parameters", "active_parameters", "nominal_parameters", "nominal_active_parameters", mode="before")(classmethod(lambda cls, v: _count(v)))

    @model_validator(mode="after")
    def _check(self):
        for f in ("layers", "hidden_dim", "heads", "vocab_size", "seq_len"):
            if getattr(self, f) <= 0:
                raise ValueError(f"{f} must be positive, got {getattr(self, f)}")
        for f in ("kv_heads", "head_dim", "ffn_dim", "num_experts", "experts_per_token", "moe_ffn_dim",
                  "kv_latent_dim", "q_latent_dim", "v_head_dim", "qk_nope_head_dim"):
            v = getattr(self, f)
            if v is not None and v <= 0:
                raise ValueError(f"{f} must be positive, got {v}")
        for f in _SHAPE_FIELDS:  # beyond this, counts overflow floating point in the solvers
            v = getattr(self, f)
            if v is not None and v > _MAX_DIM:
                raise ValueError(f"{f} must be at most {_MAX_DIM:,}, got {v:,}")
        if self.kv_heads is not None and (self.kv_heads > self.heads or self.heads % self.kv_heads):
            raise ValueError(f"kv_heads ({self.kv_heads}) must divide heads ({self.heads})")
        if self.head_dim is None and self.hidden_dim % self.heads:
            raise ValueError(f"hidden_dim ({self.hidden_dim}) is not divisible by heads ({self.heads}); give head_dim")
        if self.experts_per_token and not self.num_experts:
            raise ValueError("experts_per_token needs num_experts")
        if self.num_experts and self.experts_per_token and self.experts_per_token > self.num_experts:
            raise ValueError(f"experts_per_token ({self.experts_per_token}) exceeds num_experts ({self.num_experts})")
        if self.dense_layers < 0 or self.dense_layers > self.layers:
            raise ValueError(f"dense_layers must be between 0 and layers ({self.layers})")
        for f in ("parameters", "active_parameters", "nominal_parameters", "nominal_active_parameters"):
            v = getattr(self, f)
            if v is not None and not (v > 0 and v < 1e16):
                raise ValueError(f"{f} must be a positive count below 1e16, got {v}")
        if self.parameters is None and not self.derived_parameters() < 1e16:
            raise ValueError(f"the shapes give {self.derived_parameters():.3g} parameters; at most 1e16 are supported")
        return self

    # ---- shape -------------------------------------------------------------------------
    @property
    def n_kv(self) -> int:
        """KV heads (= heads for MHA)."""
        return self.kv_heads or self.heads

    @property
    def d_head(self) -> int:
        return self.head_dim or self.hidden_dim // self.heads

    @property
    def d_ff(self) -> int:
        return self.ffn_dim or 4 * self.hidden_dim

    @property
    def is_moe(self) -> bool:
        return bool(self.num_experts and self.num_experts > 1)

    @property
    def is_mla(self) -> bool:
        return self.kv_latent_dim is not None

    @property
    def moe_layers(self) -> int:
        return self.layers - self.dense_layers if self.is_moe else 0

    def _qk_dim(self) -> int:
        """Per-head dimension of the query-key product."""
        if self.is_mla:
            return (self.qk_nope_head_dim or self.d_head) + (self.rope_dim or 0)
        return self.d_head

    def _v_dim(self) -> int:
        return self.v_head_dim or (self.qk_nope_head_dim or self.d_head) if self.is_mla else self.d_head

    # ---- parameters (Narayanan et al. 2021, eq. 2 generalised to GQA, SwiGLU, MoE, MLA) ----
    def attention_parameters_per_layer(self) -> float:
        """Q, K, V, O projections: 2·h·a·d + 2·h·n_kv·d (GQA); MLA uses its low-rank factors.

        See the math page: [site/math.qmd#parameters](../site/math.qmd#parameters).
        """
        h, a = self.hidden_dim, self.heads
        if self.is_mla:
            qk, v, c, r = self._qk_dim(), self._v_dim(), self.kv_latent_dim, self.rope_dim or 0
            nope = qk - r
            q = h * self.q_latent_dim + self.q_latent_dim * a * qk if self.q_latent_dim else h * a * qk
            kv = h * (c + r) + c * a * (nope + v)
            return float(q + kv + a * v * h)
        d = self.d_head
        return float(2 * h * a * d + 2 * h * self.n_kv * d)

    def _mlp(self, width: int) -> float:
        return float((3 if self.gated_mlp else 2) * self.hidden_dim * width)

    def mlp_parameters_per_layer(self, *, active: bool = False, moe: bool | None = None) -> float:
        """MLP weights of one layer: 3·h·f gated (SwiGLU) or 2·h·f; MoE: experts (all or top-k) + shared + router.

        See the math page: [site/math.qmd#parameters](../site/math.qmd#parameters).
        """
        if moe is None:
            moe = self.is_moe
        if not moe:
            return self._mlp(self.d_ff)
        width = self.moe_ffn_dim or self.d_ff
        n = (self.experts_per_token or 1) if active else self.num_experts
        return self._mlp(width) * (n + self.shared_experts) + self.hidden_dim * self.num_experts

    def embedding_parameters(self) -> float:
        """V·h input embedding, plus V·h output head when untied.

        See the math page: [site/math.qmd#parameters](../site/math.qmd#parameters).
        """
        return float(self.vocab_size * self.hidden_dim * (1 if self.tied_embeddings else 2))

    def derived_parameters(self, *, active: bool = False) -> float:
        """Parameters from the architecture (ignoring norms and biases).

        See the math page: [site/math.qmd#parameters](../site/math.qmd#parameters).
        """
        dense_mlp = self.mlp_parameters_per_layer(moe=False)
        blocks = self.layers * self.attention_parameters_per_layer()
        if self.is_moe:
            blocks += self.dense_layers * dense_mlp + self.moe_layers * self.mlp_parameters_per_layer(active=active, moe=True)
        else:
            blocks += self.layers * dense_mlp
        return blocks + self.embedding_parameters()

    @property
    def total_parameters(self) -> float:
        """All parameters: ``parameters`` when given, else derived from the shapes.

        Registry entries keep the model card's rounded figure ("7B") as ``nominal_parameters``
        and use the exact count from the shapes (6.74e9 for Llama 2 7B)."""
        return self.parameters if self.parameters is not None else self.derived_parameters()

    @property
    def active_parameter_count(self) -> float:
        """Parameters used per token (MoE: top-k experts), scaled to the stated total when given."""
        if self.active_parameters is not None:
            return self.active_parameters
        if not self.is_moe:
            return self.total_parameters
        if self.parameters is None:
            return self.derived_parameters(active=True)
        return self.derived_parameters(active=True) * (self.total_parameters / self.derived_parameters())

    def matmul_parameters(self, *, active: bool = True) -> float:
        """Parameters that multiply every token (active, without the input embedding lookup)."""
        p = self.active_parameter_count if active else self.total_parameters
        return p - self.vocab_size * self.hidden_dim * (0 if self.tied_embeddings else 1)

    # ---- FLOPs (Kaplan et al. 2020, Table 1; Narayanan et al. 2021, eq. 3) --------------------
    def attention_flops_per_token(self, context: float) -> float:
        """Score and value products of one token attending to ``context`` tokens, all layers:
        2·L·c·a·(d_qk + d_v) (= 4·L·c·h for standard attention).

        See the math page: [site/math.qmd#flops-per-token](../site/math.qmd#flops-per-token).
        """
        return 2.0 * self.layers * context * self.heads * (self._qk_dim() + self._v_dim())

    def forward_flops_per_token(self, context: float | None = None) -> float:
        """Forward FLOPs per token ≈ 2·P_active (matmuls, incl. the output head) + attention at ``context``.

        See the math page: [site/math.qmd#flops-per-token](../site/math.qmd#flops-per-token).
        """
        c = self.seq_len if context is None else context
        return 2.0 * self.matmul_parameters() + self.attention_flops_per_token(c)

    def training_flops_per_token(self, seq_len: int | None = None) -> float:
        """Model FLOPs per trained token: 3 × forward at full context s (Megatron convention,
        Narayanan et al. 2021 eq. 3: 72·b·s·L·h²·(1 + s/6h + V/12Lh) per step for GPT).

        See the math page: [site/math.qmd#flops-per-token](../site/math.qmd#flops-per-token).
        """
        return 3.0 * self.forward_flops_per_token(seq_len or self.seq_len)

    # ---- memory --------------------------------------------------------------------------
    def kv_cache_elements_per_token(self) -> float:
        """KV elements per token: 2·L·n_kv·d (GQA/MQA), or L·(d_c + d_rope) for MLA.

        See the math page: [site/math.qmd#kv-cache](../site/math.qmd#kv-cache).
        """
        if self.is_mla:
            return float(self.layers * (self.kv_latent_dim + (self.rope_dim or 0)))
        return float(2 * self.layers * self.n_kv * self.d_head)

    def kv_cache_bytes_per_token(self, precision: str = "fp16"):
        return Q_(self.kv_cache_elements_per_token() * bytes_per_element(precision), "B")

    def weight_bytes(self, precision: str = "fp16"):
        return Q_(self.total_parameters * bytes_per_element(precision), "B")

    def lower(self, precision: str = "fp16", context: int | None = None) -> LoweredWorkload:
        """Bytes per parameter, weight bytes, FLOPs per token and the intensity of a batch-1 token."""
        b = bytes_per_element(precision)
        w = self.total_parameters * b
        f = self.forward_flops_per_token(context)
        return LoweredWorkload(
            name=self.name, precision=precision, bytes_per_parameter=b, weight_bytes=Q_(w, "B"),
            flops_per_unit=Q_(f, "FLOP"), unit="token", arithmetic_intensity=Q_(f / w, ""),
        )


class CNNWorkload(Workload):
    """A fixed-shape network (CNN, MLP): parameters and forward FLOPs per sample."""

    kind: Literal["cnn"] = "cnn"
    parameters: float
    """Parameters."""
    flops_per_sample: Qty("operations")
    """Forward FLOPs per sample (1 multiply-add = 2 FLOP)."""
    activation_elements: float | None = None
    """Activation elements written per sample (memory traffic)."""
    input_shape: tuple[int, ...] | None = None
    """Input tensor shape, e.g. (3, 224, 224)."""
    layers: int | None = None
    """Layers (kernel launches)."""

    _p = field_validator("parameters", "activation_elements", mode="before")(classmethod(lambda cls, v: _count(v)))

    @model_validator(mode="after")
    def _check(self):
        if not (self.parameters > 0 and self.parameters < 1e16):
            raise ValueError(f"parameters must be a positive count below 1e16, got {self.parameters}")
        if self.activation_elements is not None and self.activation_elements < 0:
            raise ValueError("activation_elements must not be negative")
        return self

    @property
    def total_parameters(self) -> float:
        return self.parameters

    @property
    def active_parameter_count(self) -> float:
        return self.parameters

    def weight_bytes(self, precision: str = "fp16"):
        return Q_(self.parameters * bytes_per_element(precision), "B")

    def lower(self, precision: str = "fp16") -> LoweredWorkload:
        b = bytes_per_element(precision)
        f = float(self.flops_per_sample.to("FLOP").magnitude)
        w = self.parameters * b
        return LoweredWorkload(
            name=self.name, precision=precision, bytes_per_parameter=b, weight_bytes=Q_(w, "B"),
            flops_per_unit=Q_(f, "FLOP"), unit="sample", arithmetic_intensity=Q_(f / w, ""),
        )


class RecommendationWorkload(CNNWorkload):
    """A recommendation model: dense MLPs plus large embedding tables read by lookups."""

    kind: Literal["recsys"] = "recsys"
    embedding_parameters: float | None = None
    embedding_dim: int | None = None
    embedding_lookups_per_sample: float | None = None

    _e = field_validator("embedding_parameters", "embedding_lookups_per_sample", mode="before")(
        classmethod(lambda cls, v: _count(v))
    )
