"""Time value of money: the identities a finance analyst checks first (issue 14)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factory_app.factory.economics import capital_usd_per_year, networking_markup
from factory_app.factory.finance import (
    annualised_capital_usd_per_year,
    annuity_factor,
    discount_factors,
    discounted_payback_years,
    irr,
    npv,
    residual_share_at,
    straight_line_usd_per_year,
)
from factory_app.scenario.model import Site

RATES = st.floats(0.0, 1.0)
YEARS = st.integers(1, 30)
MONEY = st.floats(1.0, 1e11)


@settings(max_examples=200, deadline=None)
@given(rate=RATES, years=YEARS, capex=MONEY, share=st.floats(0.0, 1.0))
def test_annualised_capital_times_the_annuity_factor_is_capex_less_the_discounted_residual(rate, years, capex, share):
    residual = capex * share
    charge = annualised_capital_usd_per_year(capex, residual, rate, years)
    assert charge * annuity_factor(rate, years) == pytest.approx(capex - residual / (1 + rate) ** years, rel=1e-9, abs=1e-6)
    # the same charge, paid at the end of each year, is worth exactly the capital net of the residual
    paid = sum(charge / (1 + rate) ** t for t in range(1, years + 1))
    assert paid == pytest.approx(capex - residual / (1 + rate) ** years, rel=1e-9, abs=1e-6)


def test_annuity_factor_and_the_split_into_depreciation_and_financing():
    assert annuity_factor(0.0, 5) == 5 and annuity_factor(0.1, 0) == 0
    assert annuity_factor(0.10, 5) == pytest.approx(3.790787, rel=1e-6)  # textbook table value
    depreciation, financing = capital_usd_per_year(1000.0, 0.1, 5.0, 0.10)
    assert depreciation == pytest.approx(900.0 / 5) == straight_line_usd_per_year(1000.0, 100.0, 5.0)
    assert depreciation + financing == pytest.approx(annualised_capital_usd_per_year(1000.0, 100.0, 0.10, 5.0))
    assert financing > 0
    assert capital_usd_per_year(1000.0, 0.1, 5.0, 0.0)[1] == pytest.approx(0.0, abs=1e-12)  # free capital: no financing
    assert networking_markup(Site(networking_share=0.15)) == pytest.approx(0.15 / 0.85)


@settings(max_examples=200, deadline=None)
@given(flows=st.lists(st.floats(-1e9, 1e9), min_size=2, max_size=31), rate=RATES)
def test_npv_is_the_sum_of_the_discounted_flows(flows, rate):
    by_hand = sum(cf / (1 + rate) ** t for t, cf in enumerate(flows))
    assert npv(np.array(flows), rate) == pytest.approx(by_hand, rel=1e-9, abs=1e-3)
    assert discount_factors(rate, len(flows) - 1)[0] == 1.0


@settings(max_examples=300, deadline=None)
@given(capex=MONEY, inflows=st.lists(st.floats(0.0, 1e11), min_size=1, max_size=30))
def test_at_the_irr_the_cash_flows_discount_to_zero(capex, inflows):
    flows = np.array([-capex, *inflows])
    rate, count = irr(flows)
    if npv(flows, -0.9999) <= 0:  # loses more than 99.99% a year, or nothing comes back
        assert rate is None
        return
    assert rate is not None and count == 1  # a conventional project has one IRR
    assert abs(npv(flows, rate)) <= 1e-6 * max(capex, max(inflows))
    assert (npv(flows, 0.0) >= 0) == (rate >= -1e-9)  # positive undiscounted sum <=> IRR above zero


def test_irr_is_none_without_a_sign_change_and_counts_several_roots():
    assert irr(np.array([-100.0, -5.0, -5.0])) == (None, 0)
    assert irr(np.array([100.0, 5.0])) == (None, 0)
    rate, count = irr(np.array([-100.0, 110.0]))
    assert rate == pytest.approx(0.10, abs=1e-9) and count == 1
    # -100, +230, -132: NPV is zero at 10% and at 20% (a refresh year can make flows like these)
    rate, count = irr(np.array([-100.0, 230.0, -132.0]))
    assert count == 2 and rate == pytest.approx(0.10, abs=1e-9)


def test_discounted_payback_interpolates_within_the_year_it_recovers():
    assert discounted_payback_years(np.array([-100.0, 60.0, 60.0])) == pytest.approx(1 + 40 / 60)
    assert discounted_payback_years(np.array([-100.0, 50.0, 30.0])) is None
    assert discounted_payback_years(np.array([0.0, 5.0])) == 0.0
    # recovers, dips again at a refresh, recovers for good: the last recovery counts
    assert discounted_payback_years(np.array([-100.0, 150.0, -80.0, 60.0])) == pytest.approx(2 + 30 / 60)


def test_residual_value_runs_on_a_straight_line_to_its_end_share():
    assert residual_share_at(0, 5, 0.1) == 1.0
    assert residual_share_at(5, 5, 0.1) == pytest.approx(0.1) and residual_share_at(9, 5, 0.1) == pytest.approx(0.1)
    assert residual_share_at(np.array([1, 2, 3, 4]), 5, 0.1) == pytest.approx([0.82, 0.64, 0.46, 0.28])
    assert math.isclose(residual_share_at(2.5, 5.0, 0.0), 0.5)
