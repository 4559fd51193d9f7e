"""DataPipelineModel and the Datasets registry: ingestion and transformation walls."""

import pytest

from mlsysim import ConfigError
from mlsysim.datasets import Dataset, Datasets
from mlsysim.solvers.data import DataPipelineModel, decode_rate_per_core, stall_fraction

D = DataPipelineModel()


def test_datasets_load_with_sources():
    for ds in Datasets.all():
        assert ds.source is not None and ds.source.url and ds.size.to("GB").magnitude > 0
    im = Datasets.ImageNet1k
    assert im.samples == 1281167 and im.modality == "image"
    assert im.bytes_per_sample.to("kB").magnitude == pytest.approx(138e9 / 1281167 / 1e3)
    assert Datasets.get("librispeech").hours == pytest.approx(960.9)
    assert Datasets.FineWeb.tokens == 15e12
    assert Datasets.ThePile.size.to("GiB").magnitude == pytest.approx(825)


def test_hand_worked_stall():
    """10,000 img/s demand, 100 kB each: 1 GB/s needed. 0.5 GB/s storage -> 5,000 img/s -> 50% stall."""
    r = D.solve(samples_per_second=10_000, bytes_per_sample="100 kB", storage_bandwidth="0.5 GB/s")
    assert r.demand_bandwidth.to("GB/s").magnitude == pytest.approx(1.0)
    assert r.storage_rate.magnitude == pytest.approx(5000)
    assert r.stall_fraction == pytest.approx(0.5) and r.bottleneck == "Storage"
    assert r.throughput.magnitude == pytest.approx(5000)


def test_cpu_decode_wall_with_measured_rate():
    rate, src = decode_rate_per_core("image")
    assert rate == pytest.approx(551) and "pillow" in src  # median of 537, 726, 577, 360, 551
    r = D.solve("ImageNet1k", samples_per_second=20_000, cpu_cores=16)
    assert r.cpu_rate.magnitude == pytest.approx(16 * 551)
    assert r.bottleneck == "CPU" and r.stall_fraction == pytest.approx(1 - 16 * 551 / 20_000)
    assert r.cores_needed == pytest.approx(20_000 / 551)
    assert r.epoch_time.to("s").magnitude == pytest.approx(1281167 / (16 * 551))


def test_demand_from_model_and_no_stall():
    r = D.solve("ImageNet1k", model="ResNet50", hardware="A100", accelerators=2)
    assert r.bottleneck == "Accelerator" and r.stall_fraction == 0
    assert stall_fraction(2.0, 1.0) == 0.0


def test_user_dataset_and_errors():
    mine = Dataset(name="my clips", id="MyClips", modality="audio", samples=1000, size="1 GB")
    Datasets.register(mine)
    assert Datasets.get("MyClips").bytes_per_sample.to("MB").magnitude == pytest.approx(1.0)
    with pytest.raises(ConfigError, match="decode_rate_per_core"):
        D.solve("MyClips", samples_per_second=10, cpu_cores=4)
    with pytest.raises(ConfigError, match="bytes_per_sample"):
        D.solve("FineWeb", samples_per_second=10)
    with pytest.raises(ConfigError, match="size"):
        Dataset(name="x", size="-1 GB")
