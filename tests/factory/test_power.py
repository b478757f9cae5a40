"""Fleet sizing from the power envelope (factory/power.py), tested directly."""

from __future__ import annotations

import math

import pytest

from factory_app.factory.power import size_fleets
from factory_app.scenario.model import Fleet, Scenario, Site
from factory_app.serving.catalog import default_catalog

CAT = default_catalog()


def _site(mw: float = 10.0) -> Site:
    return Site(facility_power_mw=mw, pue=1.25, non_accelerator_share=0.2)


def test_the_power_chain_goes_both_ways():
    site = _site(10.0)
    assert site.it_power_mw == pytest.approx(8.0)
    assert site.accelerator_power_mw == pytest.approx(6.4)
    assert site.facility_power_for(site.accelerator_power_mw) == pytest.approx(10.0)
    assert site.it_power_for(6.4) == pytest.approx(8.0)
    assert site.facility_power_for(1000.0) == pytest.approx(1562.5)  # any unit: W in, W out


def test_whole_purchase_units_round_down():
    rack, board = CAT.platform("gb200"), CAT.platform("h100")
    assert rack.purchase_unit == 72 and board.purchase_unit == 8
    assert rack.whole_units(143.999999999) == 144  # within the float tolerance: 2 racks
    assert rack.whole_units(143.9) == 72
    assert rack.whole_units(71) == 0
    assert board.whole_units(17) == 16
    assert board.accelerators_for_power(0) == 0 and board.accelerators_for_power(-5.0) == 0


def test_a_power_sized_fleet_gets_its_share_in_whole_purchase_units():
    gb = CAT.platform("gb200")
    s = Scenario(site=_site(10.0), fleets=(Fleet(id="gb", platform="gb200", power_share=0.5),))
    (size,), warnings = size_fleets(s, CAT)
    budget_w = 0.5 * s.site.accelerator_power_mw * 1e6
    expected = math.floor(budget_w / gb.all_in_w.value) // gb.purchase_unit * gb.purchase_unit
    assert size.accelerators == expected == gb.accelerators_for_power(budget_w)
    assert size.accelerators % gb.purchase_unit == 0 and size.accelerator_power_w <= budget_w
    assert size.limited_by == "power" and warnings == ()


def test_count_fleets_share_what_the_power_fleets_leave_by_one_factor():
    h = CAT.platform("h100")
    s = Scenario(
        site=_site(1.0),
        fleets=(
            Fleet(id="p", platform="h100", power_share=0.5),
            Fleet(id="c1", platform="h100", sizing="count", accelerators=10_000),
            Fleet(id="c2", platform="h100", sizing="count", accelerators=30_000),
        ),
    )
    sizes, warnings = size_fleets(s, CAT)
    p, c1, c2 = sizes
    left_w = s.site.accelerator_power_mw * 1e6 - p.accelerator_power_w
    assert c1.accelerator_power_w + c2.accelerator_power_w <= left_w
    assert c1.requested == 10_000 and c2.requested == 30_000
    # one common factor: the ratio of the two counts survives (to within a purchase unit)
    assert c2.accelerators == pytest.approx(3 * c1.accelerators, abs=3 * h.purchase_unit)
    assert len(warnings) == 2 and all("reduced to" in w for w in warnings)


def test_a_count_is_rounded_down_to_purchase_units_with_a_warning():
    gb = CAT.platform("gb200")
    s = Scenario(site=_site(100.0), fleets=(Fleet(id="gb", platform="gb200", sizing="count", accelerators=100),))
    (size,), warnings = size_fleets(s, CAT)
    assert size.accelerators == gb.purchase_unit * (100 // gb.purchase_unit)
    assert warnings and "rounded down" in warnings[0]


def test_an_unknown_platform_has_no_accelerators_and_says_so():
    s = Scenario(site=_site(), fleets=(Fleet(id="x", platform="no-such-gpu", power_share=0.5),))
    (size,), warnings = size_fleets(s, CAT)
    assert size.accelerators == 0 and "unknown platform" in warnings[0]
