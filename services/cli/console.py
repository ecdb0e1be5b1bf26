"""The standard-error console of the commands that show a progress bar (`run`, `import`, `reparse`).

Their messages go through the same console as the bar, so that a line printed mid-run lands above it.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

err = Console(stderr=True)


def progress_bar(enabled: bool, total: int) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled or total < 2,
        transient=True,
    )
