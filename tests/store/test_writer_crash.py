"""A crash during an outage loses nothing: the writer's process is killed (SIGKILL) mid-outage."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import func
from sqlalchemy import select as sql_select

from quantum.store import Store, StoreWriter
from quantum.store.migrate import upgrade
from quantum.store.models import SystemStatus

CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[3])
    from factories import T0, status
    from quantum.store import Store, StoreWriter

    writer = StoreWriter(Store(sys.argv[1]), __import__("pathlib").Path(sys.argv[2]),
                         batch_size=25, max_memory=1000, backoff_max=0.05)
    writer.submit_many([status(f"c{i}", T0 + i) for i in range(300)])
    deadline = time.monotonic() + 30
    # The database has no schema yet: wait until the writer noticed and moved everything to disk.
    while writer.stats().spilled < 300 and time.monotonic() < deadline:
        time.sleep(0.01)
    print("spilled", writer.stats().spilled, flush=True)
    time.sleep(60)  # killed before this ends
    """
)


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "child did not report in time"
    return proc.stdout.readline()


def test_a_killed_process_loses_no_event_of_an_outage(empty_url: str, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, empty_url, str(spool), str(Path(__file__).parent)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    ) as proc:
        try:
            assert _read_line(proc, 60).split() == ["spilled", "300"]
        finally:
            os.kill(proc.pid, signal.SIGKILL)  # no close(), no flush: a crash
            proc.wait(10)

    upgrade(empty_url)  # the database comes back
    store = Store(empty_url)
    started = time.monotonic()
    try:
        with StoreWriter(store, spool) as writer:
            assert writer.stats().spilled == 300
            assert writer.flush(60)
        with store.session() as s:
            assert s.scalar(sql_select(func.count()).select_from(SystemStatus)) == 300
            uids = s.scalars(sql_select(SystemStatus.status_uid).order_by(SystemStatus.id)).all()
        assert uids == [f"c{i}" for i in range(300)]
    finally:
        store.dispose()
    assert time.monotonic() - started < 60
