"""The MCP server, driven over stdio by the MCP SDK's own client."""

import asyncio

import json
import sys

import pytest

from _async import run_async

mcp = pytest.importorskip("mcp")


def _run(coro):
    return run_async(asyncio.wait_for(coro, timeout=60))


async def _session(calls):
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=sys.executable, args=["-m", "mlsysim.cli", "mcp"])
    out = []
    async with stdio_client(params) as (r, w):
        async with ClientSession(r, w) as s:
            await s.initialize()
            out.append(sorted(t.name for t in (await s.list_tools()).tools))
            for name, args in calls:
                res = await s.call_tool(name, args)
                err = getattr(res, "is_error", getattr(res, "isError", None))
                out.append((err, res.content[0].text if res.content else ""))
    return out


def test_mcp_tools_and_structured_errors():
    cfg = {"workload": {"name": "Llama3_70B", "batch_size": 8}, "hardware": {"name": "H100", "nodes": 1}}
    out = _run(_session([
        ("list_zoo", {"kind": "hardware", "tier": "edge"}),
        ("solve_serving", {"model": "Llama3_8B", "hardware": "H100", "seq_len": 1024}),
        ("solve_serving", {"model": "Llama3_8B", "hardware": "H10"}),
        ("evaluate_config", {"config": cfg}),
        ("evaluate_config", {"config": {"workload": {"name": "Llama3_70B", "bogus": 1}, "hardware": {"name": "H100"}}}),
        ("solve_roofline", {"model": "ResNet50", "hardware": "A100", "batch_size": 10**12}),
        ("get_schema", {}),
    ]))
    tools = out[0]
    for t in ("list_zoo", "get_schema", "evaluate_config", "solve_roofline", "solve_serving"):
        assert t in tools
    assert out[1][0] is False and "JetsonOrinNX" in out[1][1]
    assert out[2][0] is False and json.loads(out[2][1])["kv_cache_size"]["unit"] == "GB"
    assert out[3][0] is True and "did you mean 'H100'" in out[3][1]
    assert out[4][0] is False and json.loads(out[4][1])["feasibility"]["status"] == "PASS"
    assert out[5][0] is True and "bogus" in out[5][1]
    assert out[6][0] is True and "batch_size" in out[6][1]
    assert "workload" in json.loads(out[7][1])["properties"]
