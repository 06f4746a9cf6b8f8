"""Migrations: up from empty on both backends, matching the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from quantum.store import Store
from quantum.store.cli import db_app
from quantum.store.migrate import current_revision, head_revision, open_store, upgrade
from quantum.store.models import Base, Exchange

TABLES = {
    "users",
    "accounts",
    "account_state",
    "trades",
    "fills",
    "positions",
    "signals",
    "exchanges",
    "exchange_credentials",
    "market_snapshots",
    "system_status",
    "equity_snapshots",
    "backtest_runs",
    "daily_pnl",
}


def test_upgrade_from_empty_creates_the_models_schema(empty_url: str) -> None:
    assert current_revision(empty_url) is None
    assert upgrade(empty_url) == head_revision()
    assert current_revision(empty_url) == head_revision()
    store = Store(empty_url)
    try:
        assert set(inspect(store.engine).get_table_names()) >= TABLES
        with store.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert diff == []
        with store.session() as s:
            ids = set(s.scalars(select(Exchange.id)))
        assert {"binanceusdm", "bybit", "okx", "krakenfutures"} <= ids
    finally:
        store.dispose()


def test_upgrade_twice_changes_nothing(empty_url: str) -> None:
    upgrade(empty_url)
    assert upgrade(empty_url) == head_revision()


def test_dashboard_indexes_exist(store: Store) -> None:
    insp = inspect(store.engine)
    trade_ix = {ix["name"]: ix["column_names"] for ix in insp.get_indexes("trades")}
    assert trade_ix["ix_trades_user_run_entry"] == ["user_id", "backtest_run_id", "entry_ts"]
    assert trade_ix["ix_trades_account_status"] == ["account_id", "status"]
    pos_ix = {ix["name"]: ix["column_names"] for ix in insp.get_indexes("positions")}
    assert pos_ix["ix_positions_user_status"] == ["user_id", "status"]
    sig_ix = {ix["name"]: ix["column_names"] for ix in insp.get_indexes("signals")}
    assert sig_ix["ix_signals_user_status_ts"] == ["user_id", "status", "ts_event"]


def test_cli_upgrade_applies_migrations(empty_url: str) -> None:
    result = CliRunner().invoke(db_app, ["upgrade", "--url", empty_url])
    assert result.exit_code == 0, result.output
    assert f"at revision {head_revision()}" in result.output
    assert "quantum-test" not in result.output  # the password is hidden
    result = CliRunner().invoke(db_app, ["current", "--url", empty_url])
    assert result.exit_code == 0 and head_revision() in result.output


def test_cli_upgrade_reports_a_bad_url() -> None:
    result = CliRunner().invoke(db_app, ["upgrade", "--url", "postgresql+nodriver://x/y"])
    assert result.exit_code == 1


def test_open_store_migrates_then_opens(empty_url: str) -> None:
    store = open_store(empty_url)
    try:
        assert current_revision(empty_url) == head_revision()
        with store.session() as s:
            assert s.scalar(select(Exchange.id).where(Exchange.id == "okx")) == "okx"
    finally:
        store.dispose()
