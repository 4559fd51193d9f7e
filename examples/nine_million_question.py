"""The $9 Million Question (conference slide "Example 1"): what does chain-of-thought cost?

Scenario, every input stated:

- a production chat service running Llama-3-70B in FP8 on NVIDIA H100 SXM, two GPUs per
  replica (tensor parallelism 2: 35 GB of weights per GPU), 16 requests decoded together;
- a request has a 1,024-token prompt and a 256-token answer;
- "K = 8 chain-of-thought": the model first writes K x 256 = 2,048 reasoning tokens;
- the service must hold 30 requests per second;
- GPUs are rented at the AWS p5.48xlarge on-demand price, 55.04 USD/h per 8 GPUs
  = 6.88 USD per GPU-hour (mlsysim/data/prices/aws_p5_48xlarge_2026.toml), for 365 days.

Efficiencies are the engine's sourced defaults (measured GEMM and memory-copy fractions).
Run:  python examples/nine_million_question.py
"""

from mlsysim.solvers.reasoning import ReasoningModel

INPUTS = dict(
    model="Llama3_70B", hardware="H100", precision="fp8", tp_size=2, batch_size=16,
    prompt_len=1024, answer_len=256, reasoning_multiple=8, qps=30,
    price_per_gpu_hour="prices:aws_p5_48xlarge_2026", duration="365 day",
)


def main():
    r = ReasoningModel().solve(**INPUTS)
    print("The $9 Million Question: adding K = 8 chain-of-thought to a production service")
    print(f"  {r.model} on {r.tp_size} x {r.hardware}, {r.precision}, batch {r.batch_size} per replica")
    print(f"  prompt {r.prompt_len}, answer {r.answer_len}, reasoning {r.reasoning_tokens} tokens, "
          f"{r.qps.magnitude:g} requests/s")
    print(f"  price {r.price_per_gpu_hour.magnitude:.2f} USD per GPU-hour for {r.duration.magnitude:g} days")
    print()
    print(f"  {'':24}{'no reasoning':>14}{'K = 8':>14}{'multiple':>10}")
    print(f"  {'ITL (decode step)':24}{r.baseline_itl.magnitude:>11.1f} ms{r.itl.magnitude:>11.1f} ms"
          f"{r.itl.magnitude / r.baseline_itl.magnitude:>9.2f}x")
    print(f"  {'latency per request':24}{r.baseline_latency.magnitude:>12.2f} s{r.latency.magnitude:>12.2f} s"
          f"{r.latency_multiple:>9.2f}x")
    print(f"  {'GPUs at the same QPS':24}{r.baseline_gpus:>14d}{r.gpus:>14d}{r.gpu_multiple:>9.2f}x")
    print(f"  {'yearly GPU bill':24}{r.baseline_cost.magnitude / 1e6:>11.2f} M$ {r.cost.magnitude / 1e6:>10.2f} M$"
          f"{r.cost_multiple:>9.2f}x")
    print()
    print(f"  Reasoning runs at the memory-bound decode rate ({r.decode_bottleneck.lower()}-bound ITL): "
          f"{r.reasoning_time.magnitude:.1f} s of thinking per request.")
    return r


if __name__ == "__main__":
    main()
