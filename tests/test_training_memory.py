"""Training memory: Korthikanti's activation equations, mixed-precision Adam, ZeRO, EP/CP/PP sharding."""

import pytest

import mlsysim
from mlsysim import ConfigError, TrainingMemoryModel, TransformerWorkload
from mlsysim.solvers.training_memory import in_flight_microbatches, zero_divisors

M = TrainingMemoryModel()
# Korthikanti et al. 2022, Table 3: the 22B model (h 6144, 64 heads, 48 layers, s 2048)
GPT22B = TransformerWorkload(name="22B", layers=48, hidden_dim=6144, heads=64, ffn_dim=4 * 6144, vocab_size=51200,
                             seq_len=2048, gated_mlp=False, tied_embeddings=True)
S, B, H, A, T = 2048, 1, 6144, 64, 8


def per_layer(**kw):
    kw.setdefault("attention", "unfused")
    kw.setdefault("dropout", True)
    return M.solve(GPT22B, "A100", B, tp_size=T, **kw).activations_per_layer.to("B").magnitude


def test_activation_equations_korthikanti():
    sbh = S * B * H
    # eq. 2: tensor parallelism only: sbh(10 + 24/t + 5as/(ht))
    assert per_layer(sequence_parallel=False) == pytest.approx(sbh * (10 + 24 / T + 5 * A * S / (H * T)))
    # eq. 4: with sequence parallelism: sbh/t (34 + 5as/h)
    assert per_layer(sequence_parallel=True) == pytest.approx(sbh / T * (34 + 5 * A * S / H))
    # eq. 5: selective recomputation drops the 5as/h term
    assert per_layer(sequence_parallel=True, activation_recomputation="selective") == pytest.approx(34 * sbh / T)
    # full recomputation keeps the layer input only
    assert per_layer(sequence_parallel=False, activation_recomputation="full") == pytest.approx(2 * sbh)
    assert per_layer(sequence_parallel=True, activation_recomputation="full") == pytest.approx(2 * sbh / T)
    # a fused attention kernel never stores the s² scores
    assert per_layer(sequence_parallel=True, attention="flash") == pytest.approx(34 * sbh / T)


def test_mixed_precision_adam_is_16_bytes_per_parameter_and_zero_shards():
    r = M.solve(GPT22B, "A100", 1, tp_size=8)
    p = r.parameters_per_gpu
    assert r.weights.to("B").magnitude == pytest.approx(2 * p)
    assert r.gradients.to("B").magnitude == pytest.approx(2 * p)
    assert r.optimizer_states.to("B").magnitude == pytest.approx(12 * p)
    z1 = M.solve(GPT22B, "A100", 1, tp_size=8, dp_size=4, zero_stage=1)
    z2 = M.solve(GPT22B, "A100", 1, tp_size=8, dp_size=4, zero_stage=2)
    z3 = M.solve(GPT22B, "A100", 1, tp_size=8, dp_size=4, zero_stage=3)
    assert z1.optimizer_states.magnitude == pytest.approx(r.optimizer_states.magnitude / 4)
    assert z1.gradients == r.gradients and z2.gradients.magnitude == pytest.approx(r.gradients.magnitude / 4)
    assert z3.weights.magnitude == pytest.approx(r.weights.magnitude / 4)
    assert zero_divisors(0, 8) == (1, 1, 1) and zero_divisors(3, 8) == (8, 8, 8)


def test_parameters_split_by_tp_and_pp_and_experts_by_ep():
    one = M.solve(GPT22B, "A100", 1)
    tp_pp = M.solve(GPT22B, "A100", 1, tp_size=8, pp_size=4)
    layers = GPT22B.layers * (GPT22B.attention_parameters_per_layer() + GPT22B.mlp_parameters_per_layer())
    emb = GPT22B.vocab_size * GPT22B.hidden_dim
    assert one.parameters_per_gpu == pytest.approx(layers + emb)
    assert tp_pp.parameters_per_gpu == pytest.approx(layers / 32 + emb / 8)
    moe = mlsysim.Models.Language.Mixtral_8x7B
    e1 = M.solve(moe, "H100", 1, seq_len=4096, pp_size=4)
    e8 = M.solve(moe, "H100", 1, seq_len=4096, pp_size=4, ep_size=8, dp_size=8)
    expert = moe.mlp_parameters_per_layer(moe=True)
    assert e1.parameters_per_gpu - e8.parameters_per_gpu == pytest.approx(8 * expert * 7 / 8, rel=0.02)


def test_context_parallel_splits_activations_and_pipeline_holds_p_microbatches():
    a1 = M.solve("Llama3_8B", "H100", 1, seq_len=8192, tp_size=8)
    a4 = M.solve("Llama3_8B", "H100", 1, seq_len=8192, tp_size=8, cp_size=4)
    assert a4.activations_per_layer.magnitude == pytest.approx(a1.activations_per_layer.magnitude / 4)
    p4 = M.solve("Llama3_8B", "H100", 1, seq_len=8192, pp_size=4, microbatch_count=16)
    assert p4.in_flight_microbatches == 4
    assert in_flight_microbatches(4, 2, 1, "1f1b") == 2
    # interleaving stores (1 + (p-1)/(p·v)) more (Korthikanti §4.2.3)
    assert in_flight_microbatches(8, 64, 3, "interleaved") == pytest.approx(8 * (1 + 7 / 24))


def test_overflow_names_the_term():
    r = M.solve("Llama3_70B", "H100", 1)
    assert not r.feasible
    assert r.overflow.startswith("optimizer states") and "over the 80 GB capacity" in r.overflow
    big_batch = M.solve("Llama3_8B", "H100", 64, seq_len=8192, tp_size=8, dp_size=16, zero_stage=3)
    assert not big_batch.feasible and big_batch.overflow.startswith("activations")
    ok = M.solve("Llama3_70B", "H100", 1, tp_size=8, pp_size=4)
    assert ok.feasible and ok.overflow is None and ok.headroom.magnitude > 0


@pytest.mark.parametrize("kw,field", [
    ({"activation_recomputation": "some"}, "activation_recomputation"),
    ({"zero_stage": 4}, "zero_stage"),
    ({"tp_size": 0}, "tp_size"),
    ({"attention": "paged"}, "attention"),
])
def test_bad_input_names_the_field(kw, field):
    with pytest.raises(ConfigError) as e:
        M.solve("Llama3_8B", "H100", 1, **kw)
    assert str(e.value).startswith(field) and "\n" not in str(e.value)


def test_result_is_frozen_and_json_ready():
    import json

    r = M.solve("Llama3_8B", "H100", 1)
    with pytest.raises(AttributeError):
        r.total = 1
    json.dumps(r.to_dict())
