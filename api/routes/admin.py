"""Backtests, exchange credentials, users."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status
from sqlalchemy import func, select

from api.deps import AdminUser, CurrentUser, ServiceDep
from api.schemas import (
    AutomationIn,
    AutomationOut,
    BacktestCreate,
    BacktestPublic,
    CredentialCreate,
    CredentialPublic,
    EquityPoint,
    ErrorOut,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from quantum.errors import ConfigError, DataError
from quantum.store import Role
from quantum.store.crypto import CredentialCipher
from quantum.store.models import User
from quantum.store.repositories.credentials import (
    CredentialInfo,
    delete_credentials,
    list_credentials,
    store_credentials,
)
from quantum.store.repositories.exchanges import list_exchanges
from quantum.store.repositories.users import create_user, list_users, set_active, set_role

router = APIRouter(prefix="/api", tags=["admin"])

RunId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/backtests", response_model=BacktestPublic, status_code=202)
async def backtest_start(
    body: BacktestCreate, service: ServiceDep, user: CurrentUser
) -> BacktestPublic:
    """Queue a backtest (synthetic, or a recording in ``<data_dir>/recordings``) in the background."""
    acct = service.runtime.account(user.id)
    config = body.config or service.runtime.config.model_copy(update={"auto_execute": True})
    job = service.backtests.submit(
        service.store,
        service.settings.data_dir,
        user.id,
        acct.account_id,
        body.data,
        body.ticks,
        body.seed,
        config,
    )
    return BacktestPublic.model_validate(job.public())


@router.get("/backtests", response_model=list[BacktestPublic])
def backtests(service: ServiceDep, user: CurrentUser) -> list[BacktestPublic]:
    """The user's backtests, newest first."""
    return [
        BacktestPublic.model_validate(j.public())
        for j in service.backtests.list(service.store, user.id)
    ]


