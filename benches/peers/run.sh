#!/usr/bin/env bash
# Peer comparison, on demand (not in CI): installs NautilusTrader and hftbacktest from PyPI into a
# separate venv and runs benches/peers/compare.py, which runs each system in its own process.
#
#   benches/peers/run.sh                 # 1 M ticks (NautilusTrader takes minutes)
#   benches/peers/run.sh --ticks 100000  # a quick look
#
# PEERS_VENV (default /tmp/venv-peers) and QUANTUM_PYTHON (default <repo>/.venv/bin/python, an
# interpreter where `import quantum` works: `make setup`) can be overridden.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PEERS_VENV="${PEERS_VENV:-/tmp/venv-peers}"
QUANTUM_PYTHON="${QUANTUM_PYTHON:-$REPO/.venv/bin/python}"

if [ ! -x "$PEERS_VENV/bin/python" ]; then
    python3 -m venv "$PEERS_VENV"
fi
"$PEERS_VENV/bin/pip" install -q --upgrade pip
"$PEERS_VENV/bin/pip" install -q nautilus_trader hftbacktest
if ! "$QUANTUM_PYTHON" -c "import quantum._core" 2>/dev/null; then
    echo "error: $QUANTUM_PYTHON cannot import quantum; run 'make setup' or set QUANTUM_PYTHON" >&2
    exit 1
fi
exec "$PEERS_VENV/bin/python" "$HERE/compare.py" \
    --peers-python "$PEERS_VENV/bin/python" --quantum-python "$QUANTUM_PYTHON" "$@"
