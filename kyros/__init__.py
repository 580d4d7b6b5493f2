"""Kyros: an open control plane for AI coding agents."""

__version__ = "0.1.0"
