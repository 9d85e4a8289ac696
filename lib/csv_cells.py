"""Cells of CSV files people open in spreadsheets."""


def cell(value: str | None) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: quote them."""
    text = value or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
