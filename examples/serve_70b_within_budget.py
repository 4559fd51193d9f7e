"""Can I serve Llama-3 70B on 4 H100s within $50K a year while minimising carbon?

The seed architecture page's "Progressive Lowering in Action": one question, all five layers,
three solvers chained.

1. Layer A: Llama-3 70B (GQA, 8 KV heads, ~141 GB of weights at 16 bits).
2. Layer B: the H100 SXM (its registry entry: dense peaks, HBM, TDP).
3. Layer C: every grid region in the registry (carbon intensity, PUE, electricity price).
4. Layer D: one server with 4 H100s (a per-GPU share of the DGX H100 entry), tensor parallel 4.
5. Layer E: ServingModel (fits? TTFT, ITL) -> EconomicsModel (TCO for a year, per region)
   -> SustainabilityModel (carbon for a year, per region).

Every number not stated below comes from the registries with its source; the economics and
sustainability defaults (useful life, utilisation, PUE) are the engine's sourced defaults.
Run:  python examples/serve_70b_within_budget.py
"""

import mlsysim
from mlsysim import EconomicsModel, ServingModel, SustainabilityModel
from mlsysim.config import config_from_dict

BUDGET_USD = 50_000  # per year
DAYS = 365
PROMPT, ANSWER, BATCH = 2048, 256, 32  # tokens per request, concurrent requests per replica


def main():
    # Layer D: 1 node x 4 H100, built the way a config file would (hardware: {name, nodes, accelerators_per_node})
    fleet = config_from_dict({"workload": {"name": "Llama3_70B"},
                              "hardware": {"name": "H100", "nodes": 1, "accelerators_per_node": 4}}).fleet

    # 1. ServingModel: does it fit, and how fast?
    s = ServingModel().solve(mlsysim.Models.Language.Llama3_70B, mlsysim.Hardware.Cloud.H100, seq_len=PROMPT,
                             batch_size=BATCH, tp_size=4, output_len=ANSWER, precision="bf16")
    print("Can I serve Llama-3 70B on 4 H100s within $50K a year while minimising carbon?")
    print(f"  fleet: {fleet.name}, tensor parallel 4, batch {BATCH}, prompt {PROMPT}, answer {ANSWER} tokens")
    print(f"  fits in memory: {'yes' if s.feasible else 'NO'} "
          f"({s.memory_per_device.to('GB').magnitude:.1f} of {s.memory_capacity.to('GB').magnitude:.0f} GB per GPU; "
          f"KV cache {s.kv_cache_size.to('GB').magnitude:.1f} GB; largest batch {s.max_batch_size})")
    print(f"  TTFT {s.ttft.to('ms').magnitude:,.0f} ms, ITL {s.itl.to('ms').magnitude:.1f} ms, "
          f"{s.throughput.to('token/s').magnitude:,.0f} tokens/s ({s.bottleneck.lower()}-bound decode)")
    if not s.feasible:
        print("  it does not fit: nothing to cost")
        return None

    # 2 + 3. EconomicsModel and SustainabilityModel for every grid region (Layer C)
    rows = []
    for grid in mlsysim.Infra.Grids.all():
        e = EconomicsModel().solve(fleet, DAYS, grid=grid, throughput=s, output_len=ANSWER)
        c = SustainabilityModel().solve(fleet, DAYS, datacenter=grid)
        rows.append((grid, e, c))
    rows.sort(key=lambda r: r[2].carbon.to("tCO2e").magnitude)

    print()
    print(f"  {'region':38}{'TCO/yr':>10}{'carbon':>10}{'USD/query':>12}  budget")
    for grid, e, c in rows:
        ok = e.tco.to("USD").magnitude <= BUDGET_USD
        print(f"  {grid.name[:37]:38}{e.tco.to('USD').magnitude:>10,.0f}{c.carbon.to('tCO2e').magnitude:>8.2f} t"
              f"{e.cost_per_query.to('USD').magnitude:>12.6f}  {'ok' if ok else 'over'}")

    within = [r for r in rows if r[1].tco.to("USD").magnitude <= BUDGET_USD]
    e0 = rows[0][1]
    print()
    print(f"  owned TCO = amortised CapEx {e0.capex_amortised.to('USD').magnitude:,.0f} USD "
          f"(CapEx {e0.capex.to('USD').magnitude:,.0f} USD over {e0.lifetime.to('year').magnitude:.1f} years) + energy")
    print(f"  renting the same 4 GPUs instead: {e0.cloud_cost.to('USD').magnitude:,.0f} USD a year "
          f"({e0.rental_price.to('USD/h').magnitude:.2f} USD per GPU-hour): "
          f"{'within' if e0.cloud_cost.to('USD').magnitude <= BUDGET_USD else 'over'} the budget")
    if within:
        grid, e, c = within[0]
        print(f"  answer: yes, if owned. Lowest carbon within ${BUDGET_USD:,}: {grid.name}, "
              f"{e.tco.to('USD').magnitude:,.0f} USD and {c.carbon.to('tCO2e').magnitude:.2f} tCO2e a year "
              f"(vs {rows[-1][2].carbon.to('tCO2e').magnitude:.2f} t on {rows[-1][0].name}).")
    else:
        print(f"  answer: no region keeps the owned TCO within ${BUDGET_USD:,}.")
    return rows


if __name__ == "__main__":
    main()
