"""Step 1's input: the configured sources (feeds, sitemaps, listing pages), read from a YAML file.

The packaged data/sources.yaml is the default; FM6SS_CRAWLER_SOURCES_FILE points to another.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from services.bus.messages import SourceInput, SourceSpec

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "sources.yaml"


class SourcesError(ValueError):
    pass


def load_sources(path: Path | None = None) -> list[SourceSpec]:
    """Every source in the file, validated; a bad entry names the file, its position and its name."""
    path = path or DEFAULT_FILE
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SourcesError(f"{path}: cannot read sources: {exc}") from None
    entries = document.get("sources") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise SourcesError(f"{path}: expected a mapping with a 'sources' list")
    specs = [_spec(path, index, entry) for index, entry in enumerate(entries, start=1)]
    _check_unique(path, specs)
    return specs


def _spec(path: Path, index: int, entry: Any) -> SourceSpec:
    """An entry read as operators' sources are (`SourceInput`: the CLI's and the API's checks)."""
    where = f"{path}: source #{index}"
    if isinstance(entry, dict) and "name" in entry:
        where += f" ({entry['name']!r})"
    try:
        return SourceInput.model_validate(entry)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise SourcesError(f"{where}: {problems}") from None


def _check_unique(path: Path, specs: list[SourceSpec]) -> None:
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise SourcesError(f"{path}: source name {spec.name!r} is used twice")
        seen.add(spec.name)
