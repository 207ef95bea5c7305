"""Cells for CSV files that people open in a spreadsheet.

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as
a formula (OWASP, "CSV Injection"). A single quote in front makes Excel, LibreOffice and Google
Sheets show the text as it was typed, so every CSV file we hand out neutralizes its cells.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """`value` as text, with a quote in front when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
