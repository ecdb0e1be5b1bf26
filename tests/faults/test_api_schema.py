"""Hostile input at the HTTP API: schemathesis fuzzes every operation of the OpenAPI description served by
a real `fm6ss api` process (PostgreSQL with the seed articles stored, a private Redis as broker with no
worker), with and without the operator token, one operation at a time and then in sequences (its stateful
phase: the links it infers between operations, such as a source put then patched and deleted, or an
agreement listed then corrected, merged and split). No answer may be a server error, and every answer must
match the description (status code, content type, body schema); operator endpoints answer 401 without the
token.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from services.bus.settings import Settings
from services.store.api.main import create_api
from services.store.db.engine import make_engine
from services.store.db.unit_of_work import UnitOfWork
from services.store.settings import StoreSettings
from tests.e2e.conftest import FM6SS, ROOT, TOKEN, Stack
from tests.faults.conftest import RedisServer, truncate
from tests.servers import free_port

pytestmark = pytest.mark.faults

READ_TOKEN = "reader-token-for-schema-tests-01"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# The tokens are set by the test, not generated. Negative cases may add query parameters an operation
# does not take: each must be refused (a 422).
CONFIG = schemathesis.Config.from_dict(
    {"generation": {"with-security-parameters": False, "allow-extra-parameters": True}}
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def _cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([FM6SS, *args], env=env, cwd=ROOT, capture_output=True, timeout=300)
    assert done.returncode == 0, (args, done.stderr.decode(errors="replace")[-2000:])


def stored_data(db_url: str, shared_dir: Path, tmp: Path) -> dict[str, str]:
    """The seed articles imported (embedded mode), the packaged sources, and one dead letter."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FM6SS_") or k == "FM6SS_SHARED_DIR"},
        "FM6SS_DATA_DIR": str(tmp / "data"),
        "FM6SS_DATABASE_URL": db_url,
        "FM6SS_LOG_LEVEL": "WARNING",
    }
    seeds = tmp / "seeds"
    subprocess.run(
        [sys.executable, str(shared_dir / "eval" / "seeds_to_jsonl.py"), str(seeds)],
        check=True,
        capture_output=True,
    )
    _cli(env, "import", str(seeds / "seeds.jsonl"), "--no-progress")
    _cli(env, "sources", "sync")
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            UnitOfWork(session).feed.add_dead_letter(
                "store.ingest_article", {"url": "https://exemple.ma/article"}, "ValueError: essai", 5
            )
            session.commit()
    finally:
        engine.dispose()
    return env


def start_api(base_env: dict[str, str], broker_url: str, tmp: Path, name: str, **extra: str) -> Stack:
    env = {**base_env, "FM6SS_BROKER_URL": broker_url, "FM6SS_API_TOKEN": TOKEN, **extra}
    logs = tmp / "logs"
    logs.mkdir(exist_ok=True)
    stack = Stack(env=env, logs=logs)
    stack.start_api(name)
    return stack


@pytest.fixture(scope="module")
def served(
    pg_schema_url: str, shared_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Stack]]:
    """Two API processes over the same data: reads public, and reads behind FM6SS_API_READ_TOKEN."""
    truncate(pg_schema_url)
    tmp = tmp_path_factory.mktemp("api-schema")
    env = stored_data(pg_schema_url, shared_dir, tmp)
    broker = RedisServer(free_port())
    broker.start()
    stacks: dict[str, Stack] = {}
    try:
        stacks["public"] = start_api(env, broker.url, tmp, "api-public")
        stacks["private"] = start_api(env, broker.url, tmp, "api-private", FM6SS_API_READ_TOKEN=READ_TOKEN)
        with stacks["public"].client() as api:  # one crawl run, queued on the broker (no worker takes it)
            assert api.post("/recrawls", json={"all": True}).status_code == 202
            assert len(api.get("/agreements").json()["items"]) == 5  # one per seed
        yield stacks
    finally:
        for stack in stacks.values():
            for name in list(stack.procs):
                stack.stop(name)
        broker.kill()
        truncate(pg_schema_url)


def _security(api_url: str) -> dict[tuple[str, str], set[str]]:
    spec = httpx.get(f"{api_url}/openapi.json", timeout=30).json()
    return {
        (method.upper(), path): {name for requirement in op.get("security", []) for name in requirement}
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    }


def _concrete(path: str) -> str:
    return (
        path.replace("{name}", "map-express-fr")
        .replace("_id}", "}")
        .format(agreement=1, run=1, letter=1, article=1)
    )


