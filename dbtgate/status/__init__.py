"""What the last build did and how the team is doing: run status, source freshness, KPIs, trend.

The policy checks read what a project declares; these read what dbt reported when it ran
(run_results.json, sources.json) and turn the project and its last run into a scorecard.
"""
