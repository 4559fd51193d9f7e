# From the seed solver guide: "Parameter sweep (manual loop)" (verbatim).
import mlsysim
from mlsysim import SingleNodeModel
solver = SingleNodeModel()
targets = [
mlsysim.Hardware.Cloud.T4,
mlsysim.Hardware.Cloud.A100,
mlsysim.Hardware.Cloud.H100,
mlsysim.Hardware.Cloud.B200,
]
for hw in targets:
    p = solver.solve(model=mlsysim.Models.ResNet50, hardware=hw, batch_size=32)
    print(f"{hw.name:20s} {p.latency.to('ms'):>8.2f~} {p.bottleneck}")