@router.get(
    "/backtests/{run_id}", response_model=BacktestPublic, responses={404: {"model": ErrorOut}}
)
def backtest(run_id: RunId, service: ServiceDep, user: CurrentUser) -> BacktestPublic:
    """One backtest with its progress and results."""
    job = service.backtests.get(service.store, user.id, run_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such backtest")
    return BacktestPublic.model_validate(job.public())


@router.get(
    "/backtests/{run_id}/equity",
    response_model=list[EquityPoint],
    responses={404: {"model": ErrorOut}},
)
def backtest_equity(run_id: RunId, service: ServiceDep, user: CurrentUser) -> list[EquityPoint]:
    """A finished backtest's equity curve (at most 500 points)."""
    job = service.backtests.get(service.store, user.id, run_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such backtest")
    return [EquityPoint.model_validate(p) for p in job.equity]


def _credential(info: CredentialInfo) -> CredentialPublic:
    return CredentialPublic(
        id=info.id,
        exchange=info.exchange_id,
        label=info.label,
        key_hint=info.key_hint,
        created_at=info.created_at,
    )


@router.get("/credentials", response_model=list[CredentialPublic])
def credentials(service: ServiceDep, user: CurrentUser) -> list[CredentialPublic]:
    """The user's stored exchange credentials, masked."""
    with service.store.session() as session:
        return [_credential(c) for c in list_credentials(session, user.id)]


@router.post(
    "/credentials",
    response_model=CredentialPublic,
    status_code=201,
    responses={400: {"model": ErrorOut}, 409: {"model": ErrorOut}},
)
def credential_add(
    body: CredentialCreate, service: ServiceDep, user: CurrentUser
) -> CredentialPublic:
    """Store (encrypted) or replace credentials for an exchange; answers masked."""
    try:
        cipher = CredentialCipher(service.settings.secret_key)
    except ConfigError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    with service.store.session() as session:
        if body.exchange not in {e.id for e in list_exchanges(session)}:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, f"unknown exchange {body.exchange!r}")
        try:
            info = store_credentials(
                session, cipher, user.id, body.exchange, body.api_key, body.secret, label=body.label
            )
        except (DataError, ConfigError) as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
        return _credential(info)


@router.delete(
    "/credentials/{credential_id}",
    status_code=204,
    response_class=Response,
    responses={404: {"model": ErrorOut}},
)
def credential_delete(
    credential_id: Annotated[int, Path(ge=1, le=2**31 - 1)], service: ServiceDep, user: CurrentUser
) -> Response:
    """Delete one of the user's credentials."""
    with service.store.session() as session:
        if not delete_credentials(session, user.id, credential_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such credential")
    return Response(status_code=204)


def _user(u: User) -> UserPublic:
    return UserPublic(id=u.id, username=u.username, role=str(u.role), active=u.is_active)


@router.get("/users", response_model=list[UserPublic])
def users(service: ServiceDep, _admin: AdminUser) -> list[UserPublic]:
    """All users (admin)."""
    with service.store.session() as session:
        return [_user(u) for u in list_users(session)]


@router.post(
    "/users", response_model=UserPublic, status_code=201, responses={409: {"model": ErrorOut}}
)
async def user_add(body: UserCreate, service: ServiceDep, _admin: AdminUser) -> UserPublic:
    """Create a user with a paper account (admin)."""

    def create() -> UserPublic:
        with service.store.session() as session:
            return _user(create_user(session, body.username, body.password, Role(body.role)))

    try:
        out = await asyncio.to_thread(create)
    except DataError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    service.runtime.ensure_account(out.id, out.username)
    return out


@router.patch(
    "/users/{user_id}",
    response_model=UserPublic,
    responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
)
async def user_update(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: UserUpdate,
    service: ServiceDep,
    _admin: AdminUser,
) -> UserPublic:
    """Change a user's role or disable / enable them (admin). A change of role or a disable ends
    the user's sessions and closes their WebSockets: the new rights apply from the next login.
    Refused (409) when it would leave no active admin."""

    def update() -> tuple[UserPublic, bool]:
        with service.store.session() as session:
            user = session.get(User, user_id)
            if user is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
            role = Role(body.role) if body.role is not None else user.role
            active = body.active if body.active is not None else user.is_active
            ends = role != user.role or (user.is_active and not active)
            if user.role == Role.ADMIN and user.is_active and (role != Role.ADMIN or not active):
                admins = session.scalar(
                    select(func.count())
                    .select_from(User)
                    .where(User.role == Role.ADMIN, User.is_active.is_(True), User.id != user.id)
                )
                if not admins:
                    raise HTTPException(status.HTTP_409_CONFLICT, "this is the last active admin")
            set_role(session, user, role)
            set_active(session, user, active)
            return _user(user), ends

    out, ends = await asyncio.to_thread(update)
    if ends:
        # The store's sessions are gone; drop the cached ones and the open connections too.
        service.sessions.forget_user(user_id)
        await service.sockets.close_user(user_id)
    return out


@router.get(
    "/users/{user_id}/automation",
    response_model=AutomationOut,
    responses={404: {"model": ErrorOut}},
)
async def automation_state(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)], service: ServiceDep, _admin: AdminUser
) -> AutomationOut:
    """Whether the automated strategies trade a user's account (admin)."""
    if user_id not in service.runtime.accounts:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
    return AutomationOut(user_id=user_id, enabled=service.runtime.is_automated(user_id))


@router.put(
    "/users/{user_id}/automation",
    response_model=AutomationOut,
    responses={404: {"model": ErrorOut}},
)
async def automation(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: AutomationIn,
    service: ServiceDep,
    _admin: AdminUser,
) -> AutomationOut:
    """Assign the automated strategies to a user's account (they trade it) or take them off (admin)."""
    if user_id not in service.runtime.accounts:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
    enabled = service.runtime.set_automated(user_id, body.enabled)
    return AutomationOut(user_id=user_id, enabled=enabled)
