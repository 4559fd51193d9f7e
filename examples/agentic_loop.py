"""The agentic loop (the conference slides' climax), with a scripted rule in place of a language model.

An MCP client starts ``mlsysim mcp`` over stdio (the MCP SDK's ClientSession, as Claude Desktop or
an IDE would), hands it a cluster config that does not fit (Llama-3 70B serving a batch of 256
on two H100s), reads the structured answer of ``evaluate_config`` (feasibility status, memory per
device against capacity, the binding walls, latency against the SLA) and changes the hardware by
a fixed rule until the config is feasible and meets its SLA:

- memory wall (does not fit): multiply the GPUs by the next power of two at or above
  memory per device / capacity, filling the node first (tensor parallelism shards the
  weights and the KV cache), then adding nodes;
- serving wall (fits, latency over the SLA): double the nodes (more replicas, each with a
  smaller share of the batch).

Run:  python examples/agentic_loop.py [--max-iterations N] [--json]
Needs the MCP SDK: pip install "mlsysim[mcp]".
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import math
import sys

START = {
    "version": "1.0",
    "name": "Llama-3 70B chat, batch 256",
    "workload": {"name": "Llama3_70B", "mode": "serving", "batch_size": 256, "seq_len": 2048, "output_len": 256,
                 "precision": "bf16"},
    "hardware": {"name": "H100", "nodes": 1, "accelerators_per_node": 2},
    "ops": {"region": "Quebec", "duration_days": 365},
    "constraints": {"latency_sla_ms": 10000},
}
MAX_PER_NODE = 8


def _pow2_at_least(x: float) -> int:
    return 2 ** max(1, math.ceil(math.log2(x))) if x > 1 else 2


def next_config(cfg: dict, report: dict) -> tuple[dict | None, str]:
    """The scripted rule: one change to ``cfg`` from the evaluation ``report`` (None when done)."""
    feas, perf = report["feasibility"], report["performance"]
    hw = cfg["hardware"]
    nodes, per_node = hw["nodes"], hw["accelerators_per_node"]
    new = copy.deepcopy(cfg)
    if feas["status"] != "PASS":
        m = feas["metrics"]
        over = m["memory_per_device_gb"] / m["memory_capacity_gb"]
        factor = _pow2_at_least(over)
        gpus = nodes * per_node * factor
        new_per_node = min(MAX_PER_NODE, gpus)
        new["hardware"].update(accelerators_per_node=new_per_node, nodes=max(nodes, math.ceil(gpus / new_per_node)))
        return new, (f"memory wall: {over:.2f}x over capacity -> {factor}x the GPUs "
                     f"({nodes * per_node} -> {gpus}: {new['hardware']['nodes']} node(s) x {new_per_node})")
    if perf["status"] == "FAIL":
        sla = cfg["constraints"]["latency_sla_ms"]
        lat = perf["metrics"]["latency"]
        new["hardware"]["nodes"] = nodes * 2
        return new, f"serving wall: latency {lat:,.0f} ms is {lat / sla:.2f}x the SLA -> double the nodes ({nodes} -> {nodes * 2})"
    return None, "feasible and within the SLA: stop"


def _summary(i: int, cfg: dict, report: dict) -> list[str]:
    hw, w = cfg["hardware"], cfg["workload"]
    f, p, m = report["feasibility"], report["performance"], report["macro"]
    fm, pm = f["metrics"], p["metrics"]
    walls = [x["id"] for x in report.get("walls", []) if x.get("binding")]
    lines = [f"iteration {i}: {hw['nodes']} node(s) x {hw['accelerators_per_node']} {hw['name']} "
             f"= {fm['accelerators']} GPUs, {w['name']} batch {w['batch_size']}",
             f"  feasibility {f['status']}: {fm['memory_per_device_gb']:.1f} GB per device of "
             f"{fm['memory_capacity_gb']:.0f} GB ({fm['memory_utilisation']:.0%})"]
    if p["status"] != "N/A":
        lines.append(f"  performance {p['status']}: latency {pm['latency']:,.0f} ms (TTFT {pm['ttft']:,.0f} ms + "
                     f"{w['output_len']} x ITL {pm['itl']:.1f} ms) vs SLA {cfg['constraints']['latency_sla_ms']:,} ms; "
                     f"{pm['replicas']} replica(s) of TP{pm['tp_size']}, batch {pm['batch_per_replica']} each")
    else:
        lines.append("  performance N/A (does not fit)")
    if "tco_usd" in m.get("metrics", {}):
        lines.append(f"  macro: TCO {m['metrics']['tco_usd']:,.0f} USD/yr, {m['metrics']['carbon_t']:.1f} tCO2e/yr")
    lines.append(f"  binding walls: {', '.join(walls) or 'none'}")
    return lines


async def run(max_iterations: int = 8, echo=print) -> dict:
    """Drive the MCP server until the config passes; returns the transcript."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=sys.executable, args=["-m", "mlsysim.cli", "mcp"])
    transcript = {"start": START, "iterations": [], "passed": False}
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = sorted(t.name for t in (await session.list_tools()).tools)
            echo(f"connected to mlsysim over MCP (stdio); tools: {', '.join(tools)}")
            cfg = copy.deepcopy(START)
            for i in range(1, max_iterations + 1):
                res = await session.call_tool("evaluate_config", {"config": cfg})
                if getattr(res, "isError", getattr(res, "is_error", False)):
                    raise RuntimeError(f"evaluate_config failed: {res.content[0].text}")
                report = json.loads(res.content[0].text)
                for line in _summary(i, cfg, report):
                    echo(line)
                new, why = next_config(cfg, report)
                echo(f"  rule: {why}")
                transcript["iterations"].append({"config": cfg, "feasibility": report["feasibility"]["status"],
                                                 "performance": report["performance"]["status"],
                                                 "binding_walls": [x["id"] for x in report.get("walls", []) if x.get("binding")],
                                                 "action": why})
                if new is None:
                    transcript.update(passed=True, final=cfg, report=report)
                    break
                cfg = new
    if transcript["passed"]:
        hw = transcript["final"]["hardware"]
        echo(f"result: feasible and within the SLA after {len(transcript['iterations'])} evaluations: "
             f"{hw['nodes']} node(s) x {hw['accelerators_per_node']} {hw['name']}")
    else:
        echo(f"result: not solved within {max_iterations} iterations")
    return transcript


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-iterations", type=int, default=8)
    ap.add_argument("--json", action="store_true", help="print the transcript as JSON at the end")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds for the whole loop")
    args = ap.parse_args(argv)
    t = asyncio.run(asyncio.wait_for(run(args.max_iterations), timeout=args.timeout))
    if args.json:
        print(json.dumps({k: v for k, v in t.items() if k != "report"}, indent=2))
    return 0 if t["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
