"""The table of issue #14: each Kyros figure beside its same-run baseline, ratio and goal."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Row:
    path: str
    kyros: str
    baseline: str = "—"
    ratio: float | None = None
    goal: str = ""
    met: bool | None = None  # None: the row has no goal or no verdict

    @property
    def verdict(self) -> str:
        return {True: "[green]met[/]", False: "[red]not met[/]", None: ""}[self.met]


def rate(value: float, unit: str = "/s") -> str:
    return f"{value:,.0f}{unit}"


def latency(p50: float, p99: float) -> str:
    return f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"


def print_table(console: Console, title: str, rows: list[Row]) -> None:
    table = Table(title=title, show_lines=True)
    table.add_column("path")
    table.add_column("Kyros", justify="right")
    table.add_column("baseline, same run", justify="right")
    table.add_column("ratio", justify="right")
    table.add_column("goal")
    table.add_column("")
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}x"
        table.add_row(row.path, row.kyros, row.baseline, ratio, row.goal, row.verdict)
    console.print(table)
