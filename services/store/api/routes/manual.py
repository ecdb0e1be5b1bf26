"""Store, API: operators' corrections of agreements (token required): merge, split, correct fields."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from services.store.api.deps import (
    BODY_PROBLEMS,
    MAX_ID,
    MOVED,
    EngineDep,
    Id,
    Operator,
    Problem,
    RequestBody,
    merged_redirect,
    operators_router,
)
from services.store.db.unit_of_work import UnitOfWork, unit_of_work
from services.store.operations.manual import (
    Correction,
    ManualError,
    correct_fields,
    merge_agreements,
    split_agreement,
)
from services.store.records.presenters import agreement_detail
from services.store.records.schemas import AgreementDetail

operators = operators_router()


class MergeRequest(RequestBody):
    other_id: int = Field(ge=1, le=MAX_ID, description="the agreement folded into this one, then deleted")


class SplitRequest(RequestBody):
    article_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=1, max_length=1000, description="reports moved to a new agreement"
    )


class SplitResult(BaseModel):
    id: int


@operators.post(
    "/agreements/{agreement_id}/merge",
    response_model=AgreementDetail,
    tags=["operators"],
    dependencies=[Operator],
    responses={308: MOVED, 404: {"model": Problem}, 409: {"model": Problem}, **BODY_PROBLEMS},
)
def merge(agreement_id: Id, body: MergeRequest, engine: EngineDep, request: Request) -> Any:
    return _operate(engine, request, agreement_id, merge_agreements, body.other_id)


@operators.post(
    "/agreements/{agreement_id}/split",
    response_model=SplitResult,
    tags=["operators"],
    dependencies=[Operator],
    responses={308: MOVED, 404: {"model": Problem}, 409: {"model": Problem}, **BODY_PROBLEMS},
)
def split(agreement_id: Id, body: SplitRequest, engine: EngineDep, request: Request) -> Any:
    with unit_of_work(engine) as uow:
        try:
            return SplitResult(id=split_agreement(uow, agreement_id, body.article_ids))
        except ManualError as exc:
            return _moved_or_problem(uow, request, agreement_id, exc)


@operators.patch(
    "/agreements/{agreement_id}",
    response_model=AgreementDetail,
    tags=["operators"],
    dependencies=[Operator],
    responses={308: MOVED, 404: {"model": Problem}, 409: {"model": Problem}, **BODY_PROBLEMS},
)
def correct(
    agreement_id: Id, body: Annotated[Correction, Body()], engine: EngineDep, request: Request
) -> Any:
    values = body.model_dump(mode="json", exclude_unset=True)
    return _operate(engine, request, agreement_id, correct_fields, values)


def _manual_problem(exc: ManualError) -> HTTPException:
    status = 404 if str(exc).startswith("no agreement") else 409
    return HTTPException(status_code=status, detail=str(exc))


def _moved_or_problem(uow: UnitOfWork, request: Request, agreement_id: int, exc: ManualError) -> Any:
    """An agreement merged into another answers 308 there, the same request to the same action."""
    if str(exc) == f"no agreement {agreement_id}":
        then = request.url.path.rsplit(f"/agreements/{agreement_id}", 1)[-1]
        moved = merged_redirect(uow, request, agreement_id, then)
        if moved is not None:
            return moved
    raise _manual_problem(exc) from None


def _operate(engine: Engine, request: Request, agreement_id: int, action: Any, argument: Any) -> Any:
    with unit_of_work(engine) as uow:
        try:
            action(uow, agreement_id, argument)
        except ManualError as exc:
            return _moved_or_problem(uow, request, agreement_id, exc)
        agreement = uow.agreements.get(agreement_id)
        assert agreement is not None
        return agreement_detail(uow, agreement)
