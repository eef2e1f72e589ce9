"""dbtgate: the quality gate a dbt team puts in front of main."""

__version__ = "0.1.0"
