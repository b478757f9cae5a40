"""The factory: a scenario evaluated into tokens, power and money.

Sizing fleets from the power envelope, operating points per fleet x workload, demand, economics,
the optimiser, frontier curves for charts and sweeps. Uses ``serving`` and ``scenario``; numpy and
the standard library only.
"""
