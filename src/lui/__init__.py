"""Levelling Up Index warehouse tooling."""
