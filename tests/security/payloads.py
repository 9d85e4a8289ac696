"""The XSS corpus (xss_payloads.txt): one payload a line, read once for every test here."""

from pathlib import Path

PAYLOADS: list[str] = [
    line
    for line in (Path(__file__).with_name("xss_payloads.txt")).read_text().splitlines()
    if line.strip()
]
