"""Physical invariants as property-based tests: for random valid inputs drawn from the registries,
each test checks a law the model must obey. The docstring of every test names the physics it
protects. Settings keep the whole file well under a minute (derandomized: the same examples every run).
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import mlsysim
from mlsysim import Hardware, Models, Q_, Systems
from mlsysim.core.errors import MlsysimError

FAST = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
SLOW = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
REL = 1e-9

MODELS = Models.ids()
TRANSFORMERS = [m.id for m in Models.all() if m.kind == "transformer"]
DENSE_DECODERS = [m.id for m in Models.all() if m.kind == "transformer" and not m.is_moe and not m.is_mla]
HARDWARE = Hardware.ids()
CLOUD = Hardware.Cloud.ids()
PRECISIONS = ["fp32", "bf16", "fp16", "fp8", "int8"]

models = st.sampled_from(MODELS)
transformers = st.sampled_from(TRANSFORMERS)
hardware = st.sampled_from(HARDWARE)
cloud = st.sampled_from(CLOUD)
batches = st.integers(1, 4096)
seq_lens = st.integers(16, 32768)


def solve_or_reject(fn, *args, **kwargs):
    """Run a solver; an input the solver refuses (a precision the device lacks, TP not dividing
    heads...) is not a valid example."""
    try:
        return fn(*args, **kwargs)
    except MlsysimError:
        assume(False)


def roofline(m, h, **kw):
    return solve_or_reject(mlsysim.Engine.solve, m, h, **kw)


def serving(m, h, **kw):
    return solve_or_reject(mlsysim.ServingModel().solve, m, h, **kw)


def le(a, b, rel=REL):
    """a <= b up to floating-point rounding."""
    return a <= b + rel * abs(b) + 1e-300


def si(q) -> float:
    return float(q.to_base_units().magnitude)


#: efficiencies and overhead fixed, so that a modified device is compared on its physics alone
#: (the measured defaults are looked up by device id, which a modified copy does not carry)
PINNED = {"efficiency": 0.7, "memory_efficiency": 0.85, "overhead": "20 us"}


def scaled_hardware(h, *, bandwidth=1.0, flops=1.0):
    """A copy of a device with memory bandwidth and every dense peak scaled."""
    from mlsysim.hardware.types import ComputeCore

    hw = Hardware.get(h)
    peaks = {p: q * flops for p, q in hw.compute.peaks.items()}
    peaks["peak_flops"] = hw.compute.peak_flops * flops
    return hw.copy(name=f"{hw.name} x{bandwidth:g}/x{flops:g}", id=None, aliases=(),
                   memory=hw.memory.copy(bandwidth=hw.memory.bandwidth * bandwidth), compute=ComputeCore(**peaks))


# ---- roofline ---------------------------------------------------------------------------------
@FAST
@given(models, hardware, batches, st.floats(1.01, 100))
def test_more_bandwidth_never_slows_a_step(m, h, b, k):
    """Roofline (Williams et al. 2009): the memory time is bytes / bandwidth, so more bandwidth never
    makes a step slower, memory-bound or not."""
    a = roofline(m, h, batch_size=b, **PINNED)
    fast = roofline(m, scaled_hardware(h, bandwidth=k), batch_size=b, **PINNED)
    assert le(fast.latency.to("s").magnitude, a.latency.to("s").magnitude)
    assert le(fast.memory_time.to("s").magnitude, a.memory_time.to("s").magnitude / k * (1 + 1e-9))


@FAST
@given(models, hardware, batches, st.floats(1.01, 100))
def test_more_peak_flops_never_slows_a_step(m, h, b, k):
    """Roofline: the compute time is FLOPs / peak, so a faster compute roof never slows a step."""
    a = roofline(m, h, batch_size=b, **PINNED)
    fast = roofline(m, scaled_hardware(h, flops=k), batch_size=b, **PINNED)
    assert le(fast.latency.to("s").magnitude, a.latency.to("s").magnitude)


@FAST
@given(models, hardware, batches, st.integers(2, 64), st.sampled_from(["inference", "training"]))
def test_larger_batch_never_lowers_throughput(m, h, b, k, mode):
    """Roofline with a fixed per-step overhead: time = max(a·b, W + c·b) + overhead with W, overhead
    >= 0, so throughput b / time never falls as the batch grows; it saturates at the compute bound."""
    small = roofline(m, h, batch_size=b, mode=mode, seq_len=512 if m in TRANSFORMERS else None)
    big = roofline(m, h, batch_size=b * k, mode=mode, seq_len=512 if m in TRANSFORMERS else None)
    assert le(small.throughput.magnitude, big.throughput.magnitude)


@FAST
@given(models, hardware, batches, st.sampled_from(["roofline", "no_overlap"]))
def test_roofline_latency_between_its_bounds(m, h, b, overlap):
    """Overlap bounds: max(T_compute, T_memory) + overhead <= latency <= T_compute + T_memory + overhead
    (perfect overlap is the lower bound, none the upper)."""
    r = roofline(m, h, batch_size=b, overlap=overlap)
    tc, tm, ov, lat = (r.compute_time.to("s").magnitude, r.memory_time.to("s").magnitude,
                       r.overhead_time.to("s").magnitude, r.latency.to("s").magnitude)
    assert le(max(tc, tm) + ov, lat) and le(lat, tc + tm + ov)
    assert le(r.latency_lower_bound.magnitude, r.latency_upper_bound.magnitude)


@FAST
@given(models, hardware, batches, st.sampled_from(["inference", "training"]), st.sampled_from(["none", "selective", "full"]))
def test_mfu_at_most_one_and_hfu_at_least_mfu(m, h, b, mode, recompute):
    """Utilisation: achieved FLOP/s cannot exceed the dense peak (MFU <= 1), and hardware FLOPs count
    recomputation on top of model FLOPs (HFU >= MFU; Korthikanti et al. 2022)."""
    r = roofline(m, h, batch_size=b, mode=mode, recompute=recompute)
    assert 0 < r.mfu <= 1 + REL
    assert le(r.mfu, r.hfu) and r.hfu <= 1 + REL


@FAST
@given(models, hardware, batches)
def test_feasible_means_the_footprint_fits(m, h, b):
    """Memory capacity: a result is feasible exactly when the resident bytes fit in device memory."""
    r = roofline(m, h, batch_size=b)
    assert r.feasible == (r.memory_footprint.to("B").magnitude <= r.memory_capacity.to("B").magnitude)


@FAST
@given(models, st.sampled_from(["fp32", "fp16", "fp8", "int4"]), st.sampled_from(["bf16", "fp8", "int8", "fp4"]))
def test_fewer_bytes_per_weight_never_more_weight_bytes(m, p1, p2):
    """Storage: weight bytes = parameters x bytes per element, so a narrower format never needs more."""
    from mlsysim.core.precision import bytes_per_element

    w = Models.get(m)
    lo, hi = sorted((p1, p2), key=bytes_per_element)
    assert le(w.weight_bytes(lo).to("B").magnitude, w.weight_bytes(hi).to("B").magnitude)


# ---- units --------------------------------------------------------------------------------------
@FAST
@given(models, hardware, batches)
def test_units_do_not_change_results(m, h, b):
    """Dimensional analysis: a device written in other units (GiB vs GB, GB/s vs TB/s, PFLOP/s vs
    TFLOP/s, kW vs W) is the same device, and gives the same result."""
    from mlsysim.hardware.types import ComputeCore, MemoryHierarchy

    hw = Hardware.get(h)
    peaks = {p: f"{q.to('PFLOP/s').magnitude!r} PFLOP/s" for p, q in hw.compute.peaks.items()}
    peaks["peak_flops"] = f"{hw.compute.peak_flops.to('PFLOP/s').magnitude!r} PFLOP/s"
    other = hw.copy(
        name=hw.name + " (other units)", compute=ComputeCore(**peaks),
        memory=MemoryHierarchy(capacity=f"{hw.memory.capacity.to('GiB').magnitude!r} GiB",
                               bandwidth=f"{hw.memory.bandwidth.to('GB/s').magnitude!r} GB/s"),
        tdp=f"{hw.tdp.to('kW').magnitude!r} kW" if hw.tdp is not None else None)
    a = roofline(m, hw, batch_size=b)
    c = roofline(m, other, batch_size=b)
    for f in ("latency", "memory_footprint", "compute_time", "memory_time", "throughput"):
        assert getattr(c, f).to_base_units().magnitude == pytest.approx(getattr(a, f).to_base_units().magnitude, rel=1e-9)
    assert c.feasible == a.feasible


@FAST
@given(st.floats(1e-3, 1e4), st.sampled_from([("ms", "s"), ("us", "ms"), ("h", "day"), ("min", "s")]))
def test_time_inputs_in_any_unit(v, units):
    """Units: a solver's time input in ms or s (or hours or days) is the same duration."""
    u1, u2 = units
    q2 = Q_(v, u1).to(u2).magnitude
    a = solve_or_reject(mlsysim.ServingModel().solve, "Llama3_8B", "H100", seq_len=512, overhead=f"{v!r} {u1}")
    b = solve_or_reject(mlsysim.ServingModel().solve, "Llama3_8B", "H100", seq_len=512, overhead=f"{q2!r} {u2}")
    assert b.itl.to("s").magnitude == pytest.approx(a.itl.to("s").magnitude, rel=1e-9)


