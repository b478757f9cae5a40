"""How sure are we: ranges on inputs, Latin hypercube sampling with rank correlation, tornado and
Monte Carlo over the factory's headline figures (numpy only)."""
