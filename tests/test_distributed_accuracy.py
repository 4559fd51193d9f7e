"""Accuracy against published measurements, with the model's DEFAULT efficiencies (no per-case knob).

Each case is a data file in ``mlsysim/data/validation/``: the measured value, the workload, the
system and the configuration as the source states them. Tolerance: 15%.

- Korthikanti et al. 2022, Table 5 iteration times (22B, 175B, 530B, 1T; selective recompute with
  sequence parallelism, and full recompute): Megatron-LM of 2022, fp16, unfused attention.
- Llama 3 405B on 8,192 H100 (Table 4 of the Llama 3 paper): 430 TFLOP/s per GPU.
- 8x H100 NVLink ring all-reduce bus bandwidth (~370 GB/s) and multi-node NCCL measurements.
"""

import tomllib
from pathlib import Path

import pytest

from mlsysim import CollectiveModel, DistributedModel, Fleet, Node, TransformerWorkload
from mlsysim.registry import DATA_DIR, Models

TOL = 0.15
VAL = DATA_DIR / "validation"

# Two entries written before the schedule keys existed; the facts below come from the same sources
# as the newer entries (Calculon's validation configs of the paper's runs, validation/22B_*.json:
# the 22B batch of 4 is one microbatch of 4; Megatron's 2022 kernels and fp16).
_FACTS = {
    "korthikanti22_22b_selective_step_time": {"attention": "unfused", "precision": "fp16", "tied_embeddings": True,
                                              "micro_batch": 4},
    "korthikanti22_175b_selective_step_time": {"attention": "unfused", "precision": "fp16", "virtual_stages": 3,
                                               "tied_embeddings": True},
}

KORTHIKANTI = [
    "korthikanti22_22b_selective_step_time", "korthikanti22_22b_full_recompute_step_time",
    "korthikanti22_175b_selective_step_time", "korthikanti22_175b_full_recompute_step_time",
    "korthikanti22_530b_selective_step_time", "korthikanti22_530b_full_recompute_step_time",
    "korthikanti22_1t_selective_step_time", "korthikanti22_1t_full_recompute_step_time",
]


def _case(family, name):
    return tomllib.loads((VAL / family / f"{name}.toml").read_text("utf-8"))


def _model(wl, extra):
    tied = extra.get("tied_embeddings", wl.get("tied_embeddings", False))
    if "model" in wl:
        m = Models.get(wl["model"])
        return m.copy(vocab_size=wl.get("vocab_size", m.vocab_size), tied_embeddings=tied)
    keys = ("layers", "hidden_dim", "heads", "kv_heads", "head_dim", "ffn_dim", "vocab_size", "seq_len", "gated_mlp")
    return TransformerWorkload(name=wl.get("name", "case"), tied_embeddings=tied, **{k: wl[k] for k in keys if k in wl})