@FAST
@given(st.integers(0, 10**6), st.sampled_from([("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10), ("GB", 10**9),
                                               ("TB", 10**12), ("kB", 10**3)]))
def test_byte_units_are_exact(n, unit):
    """Byte units are definitions, not approximations: GiB = 2^30 B and GB = 10^9 B exactly."""
    unit_name, factor = unit
    assert Q_(n, unit_name).to("B").magnitude == n * factor
    if unit_name == "GiB":
        assert Q_(n * 2**30, "B").to("GiB").magnitude == n


@FAST
@given(st.floats(1e-3, 1e3), st.sampled_from([("TB/s", "GB/s", 1e3), ("kW", "W", 1e3), ("GiB", "MiB", 1024.0),
                                               ("TFLOP/s", "GFLOP/s", 1e3)]))
def test_quantity_strings_in_any_unit(v, units):
    """Unit parsing: '3.35 TB/s' and '3350 GB/s' parse to the same quantity (likewise W/kW, GiB/MiB)."""
    from mlsysim.core.units import parse_quantity

    big, small, f = units
    dim = {"TB/s": "bandwidth", "kW": "power", "GiB": "information", "TFLOP/s": "compute_rate"}[big]
    assert si(parse_quantity(f"{v!r} {big}", dim)) == pytest.approx(si(parse_quantity(f"{v * f!r} {small}", dim)), rel=1e-12)


@FAST
@given(st.floats(1, 3000), st.floats(1.01, 5))
def test_economics_duration_in_any_unit(days, k):
    """Units: a TCO period given as days (a number) or as hours (a quantity) is the same period."""
    econ = mlsysim.EconomicsModel()
    a = solve_or_reject(econ.solve, "Production_1K", days)
    b = solve_or_reject(econ.solve, "Production_1K", f"{days * 24!r} h")
    assert b.tco.to("USD").magnitude == pytest.approx(a.tco.to("USD").magnitude, rel=1e-9)


# ---- transformer memory and serving --------------------------------------------------------------
@FAST
@given(st.integers(1, 80), st.sampled_from([1, 2, 4, 8]), st.sampled_from([1, 2, 4]), st.sampled_from([64, 128]))
def test_kv_cache_scales_with_kv_heads_not_heads(layers, kv, group, d):
    """KV cache per token = 2·L·n_kv·d·bytes (GQA/MQA): it follows the KV heads, not the query heads
    (the trap of using a instead of n_kv)."""
    from mlsysim.models.types import TransformerWorkload

    def model(heads, kv_heads):
        return TransformerWorkload(name="kv", layers=layers, hidden_dim=heads * d, heads=heads, kv_heads=kv_heads, head_dim=d)

    base = model(kv * group, kv)
    more_heads = model(kv * group * 2, kv)
    more_kv = model(kv * group * 2, kv * 2)
    b0, b1, b2 = (w.kv_cache_bytes_per_token("fp16").to("B").magnitude for w in (base, more_heads, more_kv))
    assert b0 == 2 * layers * kv * d * 2
    assert b1 == b0 and b2 == 2 * b0


@FAST
@given(transformers, cloud, st.integers(16, 4096), st.integers(2, 8), st.integers(1, 64))
def test_ttft_grows_with_prompt_length(m, h, s, k, b):
    """Prefill: FLOPs 2·P·s + attention ~s², KV writes ~s: a longer prompt never has a shorter TTFT."""
    a = serving(m, h, seq_len=s, batch_size=b)
    longer = serving(m, h, seq_len=s * k, batch_size=b)
    assert le(a.ttft.to("s").magnitude, longer.ttft.to("s").magnitude)


@FAST
@given(transformers, cloud, st.integers(16, 4096), st.integers(2, 8), st.integers(1, 64), st.integers(1, 512))
def test_itl_grows_with_context(m, h, s, k, b, out):
    """Decode: every step reads the KV cache of its context (b·c·KV bytes) and attends over it, so
    the inter-token latency never falls as the context grows."""
    a = serving(m, h, seq_len=s, batch_size=b, output_len=out)
    longer = serving(m, h, seq_len=s * k, batch_size=b, output_len=out)
    assert le(a.itl.to("s").magnitude, longer.itl.to("s").magnitude)


@FAST
@given(transformers, cloud, st.integers(16, 4096), st.integers(1, 256), st.integers(2, 64))
def test_serving_throughput_never_falls_with_batch(m, h, s, b, k):
    """Decode roofline: ITL(b) = Σ max(a_i·b, W_i + c_i·b) + comm + overhead with W_i >= 0, so tokens
    per second b / ITL never fall as the batch grows (continuous batching's reason to exist)."""
    a = serving(m, h, seq_len=s, batch_size=b)
    big = serving(m, h, seq_len=s, batch_size=b * k)
    assert le(a.throughput.magnitude, big.throughput.magnitude)


@FAST
@given(transformers, cloud, st.sampled_from([1, 2, 4]), st.sampled_from([2, 4, 8]))
def test_tensor_parallelism_never_increases_weights_per_device(m, h, t1, f):
    """Megatron TP shards every weight matrix over t devices: weights per device P·bytes/t never grow
    with t (and the KV cache per device never grows either)."""
    a = serving(m, h, seq_len=1024, tp_size=t1)
    b = serving(m, h, seq_len=1024, tp_size=t1 * f)
    assert le(b.weights_per_device.to("B").magnitude, a.weights_per_device.to("B").magnitude)
    assert le(b.kv_cache_per_device.to("B").magnitude, a.kv_cache_per_device.to("B").magnitude)


@FAST
@given(transformers, cloud, st.integers(128, 8192))
def test_max_batch_fits_and_one_more_does_not(m, h, s):
    """Memory: max_batch_size is the largest batch whose KV cache and activations fit beside the weights."""
    r = serving(m, h, seq_len=s)
    mb = r.max_batch_size
    assume(0 < mb < 10**6)
    assert serving(m, h, seq_len=s, batch_size=mb).feasible
    assert not serving(m, h, seq_len=s, batch_size=mb + 1).feasible


@FAST
@given(transformers, cloud, st.integers(16, 8192), st.integers(1, 64))
def test_serving_memory_is_the_sum_of_its_parts(m, h, s, b):
    """Memory per device = weights + KV cache + activations, and it is feasible exactly when it fits."""
    r = serving(m, h, seq_len=s, batch_size=b)
    parts = sum(getattr(r, f).to("B").magnitude for f in ("weights_per_device", "kv_cache_per_device", "activation_per_device"))
    assert r.memory_per_device.to("B").magnitude == pytest.approx(parts, rel=1e-12)
    assert r.feasible == (r.memory_per_device.to("B").magnitude <= r.memory_capacity.to("B").magnitude)


# ---- training memory and distributed ------------------------------------------------------------
dense = st.sampled_from([m for m in DENSE_DECODERS if Models.get(m).layers % 4 == 0])


@FAST
@given(dense, st.sampled_from([1, 2, 4, 8]), st.integers(2, 8), st.sampled_from([0, 1, 2, 3]), st.sampled_from(["none", "selective", "full"]))
def test_more_data_parallel_gpus_never_raise_memory_per_gpu(m, d1, k, zero, recompute):
    """Data parallelism at fixed per-GPU work (same microbatch, same TP/PP): replicas hold the same
    state, and ZeRO shards it over more of them (Rajbhandari et al. 2020), so adding GPUs never
    raises the memory of one GPU."""
    tm = mlsysim.TrainingMemoryModel()
    a = solve_or_reject(tm.solve, m, "H100", 1, dp_size=d1, zero_stage=zero, activation_recomputation=recompute, seq_len=2048)
    b = solve_or_reject(tm.solve, m, "H100", 1, dp_size=d1 * k, zero_stage=zero, activation_recomputation=recompute, seq_len=2048)
    assert le(b.total.to("B").magnitude, a.total.to("B").magnitude)


@SLOW
@given(dense, st.sampled_from([1, 2, 4]), st.sampled_from([2, 4]))
def test_more_nodes_never_raise_memory_per_gpu_in_the_distributed_solver(m, per_replica, k):
    """The same law through DistributedModel: a fleet k times larger, at the same sequences per
    replica (global batch scaled with DP), never needs more memory per GPU."""
    fleet = Systems.Clusters.Production_1K
    small, big = fleet.copy(count=4), fleet.copy(count=4 * k)
    dm = mlsysim.DistributedModel()
    a = solve_or_reject(dm.solve, m, small, per_replica * 8, tp_size=4, pp_size=1, zero_stage=1, seq_len=2048)
    b = solve_or_reject(dm.solve, m, big, per_replica * 8 * k, tp_size=4, pp_size=1, zero_stage=1, seq_len=2048)
    assert le(b.memory_total.to("B").magnitude, a.memory_total.to("B").magnitude)


@FAST
@given(dense, st.sampled_from([1, 2, 4, 8]), st.sampled_from([2, 4, 8]))
def test_zero_stages_and_tensor_parallelism_never_add_memory(m, d, t):
    """ZeRO stage s+1 shards one more kind of state (optimizer, then gradients, then weights) and TP
    splits every layer's weights: neither ever adds memory per GPU."""
    tm = mlsysim.TrainingMemoryModel()
    totals = [solve_or_reject(tm.solve, m, "H100", 1, dp_size=max(d, 2), zero_stage=z, seq_len=2048).total.to("B").magnitude
              for z in (0, 1, 2, 3)]
    assert all(le(b, a) for a, b in zip(totals, totals[1:]))
    w1 = solve_or_reject(tm.solve, m, "H100", 1, tp_size=1, seq_len=2048).weights.to("B").magnitude
    wt = solve_or_reject(tm.solve, m, "H100", 1, tp_size=t, seq_len=2048).weights.to("B").magnitude
    assert le(wt, w1)


@FAST
@given(dense, st.integers(1, 8), st.sampled_from([1, 2, 4]))
def test_recomputation_never_stores_more_activations(m, b, t):
    """Activation recomputation (Korthikanti et al. 2022): selective drops the attention scores, full
    keeps only layer inputs, so stored activations go none >= selective >= full."""
    tm = mlsysim.TrainingMemoryModel()
    acts = [solve_or_reject(tm.solve, m, "H100", b, tp_size=t, seq_len=2048, activation_recomputation=r).activations.to("B").magnitude
            for r in ("none", "selective", "full")]
    assert le(acts[1], acts[0]) and le(acts[2], acts[1])


@SLOW
@given(dense, st.sampled_from([2, 4]), st.sampled_from([1, 2, 4]), st.integers(2, 4))
def test_pipeline_bubble_shrinks_as_microbatches_grow(m, p, m1, k):
    """1F1B pipeline bubble (p−1)/m of the ideal step (Narayanan et al. 2021): more microbatches per
    step never make the bubble fraction larger."""
    fleet = Systems.Clusters.Research_256
    dm = mlsysim.DistributedModel()
    tp = 8 // p if 8 % p == 0 else 1
    d = fleet.total_accelerators // (tp * p)
    a = solve_or_reject(dm.solve, m, fleet, d * m1, tp_size=tp, pp_size=p, microbatch_count=m1, seq_len=2048)
    b = solve_or_reject(dm.solve, m, fleet, d * m1 * k, tp_size=tp, pp_size=p, microbatch_count=m1 * k, seq_len=2048)
    assert b.bubble_fraction < a.bubble_fraction
    assert a.bubble_fraction == pytest.approx((p - 1) / m1)
    assert 0 < a.mfu <= 1 and le(a.mfu, a.hfu)


@SLOW
@given(st.sampled_from([1, 2, 4, 8]), st.sampled_from([1, 2, 4]), st.sampled_from([1, 2]),
       st.sampled_from(["none", "selective", "full"]), st.sampled_from([0, 1, 2, 3]))
def test_parallelism_optimizer_best_is_never_slower_than_a_candidate(t, p, mbs, recompute, zero):
    """Search: the optimizer's best plan is at least as fast as every plan it ranks and as any valid
    plan that fits (priced by the same step-time model)."""
    r = _optimized()
    best = r.best.step_time.to("s").magnitude
    steps = [row["step_time_s"] for row in r.ranked]
    assert steps == sorted(steps) and best == pytest.approx(steps[0], rel=1e-9)
    cand = solve_or_reject(mlsysim.DistributedModel().solve, "Llama3_8B", "Research_256", 256, tp_size=t, pp_size=p,
                           microbatch_size=mbs, activation_recomputation=recompute, zero_stage=zero)
    assume(cand.feasible)
    assert le(best, cand.step_time.to("s").magnitude, 1e-9)


_OPT: dict = {}


def _optimized():
    if "r" not in _OPT:
        _OPT["r"] = mlsysim.ParallelismOptimizer().solve("Llama3_8B", "Research_256", 256)
    return _OPT["r"]


# ---- macro: energy, carbon, cost, reliability, queueing --------------------------------------------
fleets = st.sampled_from(["Research_256", "Production_1K", "Frontier_8K"])


@FAST
@given(fleets, st.floats(1, 1000), st.floats(1, 900), st.floats(1.1, 10))
def test_carbon_is_proportional_to_grid_intensity(f, days, ci, k):
    """Location-based carbon = energy x grid intensity: doubling the intensity doubles operational carbon."""
    sm = mlsysim.SustainabilityModel()
    a = solve_or_reject(sm.solve, f, days, carbon_intensity=f"{ci!r} gCO2e/kWh", include_embodied=False)
    b = solve_or_reject(sm.solve, f, days, carbon_intensity=f"{ci * k!r} gCO2e/kWh", include_embodied=False)
    assert b.operational_carbon.to("gCO2e").magnitude == pytest.approx(k * a.operational_carbon.to("gCO2e").magnitude, rel=1e-9)
    assert a.operational_carbon.to("gCO2e").magnitude == pytest.approx(
        a.energy.to("kWh").magnitude * ci, rel=1e-9)


@FAST
@given(fleets, st.floats(0.1, 1000), st.floats(1.0, 3.0), st.floats(0, 1))
def test_facility_energy_through_pue_at_least_it_energy(f, days, pue, u):
    """PUE >= 1: facility energy = PUE x IT energy is never less than the IT energy."""
    r = solve_or_reject(mlsysim.SustainabilityModel().solve, f, days, pue=pue, utilisation=u)
    it, fac = r.it_energy.to("J").magnitude, r.energy.to("J").magnitude
    assert le(it, fac) and fac == pytest.approx(pue * it, rel=1e-9)
    assert r.overhead_energy.to("J").magnitude >= -1e-9 * fac


@FAST
@given(st.sampled_from(["Production_1K", "Frontier_8K"]), st.floats(1, 3000), st.floats(1.01, 10))
def test_tco_grows_with_duration(f, days, k):
    """TCO = amortised CapEx x T/L + OpEx(T): both terms grow with the period T."""
    econ = mlsysim.EconomicsModel()
    a = solve_or_reject(econ.solve, f, days)
    b = solve_or_reject(econ.solve, f, days * k)
    assert a.tco.to("USD").magnitude < b.tco.to("USD").magnitude


@FAST
@given(st.floats(1.0, 1e4), st.floats(1.0, 1e7), st.floats(1.01, 100))
def test_young_interval_scales_with_sqrt_mtbf(delta, mtbf, k):
    """Young 1974: the optimal checkpoint interval τ = √(2δM) grows as the square root of the MTBF."""
    from mlsysim.solvers.reliability import young_interval

    assert young_interval(delta, mtbf * k) == pytest.approx(math.sqrt(k) * young_interval(delta, mtbf), rel=1e-12)


@SLOW
@given(st.floats(1e3, 1e6), st.floats(1.5, 16), st.floats(10, 600))
def test_young_interval_in_the_reliability_solver(mtbf_h, k, delta):
    """Young's τ through ReliabilityModel: with one component class whose MTBF is scaled by k, the
    fleet MTBF scales by k and τ by √k; P(failure) stays a probability and falls."""
    rm = mlsysim.ReliabilityModel()
    a = solve_or_reject(rm.solve, "Research_256", 100, delta, components={"gpu": (f"{mtbf_h!r} h", "gpu")})
    b = solve_or_reject(rm.solve, "Research_256", 100, delta, components={"gpu": (f"{mtbf_h * k!r} h", "gpu")})
    assert b.fleet_mtbf.to("h").magnitude == pytest.approx(k * a.fleet_mtbf.to("h").magnitude, rel=1e-9)
    assert b.young_interval.to("s").magnitude == pytest.approx(math.sqrt(k) * a.young_interval.to("s").magnitude, rel=1e-9)
    assert 0 <= b.failure_probability <= a.failure_probability <= 1


@FAST
@given(st.integers(1, 256), st.floats(0, 1))
def test_erlang_c_is_a_probability_and_grows_with_load(c, rho):
    """Erlang C: the probability an arrival waits in M/M/c lies in [0, 1] and never falls as the
    offered load a = λ/μ grows toward c."""
    from mlsysim.solvers.queueing import erlang_c

    a = rho * c
    p = erlang_c(c, a)
    assert 0.0 <= p <= 1.0
    assert le(p, erlang_c(c, min(c, a * 1.05 + 1e-9)))


@FAST
@given(st.integers(1, 64), st.floats(0.01, 0.95), st.floats(1e-3, 10), st.floats(0, 2),
       st.one_of(st.just(0.0), st.floats(1e-3, 2)))
def test_p99_at_least_p50(c, rho, s, ca2, cs2):
    """Percentiles are ordered (P99 >= P50), and mean latency = mean wait + mean service (G/G/c)."""
    lam = rho * c / s
    r = solve_or_reject(mlsysim.TailLatencyModel().solve, lam, s, c, arrival_cv2=ca2, service_cv2=cs2)
    p50, p99 = r.p50_latency.to("s").magnitude, r.p99_latency.to("s").magnitude
    assert le(p50, p99)
    assert r.mean_latency.to("s").magnitude == pytest.approx(r.mean_wait.to("s").magnitude + s, rel=1e-9)
    assert 0 <= r.p_wait <= 1 and r.utilisation == pytest.approx(rho, rel=1e-9)


@FAST
@given(st.floats(1, 1e10), st.integers(2, 1024), st.floats(1e9, 1e12), st.floats(0, 1e-4), st.floats(1.01, 10))
def test_ring_allreduce_obeys_the_bandwidth_bound(m, n, beta, alpha, k):
    """Ring all-reduce (Patarasuk and Yuan 2009): at least 2(n−1)/n·M/β, and never faster for a larger message."""
    from mlsysim.solvers.collectives import ring_allreduce

    t = ring_allreduce(m, n, beta, alpha)
    assert le(2 * (n - 1) / n * m / beta, t)
    assert le(t, ring_allreduce(m * k, n, beta, alpha))


# ---- determinism and finiteness ------------------------------------------------------------------
@FAST
@given(models, hardware, batches, st.sampled_from(PRECISIONS))
def test_results_are_deterministic(m, h, b, p):
    """A solver is a pure function of its inputs: the same inputs twice give equal results."""
    a = roofline(m, h, batch_size=b, precision=p)
    assert roofline(m, h, batch_size=b, precision=p) == a
    if m in TRANSFORMERS:
        s1 = serving(m, h, seq_len=512, batch_size=min(b, 64), precision=p)
        assert serving(m, h, seq_len=512, batch_size=min(b, 64), precision=p) == s1


def _finite(value, where="") -> None:
    if isinstance(value, float):
        assert math.isfinite(value), f"{where} is {value}"
    elif isinstance(value, dict):
        for k, v in value.items():
            _finite(v, f"{where}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _finite(v, f"{where}[{i}]")


def test_no_nan_or_inf_for_any_registry_pair():
    """Numerical safety: for every registry model on every registry device (roofline, and serving for
    transformers), every number in the result is finite and the JSON has no NaN/Infinity."""
    checked = 0
    for m in Models.all():
        for h in Hardware.all():
            results = []
            for kw in ({}, {"mode": "training", "batch_size": 8}):
                try:
                    results.append(mlsysim.Engine.solve(m, h, **kw))
                except MlsysimError:
                    pass
            if m.kind == "transformer":
                try:
                    results.append(mlsysim.ServingModel().solve(m, h, seq_len=1024, output_len=128))
                except MlsysimError:
                    pass
            for r in results:
                d = r.to_dict()
                for k, v in d.items():
                    assert v is not None or k in ("seq_len", "token_throughput", "output_len"), f"{m.id} on {h.id}: {k} is None"
                _finite(d, f"{m.id} on {h.id}")
                json.dumps(d, allow_nan=False)
                checked += 1
    assert checked > 1000
