"""The data pipeline (ingestion and transformation walls): can storage, network and CPUs feed the accelerators?

The accelerators consume λ samples per second (training throughput). Each sample is s bytes
on storage. Reading, moving and decoding run as a pipeline beside the accelerators
(Mohan et al. 2021, "Analyzing and mitigating data stalls in DNN training", PVLDB 14(5)):

    R_storage = β_storage / s,  R_network = β_network / s,  R_cpu = cores · r_core     (eq. D1)
    R_supply  = min(R_storage, R_network, R_cpu)                                        (eq. D2)
    stall     = 1 − min(1, R_supply / λ)                                                (eq. D3)
    λ_eff     = min(λ, R_supply),  cores_needed = λ / r_core                            (eq. D4)

The stall fraction is the share of the step time the accelerators wait for data when the
stages overlap (prefetching); a stage that is not given is not a limit (stated in the result).
"""

from __future__ import annotations

import math
import statistics
import tomllib
from functools import lru_cache

from ..core.errors import ConfigError
from ..core.result import Result, field, qfield
from ..registry import DATA_DIR
from ._inputs import check_positive_int, opt_quantity

__all__ = ["DataPipelineModel", "DataPipelineResult", "decode_rate_per_core", "stall_fraction"]


@lru_cache(maxsize=1)
def _rows() -> tuple[dict, ...]:
    out = []
    for f in sorted((DATA_DIR / "pipeline").glob("*.toml")):
        d = tomllib.loads(f.read_text("utf-8"))
        d.setdefault("id", f.stem)
        out.append(d)
    return tuple(out)


def decode_rate_per_core(modality: str) -> tuple[float | None, str]:
    """(samples per second per CPU core, source) for decoding one sample of a modality: the median
    of the measured rows (JPEG: Pillow on five CPUs), or None when no row exists."""
    rows = [r for r in _rows() if r.get("kind") == "decode_rate" and r.get("modality") == modality]
    if not rows:
        return None, f"no measured {modality} decode rate in mlsysim/data/pipeline/"
    vals = [v for r in rows for v in r["rates"]]
    r0 = rows[0]
    return statistics.median(vals), f"median of {len(vals)} measured {r0['library']} rates ({r0['source']['title']})"


def stall_fraction(supply: float, demand: float) -> float:
    """stall = 1 − min(1, R_supply/λ): the share of time the accelerators wait (eq. D3)."""
    return 0.0 if supply >= demand else 1.0 - supply / demand


class DataPipelineResult(Result):
    """Result of ``DataPipelineModel.solve``: demand, each stage's supply, the stall and the bottleneck."""

    dataset = field("dataset name (or None)")
    modality = field("image, text, audio, ...")
    accelerators = field("accelerators fed by this pipeline")
    demand = qfield("samples per second the accelerators consume (λ)", "sample/s")
    bytes_per_sample = qfield("stored bytes per sample (s)", "B", "kB")
    demand_bandwidth = qfield("λ · s: read bandwidth the accelerators need", "B/s", "GB/s")
    storage_rate = qfield("samples per second storage can deliver (None: not a limit)", "sample/s")
    network_rate = qfield("samples per second the network can deliver (None: not a limit)", "sample/s")
    cpu_rate = qfield("samples per second the CPU cores can decode (None: not a limit)", "sample/s")
    decode_rate_per_core = qfield("samples per second per core", "sample/s")
    supply = qfield("min of the stage rates", "sample/s")
    throughput = qfield("samples per second actually trained: min(demand, supply)", "sample/s")
    stall_fraction = field("share of time the accelerators wait for data")
    cores_needed = field("CPU cores that would keep up with the demand (None without a decode rate)")
    bottleneck = field("'Accelerator' (no stall), 'Storage', 'Network' or 'CPU'")
    epoch_time = qfield("one pass over the dataset at the achieved throughput (None without a sample count)", "s", "h")
    assumptions = field("modelling choices and sources")


