"""Collective cases (nccl-tests bus bandwidth) through ``CollectiveModel``.

The system the source describes becomes a ``Node`` (device, GPUs per node, NICs and their line
rate, the scale-up link when stated) and, across nodes, a ``Fleet`` on the stated fabric. The
metric is the nccl-tests bus bandwidth of the stated collective and message size. Where the
source states neither the message size nor the node count of a large-message plateau, the rule
is the same for every case: 8 GiB (nccl-tests' usual largest size) on two nodes, where a ring's
bus bandwidth no longer depends on either.
"""

from __future__ import annotations

from ._common import NotRunnable, Prediction, SolverUnavailable, hardware_of

__all__ = ["predict"]

_OPS = {"all_reduce": "all_reduce", "all_to_all": "all_to_all", "reduce_scatter": "reduce_scatter",
        "all_gather": "all_gather"}


def _solver():
    try:
        from ...solvers.collectives import CollectiveModel
    except ImportError as exc:
        raise SolverUnavailable(f"mlsysim.solvers.collectives.CollectiveModel ({exc.name or exc})") from None
    return CollectiveModel


def _size(case) -> float:
    from ...core.units import Q_

    cf = case.config
    for key in ("message_size", "message_size_max"):
        v = cf.get(key)
        if isinstance(v, str):
            try:
                return float(Q_(v).to("B").magnitude)
            except Exception:
                continue
    return 8 * 2**30


def predict(case) -> Prediction:
    CollectiveModel = _solver()
    if case.metric != "busbw":
        raise NotRunnable(f"metric {case.metric!r}: an aggregate of concurrent collectives during training, "
                          "not one collective's bus bandwidth")
    from ...core.units import Q_
    from ...registry import Systems
    from ...systems.types import Fleet, Node

    sy, wl, cf = case.system, case.workload, case.config
    hw = hardware_of(case)
    op = _OPS.get(str(wl.get("collective", "")).split()[0])
    if op is None:
        raise NotRunnable(f"collective {wl.get('collective')!r} is not priced by CollectiveModel")
    gpn = int(sy.get("gpus_per_node") or sy.get("gpus") or 8)
    nodes = cf.get("nodes")
    if isinstance(nodes, str) or nodes is None:
        nodes = 2 if "gpus" not in sy or int(sy["gpus"]) > gpn else 1
    nodes = int(nodes)
    node_kw = {"name": f"{hw.id} x{gpn}", "accelerator": hw, "accelerators_per_node": gpn}
    if sy.get("link_bandwidth"):
        node_kw["intra_node_bw"] = sy["link_bandwidth"]
    if nodes > 1:
        if not sy.get("nic_bandwidth"):
            raise NotRunnable("NIC bandwidth not stated")
        node_kw["nic_bandwidth"] = sy["nic_bandwidth"]
        node_kw["nics_per_node"] = int(sy.get("nics_per_node", gpn))
    else:
        node_kw["nics_per_node"] = 0
    node = Node(**node_kw)
    m = _size(case)
    algorithm = "ring" if str(cf.get("nccl_algo", "")).upper() == "RING" else "auto"
    if nodes > 1:
        fabric = Systems.Fabrics.get(sy["fabric"]) if sy.get("fabric") else None
        target = Fleet(name=f"{nodes} nodes", node=node, count=nodes, fabric=fabric)
        where = f"Fleet({nodes} x {node_kw['name']}, fabric={sy.get('fabric')})"
    else:
        target, where = node, f"Node({node_kw['name']})"
    ranks = int(sy.get("gpus") or gpn * nodes)
    ranks = min(ranks, gpn * nodes)
    r = CollectiveModel().solve(op, Q_(m, "B"), target, ranks=ranks, algorithm=algorithm)
    call = f"CollectiveModel().solve({op!r}, '{m:.4g} B', {where}, ranks={ranks}, algorithm={algorithm!r}).busbw"
    busbw = r.busbw.to("GB/s")
    if cf.get("per_nic") and op == "all_reduce":
        # a ring channel per NIC: the bus bandwidth a node's rings share, per NIC
        nics = int(sy.get("nics_per_node", gpn)) or 1
        busbw = busbw / nics
        call += f" / {nics} NICs"
    return Prediction(busbw, call, "communication", tuple(r.assumptions))
