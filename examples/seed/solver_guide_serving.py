# From the seed solver guide: "LLM serving analysis" (verbatim).
import mlsysim
from mlsysim import ServingModel
serving = ServingModel()
result = serving.solve(
model=mlsysim.Models.Language.Llama3_8B,
hardware=mlsysim.Hardware.Cloud.H100,
seq_len=2048,
batch_size=1
)
print(f"TTFT: {result.ttft.to('ms'):~.1f}")
print(f"ITL: {result.itl.to('ms'):~.2f}")
print(f"KV: {result.kv_cache_size:~.2f}")
print(f"Fits: {result.feasible}")
