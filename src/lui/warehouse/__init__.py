"""Warehouse: dbt builds and publication of the marts."""