def test_reads_follow_the_read_token_setting(served: dict[str, Stack]) -> None:
    public, private = served["public"].api_url, served["private"].api_url
    reads = [op for op, schemes in _security(private).items() if "ReadToken" in schemes]
    assert {path for _, path in reads} >= {"/agreements", "/articles", "/changes", "/crawl-runs", "/sources"}
    assert not any(_security(public)[op] for op in reads), "public reads must not ask for a token"
    first = httpx.get(f"{public}/agreements", timeout=30).json()["items"][0]["id"]
    article = httpx.get(f"{public}/articles", timeout=30).json()["items"][0]["id"]
    for method, template in [*reads, ("GET", "/metrics")]:
        path = _concrete(template).replace("/agreements/1", f"/agreements/{first}")
        path = path.replace("/articles/1/", f"/articles/{article}/")
        assert httpx.request(method, f"{public}{path}", timeout=30).status_code == 200, path
        refused = httpx.request(method, f"{private}{path}", timeout=30)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer", path
        wrong = {"Authorization": "Bearer reader-token-for-schema-tests-02"}
        assert httpx.request(method, f"{private}{path}", headers=wrong, timeout=30).status_code == 401
        for token in (READ_TOKEN, TOKEN):
            auth = {"Authorization": f"Bearer {token}"}
            assert httpx.request(method, f"{private}{path}", headers=auth, timeout=30).status_code == 200
    assert httpx.get(f"{private}/healthz", timeout=30).status_code == 200
    reader = {"Authorization": f"Bearer {READ_TOKEN}"}
    assert httpx.post(f"{private}/reparse", json={}, headers=reader, timeout=30).status_code == 401


def test_operator_endpoints_answer_401_without_the_token_whatever_else(
    served: dict[str, Stack],
) -> None:
    api = served["public"].api_url
    operators = [op for op, schemes in _security(api).items() if "OperatorToken" in schemes]
    assert len(operators) == 10, operators
    before = httpx.get(f"{api}/sources", timeout=30).json()
    attempts = [
        {},
        {"headers": {"Authorization": "Bearer operator-token-for-e2e-tests-02"}},
        {"headers": {"Authorization": TOKEN}},  # the token without its scheme
        {"headers": {"Authorization": f"Basic {TOKEN}"}},
        {"content": b"\xff{not json", "headers": {"Content-Type": "application/json"}},
        {"json": {"all": True, "enabled": False, "other_id": 2, "article_ids": [1], "place": "Fès"}},
    ]
    for method, template in operators:
        for attempt in attempts:
            answer = httpx.request(method, f"{api}{_concrete(template)}", timeout=30, **attempt)
            assert answer.status_code == 401, (method, template, attempt, answer.text)
    assert httpx.get(f"{api}/sources", timeout=30).json() == before


@pytest.fixture(scope="module")
def api_schema(served: dict[str, Stack]) -> Any:
    loaded = schemathesis.openapi.from_url(f"{served['public'].api_url}/openapi.json", config=CONFIG)
    served_operations = {(op.method.upper(), op.path) for op in (r.ok() for r in loaded.get_all_operations())}
    assert served_operations == set(OPERATIONS), "the served description differs from the app's"
    return loaded


def _operations() -> list[tuple[str, str]]:
    """The app's operations, known at collection time (the served description is checked against it)."""
    app = create_api(
        Settings(), make_engine("sqlite://"), StoreSettings(api_token=TOKEN, api_read_token=None)
    )
    return [(m.upper(), path) for path, ops in app.openapi()["paths"].items() for m in ops]


OPERATIONS = _operations()


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_error_and_answers_match_the_schema(api_schema: Any, method: str, path: str) -> None:
    """Every operation, fuzzed with valid and invalid input: with the operator token, then without it."""
    operation = api_schema[path][method]
    operator = bool(operation.definition.raw.get("security"))
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @given(case=cases, existing=st.none() | st.integers(min_value=1, max_value=6))
    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def fuzz(case: Any, existing: int | None) -> None:
        if existing is not None and case.path_parameters:
            # Most generated ids name nothing; these name stored rows, so the 200 paths are fuzzed too.
            for name in list(case.path_parameters):
                if name.endswith("_id"):
                    case.path_parameters[name] = existing
        response = case.call(headers=AUTH, timeout=60)
        case.validate_response(response, checks=CHECKS, headers=AUTH)
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        anonymous = case.call(timeout=60)
        if operator:
            assert anonymous.status_code == 401, (operation.label, anonymous.status_code, anonymous.text)
        else:
            case.validate_response(anonymous, checks=CHECKS)

    fuzz()


@pytest.mark.parametrize("token", ["operator", "anonymous"])
def test_sequences_of_operations_find_no_server_error(api_schema: Any, token: str) -> None:
    """Schemathesis's stateful phase: chains of operations along the links it infers from the description
    (ids and names one answer gives and the next request uses), with the token and without it."""
    headers = AUTH if token == "operator" else {}
    machine = api_schema.as_state_machine()
    assert api_schema.statistic.transitions.total >= 15, "links between operations were inferred"
    seen: set[tuple[str, int]] = set()

    class Sequences(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers, "timeout": 60}

        def validate_response(self, response: Any, case: Any, **_: Any) -> None:
            seen.add((case.operation.label, response.status_code))
            case.validate_response(response, checks=CHECKS, headers=headers)
            if not headers and case.operation.definition.raw.get("security"):
                assert response.status_code == 401, (case.operation.label, response.status_code)

    Sequences.run(
        settings=settings(
            max_examples=40,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
    print("FIGURES", token, {"operations": len({label for label, _ in seen}), "answers": sorted(seen)})
    assert len({label for label, _ in seen}) >= 10, seen
