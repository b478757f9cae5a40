"""Money as finance writes it: the sign before the dollar, never '$-57.6 M'."""
import pytest

from factory_app.io import number_format as fmt


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (fmt.usd(-57.6e6), "-$57.6 M"),
        (fmt.usd(1.33e9), "$1.33 B"),
        (fmt.usd_per_year(-3e5), "-$300 k/yr"),
        (fmt.metric("npv_usd", -57.6e6), "-$57.6 M"),
        (fmt.metric_value("revenue_usd_per_watt_year", -3.2), "-$3.20"),
        (fmt.metric_value("cost_usd_per_million_tokens", 0.245), "$0.245"),
        (fmt.input_value("USD per MW", -2e6), "-$2.00 M per MW"),
        (fmt.usd(-0.0), "$0"),
    ],
)
def test_money_keeps_its_sign_before_the_dollar(text: str, expected: str) -> None:
    assert text == expected
