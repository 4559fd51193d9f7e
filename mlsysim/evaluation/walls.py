"""The 22 walls: the physical and economic limits an ML system runs into.

Twenty constraints plus two analysis tools. Each wall names what limits it, the solver that
evaluates it, its first-order equation and a citation. ``SystemEvaluation.walls`` reports,
for the walls an evaluation covers, the ratio demand/limit (≥ 1 binds) and the margin.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["Wall", "WALLS", "wall", "walls_by_domain"]


@dataclass(frozen=True)
class Wall:
    number: int
    id: str
    name: str
    domain: str  # node | data | serving | fleet | macro | analysis
    limit: str  # what limits it
    solver: str  # dotted path of the solver that evaluates it
    equation: str  # LaTeX
    citation: str
    question: str  # the question it answers
    kind: str = "constraint"  # constraint | analysis
    example: str = ""  # a short runnable example (``mlsysim`` imported): the walls page runs it live


WALLS: tuple[Wall, ...] = (
    Wall(1, "compute", "Compute wall", "node", "dense peak FLOP/s × achievable fraction",
         "mlsysim.solvers.roofline.SingleNodeModel", r"T_{\mathrm{comp}} = \frac{F}{P_{\mathrm{peak}}\,\eta}",
         "Williams, Waterman, Patterson 2009, Roofline, CACM 52(4)", "Is the step limited by arithmetic?"),
    Wall(2, "memory", "Memory wall", "node", "memory bandwidth and capacity",
         "mlsysim.solvers.roofline.SingleNodeModel", r"T_{\mathrm{mem}} = \frac{B}{\beta\,\eta_{\mathrm{mem}}},\; M_{\mathrm{used}} \le C",
         "Wulf and McKee 1995, Hitting the memory wall; Williams et al. 2009", "Is the step limited by moving bytes, or does it not fit?"),
    Wall(3, "software", "Software efficiency wall", "node", "achievable fraction of peak and fixed overheads (kernel launches)",
         "mlsysim.solvers.roofline.SingleNodeModel", r"\mathrm{MFU} = \frac{F_{\mathrm{model}}}{T\,P_{\mathrm{peak}}}",
         "Chowdhery et al. 2022 (PaLM), MFU definition", "How far below peak does the stack run?"),
    Wall(4, "serving", "Serving wall", "serving", "prefill compute and decode bandwidth",
         "mlsysim.solvers.serving.ServingModel", r"\mathrm{ITL} = \max\!\left(\frac{W + b\,c\,\kappa}{\beta\eta_m}, \frac{2P_a b}{P_{\mathrm{peak}}\eta}\right)",
         "Pope et al. 2022, Efficiently scaling transformer inference", "Can the model answer within its TTFT and ITL targets?"),
    Wall(5, "batching", "Batching wall", "serving", "KV-cache capacity bounds the batch",
         "mlsysim.solvers.serving.ServingModel", r"b_{\max} = \left\lfloor \frac{C - W}{c\,\kappa} \right\rfloor",
         "Kwon et al. 2023, vLLM / PagedAttention", "How many concurrent sequences fit?"),
    Wall(6, "streaming", "Streaming wall", "node", "host-to-device link when weights exceed device memory",
         "mlsysim.solvers.streaming.WeightStreamingModel", r"T = \max\!\left(\frac{W_{\mathrm{off}}}{\beta_{\mathrm{link}}}, T_{\mathrm{step}}\right)",
         "Sheng et al. 2023, FlexGen", "What does streaming weights from host or flash cost?"),
    Wall(7, "tail_latency", "Tail-latency wall", "serving", "queueing at high utilisation",
         "mlsysim.solvers.queueing.TailLatencyModel", r"W_q = \frac{P_{\mathrm{wait}}}{c\mu - \lambda},\; P(W>t) = P_{\mathrm{wait}} e^{-(c\mu-\lambda)t}",
         "Erlang 1917; Kingman 1961; Dean and Barroso 2013, The tail at scale", "What P99 latency at this load, and how many replicas?"),
    Wall(8, "ingestion", "Ingestion wall", "data", "storage and network read bandwidth",
         "mlsysim.solvers.data.DataPipelineModel", r"R_{\mathrm{read}} \ge \lambda_{\mathrm{samples}} \cdot s_{\mathrm{sample}}",
         "Mohan et al. 2021, Analyzing and mitigating data stalls in DNN training (VLDB)", "Can storage feed the accelerators?"),
    Wall(9, "transformation", "Transformation wall", "data", "CPU preprocessing throughput",
         "mlsysim.solvers.data.DataPipelineModel", r"\mathrm{stall} = 1 - \min\!\left(1, \frac{R_{\mathrm{cpu}}}{R_{\mathrm{acc}}}\right)",
         "Mohan et al. 2021 (VLDB)", "Can preprocessing keep up?"),
    Wall(10, "locality", "Locality wall", "fleet", "hops and oversubscription between placed ranks",
         "mlsysim.solvers.locality.PlacementModel", r"\beta_{\mathrm{eff}} = \frac{\beta}{\mathrm{oversubscription}}",
         "Leiserson 1985, Fat-trees; Jeon et al. 2019 (Philly)", "Does placement put traffic on slow links?"),
    Wall(11, "complexity", "Complexity wall", "macro", "compute needed for a target loss (scaling laws)",
         "mlsysim.solvers.scaling.ScalingModel", r"C \approx 6ND,\; D_{\mathrm{opt}} \approx 20N",
         "Hoffmann et al. 2022, Training compute-optimal LLMs (Chinchilla)", "How big a model for this compute budget?"),
    Wall(12, "reasoning", "Reasoning wall", "serving", "extra decode steps of inference-time compute",
         "mlsysim.solvers.reasoning.ReasoningModel", r"T = \mathrm{TTFT} + (K + n_{\mathrm{out}})\,\mathrm{ITL}",
         "Wei et al. 2022, Chain-of-thought; Snell et al. 2024, test-time compute", "What does chain-of-thought cost in latency and GPUs?"),
    Wall(13, "fidelity", "Fidelity wall", "node", "accuracy lost by compression",
         "mlsysim.solvers.compression.CompressionModel", r"B' = B \cdot \frac{b_{\mathrm{new}}}{b_{\mathrm{old}}}",
         "Frantar et al. 2023 (GPTQ); Dettmers et al. 2022 (LLM.int8())", "How much faster is the compressed model, at what accuracy cost?"),
    Wall(14, "communication", "Communication wall", "fleet", "collective bandwidth and latency across links",
         "mlsysim.solvers.distributed.DistributedModel", r"T_{\mathrm{AR}} = 2(n-1)\alpha + \frac{2(n-1)}{n}\frac{M}{\beta}",
         "Thakur et al. 2005; Patarasuk and Yuan 2009", "How much of the step is communication?"),
    Wall(15, "fragility", "Fragility wall", "fleet", "fleet MTBF falls as 1/N",
         "mlsysim.solvers.reliability.ReliabilityModel", r"M_{\mathrm{fleet}} = \left(\sum_i n_i / M_i\right)^{-1}",
         "Dubey et al. 2024 (Llama 3), Table 5; Schroeder and Gibson 2007", "Will the job finish before the next failure?"),
    Wall(16, "multi_tenancy", "Multi-tenancy wall", "fleet", "queueing for shared accelerators",
         "mlsysim.solvers.locality.SchedulerModel", r"W = \frac{\rho}{1-\rho}\cdot\frac{c_a^2 + c_s^2}{2}\cdot\frac{1}{\mu}",
         "Kingman 1961; Jeon et al. 2019, Analysis of large-scale multi-tenant GPU clusters", "How long do jobs wait on a shared cluster?"),
    Wall(17, "capital", "Capital wall", "macro", "purchase and operating cost",
         "mlsysim.solvers.economics.EconomicsModel", r"\mathrm{TCO} = \mathrm{CapEx}\cdot\frac{T}{L} + E\cdot p_{\mathrm{kWh}} + \mathrm{OpEx}",
         "Barroso, Hölzle and Ranganathan 2018, The Datacenter as a Computer, ch. 6", "What will it cost?"),
    Wall(18, "sustainability", "Sustainability wall", "macro", "energy, carbon and water",
         "mlsysim.solvers.sustainability.SustainabilityModel", r"\mathrm{CO_2e} = E_{\mathrm{IT}}\cdot\mathrm{PUE}\cdot I_{\mathrm{grid}} + \mathrm{embodied}",
         "Patterson et al. 2021, Carbon emissions and large neural network training", "What are the energy, carbon and water?"),
    Wall(19, "checkpoint", "Checkpoint wall", "fleet", "time to save state vs failure rate",
         "mlsysim.solvers.reliability.ReliabilityModel", r"\tau_{\mathrm{opt}} = \sqrt{2\delta M}",
         "Young 1974, CACM 17(9); Daly 2006, FGCS 22(3)", "How often to checkpoint, and what is lost?"),
    Wall(20, "safety", "Safety wall", "serving", "guard-model passes added to every request",
         "mlsysim.solvers.safety.SafetyModel", r"T = T_{\mathrm{model}} + T_{\mathrm{guard,in}} + T_{\mathrm{guard,out}}",
         "Inan et al. 2023, Llama Guard", "What do input and output guardrails cost?"),
    Wall(21, "sensitivity", "Sensitivity analysis", "analysis", "which input the result depends on most",
         "mlsysim.solvers.sensitivity.SensitivityModel", r"\varepsilon_x = \frac{\partial \ln T}{\partial \ln x}",
         "Saltelli et al. 2008, Global Sensitivity Analysis", "Which spec matters most?", kind="analysis"),
    Wall(22, "synthesis", "Synthesis (inverse design)", "analysis", "what hardware a target requires",
         "mlsysim.solvers.sensitivity.SynthesisModel", r"\beta_{\mathrm{req}} = \frac{B}{T_{\mathrm{target}}\,\eta_{\mathrm{mem}}}",
         "Williams et al. 2009 (roofline, inverted)", "What bandwidth or FLOP/s does a target latency need?", kind="analysis"),
)

#: A runnable example per wall (the walls page shows each as a live cell; tests run them all).
_EXAMPLES: dict[str, str] = {
    'compute': (
        'p = mlsysim.Engine.solve(\n'
        '    "Llama3_8B", "H100", batch_size=8, seq_len=2048, precision="bf16"\n'
        ')\n'
        'print(p.bottleneck, f"{p.compute_time.to(\'ms\'):~.3f}", f"MFU {p.mfu:.0%}")\n'
    ),
    'memory': (
        'p = mlsysim.Engine.solve("ResNet50", "A100", batch_size=1)\n'
        'mem, comp = p.memory_time.to("ms"), p.compute_time.to("ms")\n'
        'print(p.bottleneck, f"{mem:~.3f} memory vs {comp:~.3f} compute")\n'
    ),
    'software': (
        'p = mlsysim.Engine.solve("Llama3_8B", "H100", batch_size=1, seq_len=128)\n'
        'print(f"MFU {p.mfu:.1%}", p.bottleneck)\n'
    ),
    'serving': (
        'r = mlsysim.ServingModel().solve(\n'
        '    "Llama3_8B", "H100", seq_len=2048, batch_size=8\n'
        ')\n'
        'ttft, itl = r.ttft.to("ms"), r.itl.to("ms")\n'
        'print(f"TTFT {ttft:~.0f}, ITL {itl:~.1f}, {r.bottleneck}-bound decode")\n'
    ),
    'batching': (
        'r = mlsysim.ServingModel().solve(\n'
        '    "Llama3_70B", "H100", seq_len=4096, tp_size=4\n'
        ')\n'
        'print("largest batch that fits:", r.max_batch_size)\n'
    ),
    'streaming': (
        'from mlsysim.solvers.streaming import WeightStreamingModel\n'
        '\n'
        'r = WeightStreamingModel().solve("Llama3_405B", "H100", precision="fp8")\n'
        'print(r)\n'
    ),
    'tail_latency': (
        'from mlsysim.solvers.queueing import TailLatencyModel\n'
        '\n'
        'r = TailLatencyModel().solve(8.0, "100 ms", servers=1)\n'
        'p50, p99 = r.p50_latency.to("ms"), r.p99_latency.to("ms")\n'
        'print(f"P50 {p50:~.0f}, P99 {p99:~.0f}")\n'
    ),
    'ingestion': (
        'from mlsysim.solvers.data import DataPipelineModel\n'
        '\n'
        'r = DataPipelineModel().solve(\n'
        '    "ImageNet1k",\n'
        '    model="ResNet50",\n'
        '    hardware="H100",\n'
        '    accelerators=8,\n'
        '    storage_bandwidth="2 GB/s",\n'
        ')\n'
        'print(r)\n'
    ),
    'transformation': (
        'from mlsysim.solvers.data import DataPipelineModel\n'
        '\n'
        'r = DataPipelineModel().solve(\n'
        '    "ImageNet1k",\n'
        '    model="ResNet50",\n'
        '    hardware="H100",\n'
        '    accelerators=8,\n'
        '    cpu_cores=32,\n'
        ')\n'
        'print(r)\n'
    ),
    'locality': (
        'from mlsysim.solvers.locality import PlacementModel\n'
        '\n'
        'r = PlacementModel().solve("Production_1K", 256, placement="spread")\n'
        'print(r)\n'
    ),
    'complexity': (
        'from mlsysim.solvers.scaling import ScalingModel\n'
        '\n'
        'r = ScalingModel().solve("1e24 FLOP")\n'
        'print(r)\n'
    ),
    'reasoning': (
        'from mlsysim.solvers.reasoning import ReasoningModel\n'
        '\n'
        'r = ReasoningModel().solve(\n'
        '    "Llama3_8B", "H100", reasoning_multiple=8, batch_size=16, qps=10\n'
        ')\n'
        'print(r)\n'
    ),
    'fidelity': (
        'from mlsysim.solvers.compression import CompressionModel\n'
        '\n'
        'r = CompressionModel().solve(\n'
        '    "Llama3_8B", "H100", weight_precision="int4", group_size=128\n'
        ')\n'
        'print(r)\n'
    ),
    'communication': (
        'r = mlsysim.DistributedModel().solve(\n'
        '    model="Llama3_70B",\n'
        '    fleet="Frontier_8K",\n'
        '    batch_size=2048,\n'
        '    tp_size=8,\n'
        '    pp_size=4,\n'
        '    microbatch_count=16,\n'
        ')\n'
        'dp = r.dp_communication_latency.to("ms")\n'
        'print(\n'
        '    f"step {r.step_time.to(\'s\'):~.2f}, DP all-reduce {dp:~.1f}, MFU {r.mfu:.0%}"\n'
        ')\n'
    ),
    'fragility': (
        'r = mlsysim.ReliabilityModel().solve("Frontier_8K", 720, 60)\n'
        'mtbf = r.fleet_mtbf.to("h")\n'
        'print(\n'
        '    f"fleet MTBF {mtbf:~.1f}, P(failure in 30 days) {r.failure_probability:.0%}"\n'
        ')\n'
    ),
    'multi_tenancy': (
        'from mlsysim.solvers.locality import SchedulerModel\n'
        '\n'
        'r = SchedulerModel().solve(\n'
        '    64, gpus_per_job=8, job_duration="4 h", utilisation=0.8\n'
        ')\n'
        'print(r)\n'
    ),
    'capital': (
        'r = mlsysim.EconomicsModel().solve("Production_1K", 3 * 365)\n'
        'print(f"TCO over 3 years: {r.tco.to(\'USD\').magnitude:,.0f} USD")\n'
    ),
    'sustainability': (
        'r = mlsysim.SustainabilityModel().solve(\n'
        '    "Production_1K", 30, datacenter="Quebec"\n'
        ')\n'
        'print(f"{r.energy.to(\'MWh\'):~.0f}, {r.carbon.to(\'tCO2e\'):~.1f}")\n'
    ),
    'checkpoint': (
        'r = mlsysim.ReliabilityModel().solve("Frontier_8K", 720, 60)\n'
        'every = r.checkpoint_interval.to("min")\n'
        'print(f"checkpoint every {every:~.1f}, goodput {r.goodput:.1%}")\n'
    ),
    'safety': (
        'from mlsysim.solvers.safety import SafetyModel\n'
        '\n'
        'r = SafetyModel().solve("Llama3_70B", "H100", tp_size=4)\n'
        'print(r)\n'
    ),
    'sensitivity': (
        'from mlsysim.solvers.sensitivity import SensitivityModel\n'
        '\n'
        'r = SensitivityModel().solve(\n'
        '    mlsysim.ServingModel(), "Llama3_8B", "H100", seq_len=1024, target="itl"\n'
        ')\n'
        'print(r)\n'
    ),
    'synthesis': (
        'from mlsysim.solvers.sensitivity import SynthesisModel\n'
        '\n'
        'r = SynthesisModel().solve(\n'
        '    "ResNet50", "A100", "0.05 ms", solve_for="bandwidth", batch_size=1\n'
        ')\n'
        'print(r)\n'
    ),
}
WALLS = tuple(replace(w, example=_EXAMPLES[w.id].rstrip()) for w in WALLS)

_BY_ID = {w.id: w for w in WALLS}


def wall(id_: str) -> Wall:
    return _BY_ID[id_]


def walls_by_domain() -> dict[str, list[Wall]]:
    out: dict[str, list[Wall]] = {}
    for w in WALLS:
        out.setdefault(w.domain, []).append(w)
    return out
