"""docker-compose.yml as compose reads it, for the tests: every string value interpolated the way compose
does (`${X}`, `${X:-default}`, `${X:?message}`, `$$` for a literal `$`) from a given environment."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_IMAGE = "fm6ss-watch:latest"
_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")


class MissingVariable(KeyError):
    """A `${X:?message}` whose variable is unset or empty: compose refuses to start."""


def interpolate(value: str, env: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        found = env.get(name, "")
        if op == ":?" and not found:
            raise MissingVariable(f"{name}: {arg}")
        return found or (arg if op == ":-" else "")

    return _VARIABLE.sub(one, value)


def _walk(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_walk(item, env) for item in node]
    if isinstance(node, dict):
        return {key: _walk(value, env) for key, value in node.items()}
    return node


def raw() -> dict[str, Any]:
    """The file as written (variables not replaced)."""
    return dict(yaml.safe_load(COMPOSE_FILE.read_text()))


def load(env: Mapping[str, str]) -> dict[str, Any]:
    """The file with its variables replaced from `env`; MissingVariable for a required one unset."""
    return dict(_walk(raw(), env))


def app_services(compose: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run the project's image (`fm6ss <command>`)."""
    return {name: s for name, s in compose["services"].items() if s.get("image") == APP_IMAGE}
