"""Reporters: each renders the gate result into one output format (markdown, SARIF, GitHub, ...)."""
