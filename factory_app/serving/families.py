"""Platform families (hopper, blackwell, cdna3, tpu...) as people write them."""

from __future__ import annotations


def family_label(family: str) -> str:
    """A platform family as people write it: hopper -> Hopper, tpu -> TPU, cdna3 -> CDNA3."""
    return family.upper() if len(family) <= 5 and any(c.isdigit() for c in family) or len(family) <= 3 else family.capitalize()


__all__ = ["family_label"]
