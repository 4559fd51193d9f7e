# From the seed solver guide: "Single-node roofline analysis" (verbatim).
import mlsysim
from mlsysim import SingleNodeModel
solver = SingleNodeModel()
profile = solver.solve(
model=mlsysim.Models.ResNet50,
hardware=mlsysim.Hardware.Cloud.A100,
batch_size=1
)
print(f"Bottleneck: {profile.bottleneck}") # → Memory
print(f"Latency: {profile.latency.to('ms'):~.2f}")
print(f"MFU: {profile.mfu:.1%}")