class DataPipelineModel:
    """Ingestion (storage, network) and transformation (CPU decode) against the accelerators' appetite."""

    def solve(self, dataset=None, *, samples_per_second=None, model=None, hardware=None, batch_size: int = 256,
              accelerators: int = 1, bytes_per_sample=None, storage_bandwidth=None, network_bandwidth=None,
              cpu_cores: int | None = None, decode_rate_per_core: float | None = None,
              precision: str = "bf16") -> DataPipelineResult:
        """Find the data stall of a training job.

        Parameters
        ----------
        dataset
            A ``Dataset`` or its name (``"ImageNet1k"``): bytes per sample, modality, epoch size.
        samples_per_second
            Consumption rate of all accelerators (number or ``"12000 sample/s"``). Default: the
            training throughput of ``model`` on ``hardware`` (``SingleNodeModel``, mode training)
            at ``batch_size`` per accelerator, times ``accelerators``.
        bytes_per_sample
            Stored bytes per sample (``"110 kB"``); default from the dataset.
        storage_bandwidth, network_bandwidth
            Read bandwidth of the storage and of the network path to the node (``"2 GB/s"``); None: not a limit.
        cpu_cores
            Cores doing decode and augmentation; None: not a limit.
        decode_rate_per_core
            Samples per second per core; default the measured rate for the modality.
        """
        from ..datasets import Datasets

        ds = Datasets.get(dataset) if isinstance(dataset, str) else dataset
        n_acc = check_positive_int(accelerators, "accelerators", 10**7)
        assumptions: list[str] = []
        modality = ds.modality if ds is not None else "other"
        if bytes_per_sample is not None:
            s = opt_quantity(bytes_per_sample, "information", "bytes_per_sample")
        elif ds is not None and ds.bytes_per_sample is not None:
            s = float(ds.bytes_per_sample.to("B").magnitude)
            assumptions.append(f"{s / 1e3:.1f} kB per sample = {ds.name} size / samples")
        else:
            raise ConfigError("bytes_per_sample: give it (e.g. '110 kB') or a dataset with a sample count")
        if samples_per_second is not None:
            lam = _rate(samples_per_second)
        elif model is not None and hardware is not None:
            from .roofline import SingleNodeModel

            p = SingleNodeModel().solve(model, hardware, batch_size=batch_size, precision=precision, mode="training")
            lam = float(p.throughput.to("sample/s").magnitude) * n_acc
            assumptions.append(f"demand: {p.model} training on {n_acc} x {p.hardware} at batch {batch_size} "
                               f"({lam / n_acc:,.0f} samples/s each, SingleNodeModel)")
        else:
            raise ConfigError("samples_per_second: give the consumption rate, or model and hardware to compute it")
        rates: dict[str, float] = {}
        r_sto = r_net = r_cpu = None
        if storage_bandwidth is not None:
            r_sto = opt_quantity(storage_bandwidth, "bandwidth", "storage_bandwidth") / s
            rates["Storage"] = r_sto
        else:
            assumptions.append("storage bandwidth not given: not a limit (dataset cached in memory)")
        if network_bandwidth is not None:
            r_net = opt_quantity(network_bandwidth, "bandwidth", "network_bandwidth") / s
            rates["Network"] = r_net
        r_core, src = (float(decode_rate_per_core), "given") if decode_rate_per_core is not None \
            else decode_rate_per_core_default(modality)
        if decode_rate_per_core is not None and not (math.isfinite(r_core) and r_core > 0):
            raise ConfigError(f"decode_rate_per_core: must be a positive number, got {decode_rate_per_core!r}")
        if cpu_cores is not None:
            cores = check_positive_int(cpu_cores, "cpu_cores", 10**7)
            if r_core is None:
                raise ConfigError(f"decode_rate_per_core: {src}; give one for {modality} data")
            r_cpu = cores * r_core
            rates["CPU"] = r_cpu
            assumptions.append(f"{cores} cores x {r_core:,.0f} samples/s per core ({src})")
        elif r_core is not None:
            assumptions.append("cpu_cores not given: CPU decode not a limit")
        supply = min(rates.values()) if rates else math.inf
        st = stall_fraction(supply, lam)
        thr = min(lam, supply)
        bott = "Accelerator" if st == 0 else min(rates, key=rates.get)
        epoch = (ds.samples / thr) if (ds is not None and ds.samples) else None
        return DataPipelineResult._make({
            "dataset": ds.name if ds is not None else None, "modality": modality, "accelerators": n_acc,
            "demand": lam, "bytes_per_sample": s, "demand_bandwidth": lam * s, "storage_rate": r_sto,
            "network_rate": r_net, "cpu_rate": r_cpu, "decode_rate_per_core": r_core,
            "supply": supply if rates else None, "throughput": thr, "stall_fraction": st,
            "cores_needed": (lam / r_core) if r_core else None, "bottleneck": bott, "epoch_time": epoch,
            "assumptions": tuple(assumptions),
        })


def decode_rate_per_core_default(modality: str):
    return decode_rate_per_core(modality)


def _rate(v) -> float:
    from .reasoning import as_rate

    return as_rate(v, "sample/s", "samples_per_second")
