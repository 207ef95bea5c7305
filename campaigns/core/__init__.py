"""Shared building blocks that every feature may use and that import no feature."""
