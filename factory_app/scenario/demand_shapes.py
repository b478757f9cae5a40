"""24-hour demand shapes: multipliers on a workload's mean demand, hour by hour (00 to 23 h,
local time of the site), each averaging 1.

A workload names a template (``demand_shape``) or says ``custom`` and gives its own 24 values
(``demand_hourly``). The templates are stylised, and each says where it comes from; the figures
behind them are in ``resources/reference/finance.json`` (topic ``utilisation``).
"""

from __future__ import annotations

from dataclasses import dataclass

HOURS = 24
#: A custom shape may average 1 within this much (values typed to two decimals); it is used
#: divided by its mean, so the mean demand is what the workload states.
MEAN_TOLERANCE = 0.005
CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class DemandShape:
    id: str
    label: str
    values: tuple[float, ...]
    source: str


# The finance reference's proposed default: peak 1.30 at 14-15 h, trough 0.60 at 03-04 h,
# an evening shoulder at 20 h (mean 1.0004 as published).
_DAYTIME = (0.80, 0.70, 0.64, 0.60, 0.60, 0.62, 0.70, 0.85, 1.00, 1.15, 1.25, 1.28,
            1.22, 1.25, 1.30, 1.30, 1.25, 1.15, 1.08, 1.10, 1.15, 1.12, 1.00, 0.90)
# Consumer chat: low mornings, a peak of 1.45 at 20-21 h, trough 0.52 at 04-05 h (stylised,
# inside the ServeGen peak/mean 1.14-1.46 and the DeepSeek-R1 trough/mean 0.45).
_EVENING = (0.90, 0.75, 0.62, 0.56, 0.52, 0.52, 0.60, 0.74, 0.86, 1.00, 1.05, 1.10,
            1.10, 1.10, 1.08, 1.08, 1.17, 1.20, 1.30, 1.40, 1.45, 1.45, 1.35, 1.10)
# Follow-the-sun: the daytime shape of three regions in the site's (US Eastern) local time,
# weighted 50% Americas, 30% Europe (6 h ahead), 20% Asia (13 h ahead).
_REGIONS = ((0.5, 0), (0.3, 6), (0.2, 13))
_FOLLOW = tuple(round(sum(w * _DAYTIME[(h + shift) % HOURS] for w, shift in _REGIONS), 4) for h in range(HOURS))

_SERVEGEN = ("ServeGen (Alibaba Bailian, 14 days, derived): average-day peak/mean 1.14-1.46, trough/mean 0.66-0.84; "
             "DeepSeek fleet peak/mean 1.23 (resources/reference/finance.json, topic utilisation)")

SHAPES: dict[str, DemandShape] = {
    s.id: s
    for s in (
        DemandShape("daytime", "Business hours (US daytime peak)", _DAYTIME,
                    "Proposed default of resources/reference/finance.md (stylised): peak 1.30 at 14-15 h, trough 0.60 "
                    "at 03-04 h; US LLM API load peaks 8am-2pm ET, trough midnight-6am ET. " + _SERVEGEN),
        DemandShape("evening", "Consumer evening peak", _EVENING,
                    "Stylised (ours): consumer chat peaking at 20-21 h at 1.45x the mean, trough 0.52 at 04-05 h. " + _SERVEGEN),
        DemandShape("follow-the-sun", "Global follow-the-sun", _FOLLOW,
                    "Derived (ours): the business-hours shape of the Americas (50%), Europe (30%, 6 h ahead) and Asia "
                    "(20%, 13 h ahead) added in the site's local time: peak/mean about 1.1."),
        DemandShape("flat", "Flat (take-or-pay, batch backfill)", (1.0,) * HOURS,
                    "Constant load: a rented or take-or-pay contract, or batch and training work filling the night."),
    )
}

#: The shape a workload gets when it names none.
DEFAULT_SHAPE = "daytime"
#: Every value ``demand_shape`` may take.
SHAPE_CHOICES = (*SHAPES, CUSTOM)


def shape_values(shape: str, hourly: tuple[float, ...] = ()) -> tuple[float, ...]:
    """The 24 multipliers of a template, or ``hourly`` for ``custom`` (not normalised)."""
    return tuple(hourly) if shape == CUSTOM else SHAPES[shape].values


__all__ = ["CUSTOM", "DEFAULT_SHAPE", "DemandShape", "HOURS", "MEAN_TOLERANCE", "SHAPES", "SHAPE_CHOICES", "shape_values"]
