"""AI Orchestrator gateway: a thin Litestar app that maps HTTP routes onto `api.*` functions."""

__version__ = "1.1.0"
