"""The modelling engine: numpy and the standard library only (no Qt, checked by tests)."""
