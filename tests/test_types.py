import pytest

import mlsysim
from mlsysim import ComputeCore, ConfigError, HardwareNode, MemoryHierarchy, TransformerWorkload


def _hw(**kw):
    base = dict(name="Chip", compute=ComputeCore(bf16="100 TFLOP/s"), memory=MemoryHierarchy(capacity="16 GB", bandwidth="1 TB/s"), tdp="300 W")
    base.update(kw)
    return HardwareNode(**base)


def test_strings_and_quantities_accepted():
    h = _hw(compute={"bf16": mlsysim.Q_(100, "TFLOP/s")}, memory={"capacity": "16 GiB", "bandwidth": "1 TB/s"})
    assert h.memory.capacity.to("B").magnitude == 16 * 2**30
    assert h.compute.peak_flops.to("TFLOP/s").magnitude == 100


@pytest.mark.parametrize("kw,field", [
    (dict(memory={"capacity": "16 GB", "bandwidth": "16 GB"}), "memory.bandwidth"),
    (dict(memory={"capacity": "-16 GB", "bandwidth": "1 TB/s"}), "memory.capacity"),
    (dict(tdp="nan W"), "tdp"),
    (dict(tdp="0 W"), "tdp"),
    (dict(compute={"bf16": "100 TFLOPs"}), "compute.bf16"),
])
def test_bad_fields_named(kw, field):
    with pytest.raises(ConfigError) as e:
        _hw(**kw)
    msg = str(e.value)
    assert field in msg and "\n" not in msg


def test_unknown_key_suggests_closest():
    with pytest.raises(ConfigError, match=r"tdpp: unknown key; did you mean 'tdp'"):
        _hw(tdpp="300 W")


def test_frozen_and_copy():
    h = _hw()
    with pytest.raises(Exception):
        h.tdp = "1 W"
    h2 = h.copy(tdp="400 W")
    assert h.tdp.magnitude == 300 and h2.tdp.magnitude == 400


def test_transformer_validation():
    with pytest.raises(ConfigError, match="kv_heads"):
        TransformerWorkload(name="x", layers=2, hidden_dim=64, heads=8, kv_heads=3)
    with pytest.raises(ConfigError, match="layers"):
        TransformerWorkload(name="x", layers=0, hidden_dim=64, heads=8)
    with pytest.raises(ConfigError, match="experts_per_token"):
        TransformerWorkload(name="x", layers=2, hidden_dim=64, heads=8, num_experts=4, experts_per_token=8)


def test_derived_parameters_match_hand_count():
    # GPT-style: 12 L h^2 + V h (+ V h untied): Narayanan et al. 2021 eq. 2
    m = TransformerWorkload(name="gpt", layers=24, hidden_dim=2304, heads=24, vocab_size=51200, gated_mlp=False, tied_embeddings=True)
    assert m.total_parameters == 12 * 24 * 2304**2 + 51200 * 2304
    # GQA: KV projections use n_kv heads
    g = TransformerWorkload(name="g", layers=1, hidden_dim=4096, heads=32, kv_heads=8, ffn_dim=14336, vocab_size=10, tied_embeddings=True)
    assert g.attention_parameters_per_layer() == 2 * 4096 * 4096 + 2 * 4096 * 1024
    assert g.mlp_parameters_per_layer() == 3 * 4096 * 14336


def test_moe_active_vs_total():
    m = mlsysim.Models.Language.Mixtral_8x7B
    assert 45e9 < m.total_parameters < 48e9
    assert 12e9 < m.active_parameter_count < 14e9


def test_kv_cache_uses_kv_heads_and_mla_latent():
    m = mlsysim.Models.Language.Llama3_8B
    assert m.kv_cache_bytes_per_token("fp16").to("B").magnitude == 2 * 32 * 8 * 128 * 2
    d = mlsysim.Models.Language.DeepSeekV3
    assert d.kv_cache_elements_per_token() == 61 * (512 + 64)


def test_hf_config(tmp_path):
    import json

    cfg = {"num_hidden_layers": 32, "hidden_size": 4096, "num_attention_heads": 32, "num_key_value_heads": 8,
           "intermediate_size": 14336, "vocab_size": 128256, "max_position_embeddings": 8192,
           "tie_word_embeddings": False, "hidden_act": "silu", "_name_or_path": "my-llama"}
    p = tmp_path / "config.json"
    p.write_text(json.dumps(cfg))
    w = mlsysim.Models.from_hf_config(p)
    ref = mlsysim.Models.Language.Llama3_8B
    assert w.total_parameters == ref.total_parameters
    assert mlsysim.Models.get("my-llama") is w
