"""Initial schema: every table of SPEC §10, and the known exchanges.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 10:45:14.833442
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import quantum.store.sqltypes

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exchanges",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "spot",
                "futures",
                "swap",
                name="type",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchanges")),
    )
    op.create_table(
        "system_status",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status_uid", sa.String(length=64), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("ticks_processed", sa.BigInteger(), nullable=False),
        sa.Column("ticks_rejected", sa.BigInteger(), nullable=False),
        sa.Column("signals", sa.BigInteger(), nullable=False),
        sa.Column("trades", sa.BigInteger(), nullable=False),
        sa.Column("engine_state", sa.String(length=16), nullable=False),
        sa.Column("latency_p50_ns", sa.BigInteger(), nullable=True),
        sa.Column("latency_p99_ns", sa.BigInteger(), nullable=True),
        sa.Column("store_backlog", sa.BigInteger(), nullable=False),
        sa.Column("store_spilled", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_status")),
        sa.UniqueConstraint("status_uid", name=op.f("uq_system_status_status_uid")),
    )
    with op.batch_alter_table("system_status", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_system_status_ts"), ["ts"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin", "user", name="role", native_enum=False, create_constraint=True, length=16
            ),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", quantum.store.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "paper",
                "live",
                "backtest",
                name="mode",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", quantum.store.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_accounts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_accounts_user_id_name")),
    )
    op.create_table(
        "exchange_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("api_key_enc", sa.LargeBinary(), nullable=False),
        sa.Column("api_secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("passphrase_enc", sa.LargeBinary(), nullable=True),
        sa.Column("key_hint", sa.String(length=16), nullable=False),
        sa.Column("created_at", quantum.store.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", quantum.store.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchanges.id"],
            name=op.f("fk_exchange_credentials_exchange_id_exchanges"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_exchange_credentials_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_credentials")),
        sa.UniqueConstraint(
            "user_id",
            "exchange_id",
            "label",
            name=op.f("uq_exchange_credentials_user_id_exchange_id_label"),
        ),
    )
    op.create_table(
        "market_snapshots",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("exchange_id", sa.String(length=32), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("price", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=False),
        sa.Column(
            "volume_24h", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=True
        ),
        sa.Column(
            "funding_rate", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=True
        ),
        sa.Column(
            "open_interest", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=True
        ),
        sa.Column("ts_event", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchanges.id"],
            name=op.f("fk_market_snapshots_exchange_id_exchanges"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_snapshots")),
        sa.UniqueConstraint(
            "exchange_id",
            "symbol",
            "ts_event",
            name=op.f("uq_market_snapshots_exchange_id_symbol_ts_event"),
        ),
    )
    op.create_table(
        "account_state",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("cash", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=False),
        sa.Column(
            "peak_equity", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=False
        ),
        sa.Column("halted", sa.Boolean(), nullable=False),
        sa.Column("halt_reason", sa.String(length=255), nullable=True),
        sa.Column("trade_day", sa.Integer(), nullable=False),
        sa.Column("trades_today", sa.Integer(), nullable=False),
        sa.Column(
            "realized_pnl", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=False
        ),
        sa.Column("fees", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=False),
        sa.Column("funding", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=False),
        sa.Column("wins", sa.Integer(), nullable=False),
        sa.Column("losses", sa.Integer(), nullable=False),
        sa.Column("sum_win", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=False),
        sa.Column("sum_loss", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=False),
        sa.Column("updated_ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_state_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_state_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_state")),
    )
    op.create_table(
        "backtest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_uid", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("created_at", quantum.store.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_backtest_runs_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_backtest_runs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backtest_runs")),
        sa.UniqueConstraint("run_uid", name=op.f("uq_backtest_runs_run_uid")),
    )
    with op.batch_alter_table("backtest_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_backtest_runs_user_id"), ["user_id", "created_at"], unique=False
        )

    op.create_table(
        "daily_pnl",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("trades", sa.Integer(), nullable=False),
        sa.Column("wins", sa.Integer(), nullable=False),
        sa.Column("losses", sa.Integer(), nullable=False),
        sa.Column(
            "gross_profit", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=False
        ),
        sa.Column(
            "gross_loss", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=False
        ),
        sa.Column("pnl", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=False),
        sa.Column("fees", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_daily_pnl_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_daily_pnl_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", "day", name=op.f("pk_daily_pnl")),
    )
    with op.batch_alter_table("daily_pnl", schema=None) as batch_op:
        batch_op.create_index("ix_daily_pnl_user_day", ["user_id", "day"], unique=False)

    op.create_table(
        "equity_snapshots",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("ts_event", sa.BigInteger(), nullable=False),
        sa.Column("equity", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=False),
        sa.Column("cash", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=False),
        sa.Column(
            "unrealized_pnl", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=False
        ),
        sa.Column(
            "peak_equity", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_equity_snapshots_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_equity_snapshots_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equity_snapshots")),
        sa.UniqueConstraint(
            "account_id", "ts_event", name=op.f("uq_equity_snapshots_account_id_ts_event")
        ),
    )
    with op.batch_alter_table("equity_snapshots", schema=None) as batch_op:
        batch_op.create_index("ix_equity_snapshots_user_ts", ["user_id", "ts_event"], unique=False)

    op.create_table(
        "fills",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("fill_uid", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("trade_uid", sa.String(length=64), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column(
            "side",
            sa.Enum(
                "BUY", "SELL", name="side", native_enum=False, create_constraint=True, length=16
            ),
            nullable=False,
        ),
        sa.Column("qty", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=False),
        sa.Column("price", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=False),
        sa.Column("fee", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=False),
        sa.Column("liquidity", sa.String(length=8), nullable=True),
        sa.Column("ts_event", sa.BigInteger(), nullable=False),
        sa.Column("ts_recv", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_fills_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_fills_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fills")),
        sa.UniqueConstraint("fill_uid", name=op.f("uq_fills_fill_uid")),
    )
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.create_index("ix_fills_user_ts", ["user_id", "ts_event"], unique=False)

    op.create_table(
        "positions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column(
            "side",
            sa.Enum(
                "LONG", "SHORT", name="side", native_enum=False, create_constraint=True, length=16
            ),
            nullable=False,
        ),
        sa.Column("qty", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=False),
        sa.Column(
            "entry_price", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=False
        ),
        sa.Column(
            "current_price", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=True
        ),
        sa.Column(
            "unrealized_pnl", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=True
        ),
        sa.Column("leverage", sa.Double(), nullable=False),
        sa.Column(
            "liquidation_price", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=True
        ),
        sa.Column(
            "take_profit", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=True
        ),
        sa.Column("stop_loss", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=True),
        sa.Column(
            "cost_basis", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=True
        ),
        sa.Column("entry_fee", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=True),
        sa.Column("strategy", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "OPEN",
                "CLOSED",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("opened_ts", sa.BigInteger(), nullable=False),
        sa.Column("closed_ts", sa.BigInteger(), nullable=True),
        sa.Column("updated_ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_positions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_positions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_positions")),
        sa.UniqueConstraint(
            "account_id",
            "symbol",
            "opened_ts",
            name=op.f("uq_positions_account_id_symbol_opened_ts"),
        ),
    )
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.create_index("ix_positions_account_status", ["account_id", "status"], unique=False)
        batch_op.create_index("ix_positions_user_status", ["user_id", "status"], unique=False)

    op.create_table(
        "signals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("signal_uid", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column(
            "side",
            sa.Enum(
                "LONG", "SHORT", name="side", native_enum=False, create_constraint=True, length=16
            ),
            nullable=False,
        ),
        sa.Column("price", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "EXECUTED",
                "EXPIRED",
                "REJECTED",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("strategy", sa.String(length=64), nullable=True),
        sa.Column("ts_event", sa.BigInteger(), nullable=False),
        sa.Column("updated_ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_signals_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_signals_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
        sa.UniqueConstraint("signal_uid", name=op.f("uq_signals_signal_uid")),
    )
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_signals_user_status_ts", ["user_id", "status", "ts_event"], unique=False
        )

    op.create_table(
        "trades",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("trade_uid", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("backtest_run_id", sa.Integer(), nullable=True),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column(
            "side",
            sa.Enum(
                "LONG", "SHORT", name="side", native_enum=False, create_constraint=True, length=16
            ),
            nullable=False,
        ),
        sa.Column("qty", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=False),
        sa.Column(
            "entry_price", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=False
        ),
        sa.Column(
            "exit_price", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=True
        ),
        sa.Column("pnl", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=True),
        sa.Column("pnl_pct", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=True),
        sa.Column("fees", quantum.store.sqltypes.Amount(precision=20, scale=8), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "OPEN",
                "CLOSED",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("entry_ts", sa.BigInteger(), nullable=False),
        sa.Column("exit_ts", sa.BigInteger(), nullable=True),
        sa.Column("exit_reason", sa.String(length=32), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=True),
        sa.Column("strategy", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_trades_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["backtest_run_id"],
            ["backtest_runs.id"],
            name=op.f("fk_trades_backtest_run_id_backtest_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_trades_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trades")),
        sa.UniqueConstraint("trade_uid", name=op.f("uq_trades_trade_uid")),
    )
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.create_index("ix_trades_account_status", ["account_id", "status"], unique=False)
        batch_op.create_index(
            "ix_trades_user_status_run", ["user_id", "status", "backtest_run_id"], unique=False
        )
        batch_op.create_index(
            "ix_trades_run_user_entry", ["backtest_run_id", "user_id", "entry_ts"], unique=False
        )
        batch_op.create_index(
            "ix_trades_user_run_entry", ["user_id", "backtest_run_id", "entry_ts"], unique=False
        )
        batch_op.create_index(
            "ix_trades_user_run_symbol_entry",
            ["user_id", "backtest_run_id", "symbol", "entry_ts"],
            unique=False,
        )

    # The exchanges the adapters support (ccxt ids); frozen here, as migrations must be.
    exchanges = sa.table(
        "exchanges",
        sa.column("id", sa.String),
        sa.column("name", sa.String),
        sa.column("type", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("available", sa.Boolean),
    )
    op.bulk_insert(
        exchanges,
        [
            {
                "id": "binanceusdm",
                "name": "Binance USD-M Futures",
                "type": "swap",
                "active": True,
                "available": True,
            },
            {"id": "bybit", "name": "Bybit", "type": "swap", "active": False, "available": True},
            {"id": "okx", "name": "OKX", "type": "swap", "active": False, "available": True},
            {
                "id": "krakenfutures",
                "name": "Kraken Futures",
                "type": "swap",
                "active": False,
                "available": True,
            },
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_index("ix_trades_user_run_entry")
        batch_op.drop_index("ix_trades_user_run_symbol_entry")
        batch_op.drop_index("ix_trades_run_user_entry")
        batch_op.drop_index("ix_trades_account_status")
        batch_op.drop_index("ix_trades_user_status_run")

    op.drop_table("trades")
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.drop_index("ix_signals_user_status_ts")

    op.drop_table("signals")
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_index("ix_positions_user_status")
        batch_op.drop_index("ix_positions_account_status")

    op.drop_table("positions")
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.drop_index("ix_fills_user_ts")

    op.drop_table("fills")
    with op.batch_alter_table("equity_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_equity_snapshots_user_ts")

    op.drop_table("equity_snapshots")
    with op.batch_alter_table("daily_pnl", schema=None) as batch_op:
        batch_op.drop_index("ix_daily_pnl_user_day")

    op.drop_table("daily_pnl")
    with op.batch_alter_table("backtest_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_backtest_runs_user_id"))

    op.drop_table("backtest_runs")
    op.drop_table("account_state")
    op.drop_table("market_snapshots")
    op.drop_table("exchange_credentials")
    op.drop_table("accounts")
    op.drop_table("users")
    with op.batch_alter_table("system_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_system_status_ts"))

    op.drop_table("system_status")
    op.drop_table("exchanges")
