"""Read a transformer's shape from a Hugging Face ``config.json`` (local file or dict)."""

from __future__ import annotations

import json
from pathlib import Path

from ..core.errors import ConfigError
from .types import TransformerWorkload

# config.json key(s) -> our field, first present wins
_KEYS = {
    "layers": ("num_hidden_layers", "n_layer", "num_layers"),
    "hidden_dim": ("hidden_size", "n_embd", "d_model"),
    "heads": ("num_attention_heads", "n_head"),
    "kv_heads": ("num_key_value_heads", "multi_query_group_num"),
    "head_dim": ("head_dim",),
    "ffn_dim": ("intermediate_size", "n_inner", "ffn_dim", "d_ff"),
    "vocab_size": ("vocab_size", "padded_vocab_size"),
    "seq_len": ("max_position_embeddings", "n_positions", "seq_length"),
    "tied_embeddings": ("tie_word_embeddings",),
    "num_experts": ("num_local_experts", "n_routed_experts", "num_experts"),
    "experts_per_token": ("num_experts_per_tok", "moe_top_k"),
    "shared_experts": ("n_shared_experts",),
    "moe_ffn_dim": ("moe_intermediate_size",),
    "dense_layers": ("first_k_dense_replace",),
    "kv_latent_dim": ("kv_lora_rank",),
    "rope_dim": ("qk_rope_head_dim",),
    "q_latent_dim": ("q_lora_rank",),
    "v_head_dim": ("v_head_dim",),
    "qk_nope_head_dim": ("qk_nope_head_dim",),
}


def from_hf_config(path_or_dict, name: str | None = None) -> TransformerWorkload:
    if isinstance(path_or_dict, dict):
        cfg, where = path_or_dict, "config"
    else:
        p = Path(path_or_dict)
        if p.is_dir():
            p = p / "config.json"
        where = str(p)
        try:
            cfg = json.loads(p.read_text("utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{where}: file not found") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{where}: not a JSON config ({exc})") from None
    if not isinstance(cfg, dict):
        raise ConfigError(f"{where}: expected a JSON object")
    if "text_config" in cfg and "num_hidden_layers" not in cfg:
        cfg = cfg["text_config"]
    fields: dict = {}
    for field, keys in _KEYS.items():
        for k in keys:
            if cfg.get(k) is not None:
                fields[field] = cfg[k]
                break
    for req in ("layers", "hidden_dim", "heads"):
        if req not in fields:
            raise ConfigError(f"{where}: missing {_KEYS[req][0]!r}; is this a transformer config.json?")
    act = str(cfg.get("hidden_act", cfg.get("activation_function", "silu"))).lower()
    fields["gated_mlp"] = bool(cfg.get("model_type") not in ("gpt2", "bert", "gpt_neox", "opt")) and "gelu_new" not in act
    if cfg.get("model_type") == "bert" or cfg.get("is_decoder") is False and cfg.get("model_type") in ("bert", "roberta"):
        fields["architecture"] = "encoder"
    if fields.get("shared_experts") is None:
        fields.pop("shared_experts", None)
    if fields.get("dense_layers") is None:
        fields.pop("dense_layers", None)
    nm = name or cfg.get("_name_or_path") or (cfg.get("architectures") or ["model"])[0]
    fields["name"] = str(nm)
    fields["id"] = "".join(ch if ch.isalnum() else "_" for ch in str(nm))
    return TransformerWorkload(**fields)
