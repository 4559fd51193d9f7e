# From the seed solver guide: "Distributed training at scale" (verbatim; the guide's page imports mlsysim above).
import mlsysim
from mlsysim import DistributedModel, Systems
dist = DistributedModel()
result = dist.solve(
model=mlsysim.Models.Language.Llama3_70B,
fleet=Systems.Clusters.Frontier_8K,
batch_size=2048,
tp_size=8,
pp_size=4,
microbatch_count=16
)
print(f"Scaling efficiency: {result.scaling_efficiency:.1%}")
print(f"Bubble fraction: {result.bubble_fraction:.1%}")
print(f"DP comm latency: {result.dp_communication_latency.to('ms'):~.2f}")
