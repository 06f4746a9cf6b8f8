"""Login, logout, the current user."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Request, Response, status

from api.auth import COOKIE, SessionUser
from api.deps import CurrentUser, ServiceDep, session_token
from api.schemas import ErrorOut, LoginIn, LoginOut, UserPublic
from quantum.store.repositories.sessions import token_hash
from quantum.store.repositories.users import authenticate

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post(
    "/login",
    response_model=LoginOut,
    responses={401: {"model": ErrorOut}, 429: {"model": ErrorOut}},
)
def login(body: LoginIn, request: Request, response: Response, service: ServiceDep) -> LoginOut:
    """Password login: returns a token and sets the http-only session cookie."""
    client = request.client.host if request.client else "?"
    if service.limiter.blocked(body.username, client):
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, "too many failed logins; wait a minute"
        )
    with service.store.session() as session:
        user = authenticate(session, body.username, body.password)
        found = None if user is None else SessionUser(user.id, user.username, str(user.role))
    if found is None:
        service.limiter.failed(body.username, client)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bad username or password")
    service.limiter.succeeded(body.username, client)
    token = service.sessions.create(found)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=int(service.sessions.ttl_s),
        path="/",
    )
    return LoginOut(
        user=UserPublic(id=found.id, username=found.username, role=found.role, active=True),
        token=token,
    )


@router.post("/logout", status_code=204, response_class=Response)
async def logout(request: Request, service: ServiceDep, _user: CurrentUser) -> Response:
    """Ends the session, and closes the WebSocket connections opened with it (code 1008)."""
    token = session_token(request)
    await asyncio.to_thread(service.sessions.drop, token)
    if token:
        await service.sockets.close_session(token_hash(token))
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    """The logged-in user."""
    return UserPublic(id=user.id, username=user.username, role=user.role)
