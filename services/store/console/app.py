"""The console: HTML pages under /ui of the API's own process, for people who would rather look than
read JSON. It reads through the same repositories and presenters as the API and writes nothing;
operators' actions stay in the API and the CLI.

It is an app of its own mounted on the API, so its headers, its login and its error pages apply to
/ui alone and the API's JSON answers stay as they are.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError

from services.store.console import agreements, articles, crawling, organizations, security
from services.store.console.charts import Pictures
from services.store.console.web import HERE, render

PREFIX = "/ui"


class LoginNeeded(Exception):
    """A page asked for without the read token's cookie."""


def _logged_in(request: Request) -> None:
    if not security.allowed(request, request.app.state.store_settings):
        raise LoginNeeded


def create_console(api: FastAPI) -> FastAPI:
    """The console over the API's engine, settings and explainer."""
    ui = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    ui.state.engine = api.state.engine
    ui.state.store_settings = api.state.store_settings
    ui.state.explainer = api.state.explainer
    ui.state.pictures = Pictures()
    ui.add_middleware(security.SecurityHeaders)
    ui.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    ui.include_router(security.router)
    for module in (agreements, organizations, crawling, articles):
        ui.include_router(module.router, dependencies=[Depends(_logged_in)])
    ui.add_exception_handler(LoginNeeded, _login)  # type: ignore[arg-type]
    ui.add_exception_handler(HTTPException, _problem)  # type: ignore[arg-type]
    ui.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    ui.add_exception_handler(OperationalError, _database_down)  # type: ignore[arg-type]
    # Anything else: Starlette answers it outside the middleware, so the headers are set here.
    ui.add_exception_handler(Exception, _failed)
    return ui


def mount_console(api: FastAPI) -> FastAPI:
    """`api` with the console under /ui (and /ui itself sent to its first page, with the same headers)."""

    @api.get(PREFIX, include_in_schema=False)
    def _enter() -> Response:
        return RedirectResponse(f"{PREFIX}/agreements", status_code=303, headers=security.HEADERS)

    api.mount(PREFIX, create_console(api))
    return api


async def _login(request: Request, _exc: LoginNeeded) -> Response:
    return security.login_redirect(request)


async def _problem(request: Request, exc: HTTPException) -> Response:
    title = {404: "Not found", 422: "Not understood"}.get(exc.status_code, "Error")
    return render(request, "error.html", status=exc.status_code, title=title, message=str(exc.detail))


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    message = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
    return render(request, "error.html", status=422, title="Not understood", message=message)


async def _database_down(request: Request, exc: OperationalError) -> Response:
    message = f"The database is unavailable ({type(exc.orig).__name__}); try again shortly."
    return render(request, "error.html", status=503, title="Unavailable", message=message)


async def _failed(request: Request, exc: Exception) -> Response:
    """An error no page expected: a page saying so, with the console's headers (the server's log has the
    traceback; the page shows none of it)."""
    message = "Something went wrong on the server; its log says what. Try again, or go back."
    response = render(request, "error.html", status=500, title="Error", message=message)
    response.headers.update(security.HEADERS)
    return response
