"""Should I use A100s or H100s for inference? Compare the cost per query.

The seed solver guide's recipe ("Composing Solvers"): SingleNodeModel on each device for latency
and bottleneck, then EconomicsModel for each for the cost per query. Two workloads:

- image classification: ResNet-50, batch 32, fp16 (a query = one image);
- a chat request: Llama-3 8B, 512-token prompt, 256-token answer, 32 requests decoded together
  (ServingModel, since an LLM query is a prefill plus a decode).

Each device runs in one 8-GPU server for a year, owned (TCO: amortised purchase + energy) or
rented (cloud on-demand price per GPU-hour). The A100 is the 40 GB SXM part: the registry has a
dated purchase price for it, not for the 80 GB one. Prices, power and useful life are the
engine's sourced defaults. Run:  python examples/a100_vs_h100_cost_per_query.py
"""

import mlsysim
from mlsysim import EconomicsModel, ServingModel, SingleNodeModel
from mlsysim.config import config_from_dict

DEVICES = ("A100_40GB", "H100")
DAYS = 365
ANSWER = 256


def _one(hw_id):
    hw = mlsysim.Hardware.Cloud.get(hw_id)
    fleet = config_from_dict({"workload": {"name": "ResNet50"}, "hardware": {"name": hw_id, "nodes": 1}}).fleet
    seconds = DAYS * 86400

    p = SingleNodeModel().solve(model=mlsysim.Models.ResNet50, hardware=hw, batch_size=32, precision="fp16")
    qps = p.throughput.to("sample/s").magnitude * fleet.total_accelerators
    e = EconomicsModel().solve(fleet, DAYS, queries_per_second=qps)
    image = {"latency_ms": p.latency.to("ms").magnitude, "bottleneck": p.bottleneck, "qps": qps,
             "owned": e.cost_per_query.to("USD").magnitude, "rented": e.cloud_cost.to("USD").magnitude / (qps * seconds)}

    s = ServingModel().solve(mlsysim.Models.Language.Llama3_8B, hw, seq_len=512, batch_size=32, output_len=ANSWER,
                             precision="fp16")
    e2 = EconomicsModel().solve(fleet, DAYS, throughput=s, output_len=ANSWER)
    q2 = e2.queries_per_second.to("request/s").magnitude
    chat = {"latency_ms": s.e2e_latency.to("ms").magnitude, "bottleneck": s.bottleneck, "qps": q2,
            "owned": e2.cost_per_query.to("USD").magnitude, "rented": e2.cloud_cost.to("USD").magnitude / (q2 * seconds)}
    return hw, fleet, e, image, chat


def main():
    print("A100 or H100 for inference? Cost per query, one 8-GPU server for a year")
    results = {hw_id: _one(hw_id) for hw_id in DEVICES}
    for hw_id, (hw, fleet, e, _, _) in results.items():
        print(f"  {hw.name}: {fleet.name}; purchase {e.accelerator_unit_cost.to('USD').magnitude:,.0f} USD per GPU, "
              f"TCO {e.tco.to('USD').magnitude:,.0f} USD/yr; rent {e.rental_price.to('USD/h').magnitude:.2f} USD per GPU-hour")
    for label, key, unit in (("ResNet-50 image, batch 32", 3, "images"), ("Llama-3 8B chat, 512 + 256 tokens", 4, "requests")):
        print()
        print(f"  {label}")
        print(f"  {'device':24}{'latency':>12}{'bound':>9}{unit + '/s':>14}{'owned USD/1M':>14}{'rented USD/1M':>15}")
        for hw_id, r in results.items():
            x = r[key]
            print(f"  {r[0].name[:23]:24}{x['latency_ms']:>9.1f} ms{x['bottleneck']:>9}{x['qps']:>14,.0f}"
                  f"{x['owned'] * 1e6:>14.4f}{x['rented'] * 1e6:>15.4f}")
        a, h = results[DEVICES[0]][key], results[DEVICES[1]][key]
        cheaper = DEVICES[1] if h["owned"] < a["owned"] else DEVICES[0]
        print(f"  -> {cheaper} is cheaper per query: owned {a['owned'] / h['owned']:.2f}x, rented {a['rented'] / h['rented']:.2f}x "
              f"(A100 cost / H100 cost); H100 is {a['latency_ms'] / h['latency_ms']:.2f}x faster")
    return results


if __name__ == "__main__":
    main()
