"""Sweeps by parameter path: the code path of `factory-app sweep`."""

from __future__ import annotations

import pytest

from factory_app.factory.evaluation import evaluate_factory
from factory_app.factory.results import TOTAL_KEYS
from factory_app.io.scenario_file import load_scenario
from factory_app.resources import resource_path
from factory_app.scenario.fields import ValidationError
from factory_app.factory.sweep import parse_vary, point_count, run_sweep, sweep_columns

ISO = resource_path("examples", "iso-power-hopper-vs-gb200.json")


def test_parse_vary():
    axis = parse_vary("site.electricity_usd_per_kwh=0.04:0.12:5")
    assert axis.values() == pytest.approx([0.04, 0.06, 0.08, 0.10, 0.12])
    isl = parse_vary("workloads.r1-hopper.isl=100:1000:4")
    assert isl.integer and isl.values() == [100, 400, 700, 1000] and all(type(v) is int for v in isl.values())
    assert parse_vary("fleets[0].power_share=0.2:0.2:1").values() == [0.2]


@pytest.mark.parametrize(
    "text,message",
    [
        ("site.pue", "site.pue: must be PATH=START:STOP:STEPS"),
        ("site.pue=1:2", "site.pue=1:2: must be PATH=START:STOP:STEPS"),
        ("site.nope=1:2:3", "site.nope: is not a numeric parameter (numeric fields here: facility_power_mw"),
        ("fleets[0].platform=1:2:3", "fleets[0].platform: is not a numeric parameter"),
        ("name=1:2:3", "name: is not a numeric parameter"),
        ("site.pue=1:x:3", "site.pue: STOP must be a number, got 'x'"),
        ("site.pue=1:nan:3", "site.pue: STOP must be a finite number"),
        ("site.pue=1:2:0", "site.pue: STEPS must be a whole number from 1 to 100,000, got '0'"),
        ("site.pue=1:2:2.5", "site.pue: STEPS must be a whole number"),
        ("site.pue=0.5:2:3", "site.pue: must be between 1 and 3, got 0.5"),
        ("fleet.x.pue=1:2:3", "fleet.x.pue: is not a parameter path"),
    ],
)
def test_bad_axes_name_their_path(text, message):
    with pytest.raises(ValidationError) as err:
        parse_vary(text)
    assert str(err.value).startswith(message)


def test_sweep_rows_and_energy_cost_rising_with_the_electricity_price():
    s = load_scenario(ISO)
    axes = [parse_vary("site.electricity_usd_per_kwh=0.02:0.2:10"), parse_vary("fleets.hopper.life_years=4:6:3")]
    seen = []
    rows = run_sweep(s, axes, progress=lambda done, total: seen.append((done, total)))
    assert len(rows) == point_count(axes) == 30 and seen[-1] == (30, 30)
    columns = sweep_columns(axes)
    assert columns == ("site.electricity_usd_per_kwh", "fleets.hopper.life_years", *TOTAL_KEYS)
    assert all(len(r) == len(columns) for r in rows)
    cost = columns.index("cost_usd_per_year")
    revenue = columns.index("revenue_usd_per_year")
    at_life_5 = [r for r in rows if r[1] == 5.0]  # first axis varies slowest
    assert [r[0] for r in at_life_5] == sorted(r[0] for r in at_life_5)
    costs = [r[cost] for r in at_life_5]
    assert all(b > a for a, b in zip(costs, costs[1:]))
    assert len({r[revenue] for r in rows}) == 1  # the price of power does not change the tokens


def test_a_refused_value_stops_the_sweep_naming_the_path():
    s = load_scenario(ISO)
    with pytest.raises(ValidationError, match=r"^fleets\[0\]\.power_share: 0\.75 is refused: \$\.fleets: power shares"):
        run_sweep(s, [parse_vary("fleets[0].power_share=0.25:0.75:3")])
    with pytest.raises(ValidationError, match=r"^workloads\.nope\.isl: no workload with id 'nope'"):
        run_sweep(s, [parse_vary("workloads.nope.isl=1:2:2")])
    with pytest.raises(ValidationError, match="is varied twice"):
        run_sweep(s, [parse_vary("site.pue=1:2:2"), parse_vary("site.pue=1:2:2")])


def test_a_sweep_of_money_numbers_is_the_evaluation_of_each_point():
    """Prices, rates and lives are swept as samples of one structure: every row is what
    evaluate_factory gives for that point (lives rounding to other whole years included)."""
    from factory_app.scenario.document import ScenarioDocument

    scenario = load_scenario(resource_path("examples", "refresh-blackwell-to-rubin.json"))
    axes = [parse_vary("site.wacc=0.06:0.14:3"), parse_vary("fleets[0].life_years=3.4:5.6:3"),
            parse_vary("workloads[1].price_out_usd_per_mtok=0.5:2:2")]
    rows = run_sweep(scenario, axes)
    assert len(rows) == 18
    for row in rows[::5]:
        doc = ScenarioDocument(scenario)
        for axis, value in zip(axes, row):
            doc.set_path(axis.path, value)
        totals = evaluate_factory(doc.scenario).totals
        for key, value in zip(TOTAL_KEYS, row[len(axes):]):
            expected = totals[key]
            assert (value is None) == (expected is None), key
            if value is not None:
                assert value == pytest.approx(expected, rel=1e-9, abs=1e-6), key
