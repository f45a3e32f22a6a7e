"""Plain-text tables and the description of the machine the numbers came from."""

from __future__ import annotations

import os
import platform
import sqlite3
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, numeric: bool = True) -> str:
    """A pipe table: the first column left-aligned, the others right-aligned if ``numeric``."""
    cells = [[str(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        padded = [
            cell.rjust(width) if i and numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (width + 1) + ":" if i and numeric else "-" * (width + 2)
            for i, width in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def database_description() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version} ({connection.settings_dict['NAME']})"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version')")
            server = cursor.fetchone()[0]
        params = connection.settings_dict
        return f"PostgreSQL {server} ({params['NAME']} on {params['HOST']}:{params['PORT']})"
    return connection.vendor


def environment(mode: str, extra: Sequence[tuple[str, str]] = ()) -> str:
    from django.conf import settings

    rows = [
        ("mode", mode),
        (
            "Python",
            f"{platform.python_version()} ({platform.python_implementation()}, "
            f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs)",
        ),
        ("SpiffWorkflow", package_version("SpiffWorkflow")),
        ("Django", package_version("Django")),
        ("Celery", package_version("celery")),
        ("database", database_description()),
        ("Django DEBUG", str(settings.DEBUG)),
        ("load average at start", " ".join(f"{load:.2f}" for load in os.getloadavg())),
        *extra,
    ]
    return table(("machine", "value"), rows, numeric=False)
