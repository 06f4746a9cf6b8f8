"""Persistence: SQLAlchemy models, repositories, the lossless writer, recovery, credentials.

SQLite (a file in the data directory) is the default; MySQL 8, MariaDB and TiDB work through
``QUANTUM_DATABASE_URL=mysql+pymysql://...``. Apply the schema with ``quantum db upgrade`` (or
``quantum.store.migrate.upgrade``).
"""

from __future__ import annotations

from quantum.store.db import Store, create_store_engine
from quantum.store.enums import (
    AccountMode,
    ExchangeType,
    OrderSide,
    Role,
    Side,
    SignalStatus,
    TradeStatus,
)
from quantum.store.metrics import PerformanceMetrics, compute_metrics
from quantum.store.migrate import open_store, upgrade
from quantum.store.records import (
    EngineStateRecord,
    EquityRecord,
    FillRecord,
    MarketSnapshotRecord,
    PositionRecord,
    Record,
    SignalRecord,
    StatusRecord,
    TradeRecord,
)
from quantum.store.recovery import load_engine_state, reset_kill_switch, save_engine_state
from quantum.store.writer import StoreWriter, WriterStats, default_spool_dir

__all__ = [
    "AccountMode",
    "EngineStateRecord",
    "EquityRecord",
    "ExchangeType",
    "FillRecord",
    "MarketSnapshotRecord",
    "OrderSide",
    "PerformanceMetrics",
    "PositionRecord",
    "Record",
    "Role",
    "Side",
    "SignalRecord",
    "SignalStatus",
    "StatusRecord",
    "Store",
    "StoreWriter",
    "TradeRecord",
    "TradeStatus",
    "WriterStats",
    "compute_metrics",
    "create_store_engine",
    "default_spool_dir",
    "load_engine_state",
    "open_store",
    "reset_kill_switch",
    "save_engine_state",
    "upgrade",
]
