import math

import pytest

from mlsysim.core.units import Q_, parse_quantity, ureg


def test_one_registry_and_ml_units():
    import pint

    assert pint.get_application_registry().get() is ureg or pint.get_application_registry() is not None
    q = (Q_("989.4 TFLOP/s") / Q_("700 W")).to("TFLOPs/s/kW")
    assert math.isclose(q.magnitude, 1413.43, rel_tol=1e-4)
    assert Q_("1 TOPS").to("OP/s").magnitude == 1e12
    assert Q_("3 token/s").dimensionality == (Q_("1 token") / Q_("1 s")).dimensionality
    assert Q_("1 tCO2e").to("kgCO2e").magnitude == 1000
    assert Q_("1 kWh").to("J").magnitude == 3.6e6
    assert Q_("1 param").dimensionality != Q_("1 token").dimensionality


def test_gb_is_not_gib():
    assert Q_("1 GB").to("B").magnitude == 1e9
    assert Q_("1 GiB").to("B").magnitude == 2**30
    assert math.isclose(Q_("80 GB").to("GiB").magnitude, 74.505806, rel_tol=1e-6)
    assert Q_("400 Gbit/s").to("GB/s").magnitude == 50


@pytest.mark.parametrize("text,dim,msg", [
    ("3 TB", "bandwidth", "expected a bandwidth"),
    ("nan TB/s", "bandwidth", "NaN"),
    ("inf W", "power", "infinite"),
    ("-2 W", "power", "negative"),
    ("0 GB", "information", "greater than zero"),
    ("3 XB/s", "bandwidth", "unknown unit"),
    ("", "time", "empty"),
    ("989 TFLOPs", "compute_rate", "a rate needs '/s'"),
])
def test_parse_rejects(text, dim, msg):
    with pytest.raises(ValueError, match=msg):
        parse_quantity(text, dim)


def test_parse_accepts_other_units_and_quantities():
    assert parse_quantity("1024 MiB", "information").to("B").magnitude == 2**30
    assert parse_quantity(Q_(2, "ms"), "time").to("s").magnitude == 0.002
    with pytest.raises(ValueError, match="bare number"):
        parse_quantity(5, "time")
