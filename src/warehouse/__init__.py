"""Python tooling for the warehouse dbt project."""

__version__ = "0.1.0"