def _a100_fleet(gpus):
    node = Node(name="DGX A100", accelerator="A100", accelerators_per_node=8, intra_node_bw="300 GB/s",
                nics_per_node=8, nic_bandwidth="200 Gbit/s")
    return Fleet(name=f"{gpus}x A100", node=node, count=gpus // 8, fabric="InfiniBand_HDR")


def korthikanti_prediction(name):
    d = _case("training", name)
    extra = _FACTS.get(name, {})
    cf = {**d["config"], **extra}
    model = _model(d["workload"], extra)
    v = cf.get("virtual_stages", 1)
    interleaved = cf.get("pipeline_schedule") == "interleaved" and v > 1
    r = DistributedModel().solve(
        model, _a100_fleet(d["system"]["gpus"]), cf["global_batch"], cf["tp"], cf["pp"],
        precision=cf["precision"], seq_len=cf["seq_len"], microbatch_size=cf["micro_batch"],
        activation_recomputation=cf["recompute"], sequence_parallel=cf["sequence_parallel"],
        attention=cf["attention"], pipeline_schedule="interleaved" if interleaved else "1f1b",
        virtual_stages=v if interleaved else None)
    return r.step_time.to("s").magnitude, float(d["measured"].split()[0]), r


@pytest.mark.parametrize("name", KORTHIKANTI)
def test_korthikanti_iteration_time(name):
    pred, meas, r = korthikanti_prediction(name)
    assert r.feasible, f"{name}: the paper ran it, so it must fit ({r.overflow})"
    assert pred == pytest.approx(meas, rel=TOL), f"{name}: predicted {pred:.2f} s, measured {meas:.2f} s"


def llama3_prediction():
    d = _case("training", "llama3_405b_pretrain_8k_gpus_dp64")
    cf, sy = d["config"], d["system"]
    node = Node(name="8x H100", accelerator=sy["hardware"], accelerators_per_node=sy["gpus_per_node"],
                intra_node_bw="450 GB/s", nics_per_node=8, nic_bandwidth="400 Gbit/s")
    fleet = Fleet(name="Llama 3 8K", node=node, count=sy["gpus"] // sy["gpus_per_node"], fabric=sy["fabric"])
    # Llama 3 §3.3.2: one layer fewer on the first and last stages (126 layers on 16 stages);
    # FSDP sharding optimizer states and gradients (ZeRO-2); micro batch of one 8K sequence
    r = DistributedModel().solve(
        "Llama3_405B", fleet, cf["dp"] * cf["batch_size_per_dp"], cf["tp"], cf["pp"], cp_size=cf["cp"],
        seq_len=cf["seq_len"], precision=cf["precision"], microbatch_size=1, pipeline_layout="balanced",
        zero_stage=2)
    return r, float(d["measured"].split()[0]), cf["reported_mfu"]


def test_llama3_405b_tflops_and_mfu():
    r, tflops, mfu = llama3_prediction()
    assert r.feasible
    assert r.tflops_per_gpu.to("TFLOP/s").magnitude == pytest.approx(tflops, rel=TOL)
    assert r.mfu == pytest.approx(mfu, rel=TOL)


def test_h100_nvlink_ring_allreduce_busbw():
    d = _case("collectives", "nccltests212_8xh100_ring_allreduce_busbw")
    r = CollectiveModel().solve("all_reduce", d["config"]["message_size"], "DGX_H100", ranks=8, algorithm="ring")
    assert r.busbw.to("GB/s").magnitude == pytest.approx(float(d["measured"].split()[0]), rel=TOL)


@pytest.mark.parametrize("name,nodes,hw,nics,nic,fabric", [
    ("nccl812_dgxa100_multinode_allreduce_busbw", 2, "A100", 8, "200 Gbit/s", "InfiniBand_HDR"),
    ("nccltests309_4node_32xh100_ndr400_allreduce", 4, "H100", 8, "400 Gbit/s", "InfiniBand_NDR"),
])
def test_multinode_allreduce_busbw(name, nodes, hw, nics, nic, fabric):
    d = _case("collectives", name)
    node = Node(name="n", accelerator=hw, accelerators_per_node=8, nics_per_node=nics, nic_bandwidth=nic)
    fl = Fleet(name="f", node=node, count=nodes, fabric=fabric)
    r = CollectiveModel().solve("all_reduce", "8 GiB", fl)
    assert r.busbw.to("GB/s").magnitude == pytest.approx(float(d["measured"].split()[0]), rel=TOL)


if __name__ == "__main__":  # the error table: python tests/test_distributed_accuracy.py
    for n in KORTHIKANTI:
        p, m, r = korthikanti_prediction(n)
        print(f"{n:48s} predicted {p:7.2f} s  measured {m:6.2f} s  error {100 * (p / m - 1):+6.1f}%  MFU {r.mfu:.3f}")
    r, t, mfu = llama3_prediction()
    print(f"{'llama3_405b_pretrain_8k_gpus_dp64':48s} predicted {r.tflops_per_gpu.to('TFLOP/s').magnitude:7.1f} TFLOP/s "
          f"measured {t:.0f}  error {100 * (r.tflops_per_gpu.to('TFLOP/s').magnitude / t - 1):+6.1f}%  MFU {r.mfu:.3f} ({mfu})")
