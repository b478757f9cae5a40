"""The optimiser: power among fleets and fleets among workloads, for margin.

``simplex`` is the linear-programming solver; ``split`` builds the factory's LP and turns its
answer back into shares.
"""
