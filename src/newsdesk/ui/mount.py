"""Mounting the desk into the service app: routers, static files and error pages."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from newsdesk.lifecycle.runtime import ModelLifecycle
from newsdesk.store.engine import Store
from newsdesk.ui.auth import DeskError, SignInRequired, sign_in_url
from newsdesk.ui.desk import Desk
from newsdesk.ui.pages import redirect, render
from newsdesk.ui.routes import article, dashboard, models, public, queue, signin
from newsdesk.ui.settings import DeskSettings

__all__ = ["ROUTERS", "mount_desk"]

# Every router of the desk (the tests walk these for routes that change state).
ROUTERS = (
    signin.router,
    queue.router,
    article.router,
    dashboard.router,
    models.router,
    public.router,
)


def mount_desk(
    app: FastAPI, store: Store, settings: DeskSettings | None, lifecycle: ModelLifecycle
) -> Desk:
    """Add the desk's pages, feeds and static files to ``app``; returns the :class:`Desk`.

    ``lifecycle`` is the service's (``app.state.lifecycle``): the desk's pages show the model
    it serves and start its activations, roll-backs and jobs.
    """
    desk = Desk(settings or DeskSettings(), store, lifecycle)
    app.state.desk = desk
    for router in ROUTERS:
        app.include_router(router)
    static = resources.files("newsdesk.ui").joinpath("static")
    app.mount("/desk/static", StaticFiles(directory=str(static)), name="desk-static")

    @app.exception_handler(DeskError)
    async def on_desk_error(request: Request, exc: DeskError) -> Response:
        visit = getattr(request.state, "desk_visit", None)
        context = {"status": exc.status, "message": exc.message}
        return render(request, "error.html", context, visit, status_code=exc.status)

    @app.exception_handler(SignInRequired)
    async def on_sign_in(request: Request, exc: SignInRequired) -> Response:
        return redirect(
            request, sign_in_url(exc.next_url), getattr(request.state, "desk_visit", None)
        )

    return desk
