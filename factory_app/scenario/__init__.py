"""The document a user edits: site, fleets, workloads, assignments (no Qt)."""
