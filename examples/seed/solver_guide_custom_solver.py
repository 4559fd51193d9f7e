# From the seed solver guide: "Writing a Custom Solver" (verbatim).
import mlsysim
from mlsysim.hardware.types import HardwareNode
class PowerEfficiencyModel:
    """Compare hardware on performance-per-watt."""
    def solve(self, hardware: HardwareNode) -> dict:
        if hardware.tdp is None:
            raise ValueError(f"{hardware.name}: no TDP specified")
        flops_per_watt = hardware.compute.peak_flops / hardware.tdp
        return {
            "device": hardware.name,
            "peak_flops": hardware.compute.peak_flops,
            "tdp": hardware.tdp,
            "flops_per_watt": flops_per_watt.to("TFLOPs/s/kW"),
        }
# Use it
solver = PowerEfficiencyModel()
for hw in [mlsysim.Hardware.Cloud.H100, mlsysim.Hardware.Cloud.A100,
           mlsysim.Hardware.Cloud.T4, mlsysim.Hardware.Edge.JetsonOrinNX]:
    r = solver.solve(hw)
    print(f"{r['device']:25s} {r['flops_per_watt']:>10.1f~}")
