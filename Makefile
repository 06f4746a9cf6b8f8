# The few commands everyone uses; the README and CI call these same targets. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
SHARED_DATA ?= $(abspath ../shared/data)
export QUANTUM_SHARED_DATA ?= $(SHARED_DATA)
KLINES := $(SHARED_DATA)/klines/binance_usdm_BTCUSDT_1m_20250504-20250624.csv.gz

.PHONY: help setup build lint test test-rust test-python bench bench-store bench-peers run web web-check chromium web-e2e-mock web-e2e bench-service bench-web bench-machine

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	touch $@

setup: $(VENV)/.installed build ## Create the venv from requirements.lock and build the core

build: $(VENV)/.installed ## Build the Rust core into the venv (maturin develop --release)
	$(BIN)/maturin develop --release -q

lint: setup ## formatting (cargo fmt, ruff format), clippy (with and without Python), ruff, mypy, stubtest
	cargo fmt --check
	$(BIN)/ruff format --check python tests api benches
	cargo clippy --all-targets --locked -q -- -D warnings
	cargo clippy --features python --locked -q -- -D warnings
	$(BIN)/ruff check python tests api benches
	$(BIN)/mypy api
	$(BIN)/mypy
	$(BIN)/python -m mypy.stubtest quantum._core

test-rust: ## Rust unit, property and real-data tests (no Python needed)
	cargo test --locked -q

test-python: setup ## pytest, every tier
	$(BIN)/pytest -q

web/node_modules/.installed: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

web: web/node_modules/.installed ## Build the dashboard into python/quantum/_web (served by quantum serve)
	cd web && npm run build

web-check: web/node_modules/.installed ## Dashboard: API types generated from web/openapi.json, tsc --noEmit, eslint, vitest
	cd web && out=$$(mktemp --suffix=.ts) && GEN_API_OUT=$$out npm run -s gen:api -- openapi.json >/dev/null \
		&& diff -q $$out src/lib/api/schema.ts >/dev/null \
		|| { echo "web/src/lib/api/schema.ts is not generated from web/openapi.json: run 'cd web && npm run gen:api -- openapi.json'"; exit 1; }
	cd web && npm run check && npm test

chromium: ## Debian's Chromium for the browser tests (installed when missing and running as root)
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -q && apt-get install -y -q chromium; } \
		|| { echo "browser tests need Debian's chromium: apt-get install chromium"; exit 1; }

web-e2e-mock: web chromium ## Browser tests against the dashboard's mock service
	cd web && E2E_TARGET=mock npx playwright test

web-e2e: setup web chromium ## Browser tests against the real service (quantum serve on a loopback port)
	cd web && QUANTUM_SERVE_CMD='$(CURDIR)/$(BIN)/quantum serve --host 127.0.0.1 --port $$PORT --data-dir $$TMPDIR' npx playwright test

bench-web: setup web chromium ## Dashboard first load (< 1 s) and chart update p99 (< 16 ms), against the real service
	cd web && E2E_ASSERT_PERF=1 QUANTUM_SERVE_CMD='$(CURDIR)/$(BIN)/quantum serve --host 127.0.0.1 --port $$PORT --data-dir $$TMPDIR' npx playwright test -g "first load|chart"

bench-service: setup ## Service: WS push latency (1 and 200 clients, with the machine floor), REST p99, runtime ticks/s
	$(BIN)/pytest benches/bench_service.py -q -s

bench-machine: ## The machine's floor: its jitter on fixed work, a 200-connection loopback fan-out from C
	benches/machine/run.sh

test: lint test-rust test-python web-check web-e2e-mock web-e2e ## Everything CI runs

bench: setup ## Benchmarks: criterion (Rust) and pytest-benchmark (Python); each prints its figures
	cargo bench --locked -q --bench pipeline -- --noplot
	$(BIN)/pytest benches -q -s --benchmark-columns=median,ops --benchmark-sort=name --ignore=benches/bench_store.py --ignore=benches/bench_service.py --ignore=benches/peers

bench-store: setup ## Store benchmarks: writer rows/s, dashboard queries on 1M trades (minutes)
	$(BIN)/pytest benches/bench_store.py -q -s

bench-peers: setup ## Peer comparison vs NautilusTrader and hftbacktest (on demand, slow, own venv)
	QUANTUM_PYTHON=$(abspath $(PY)) benches/peers/run.sh

DATA_DIR ?= data
HOST ?= 127.0.0.1
PORT ?= 8000

run: setup web ## The paper engine service + dashboard on the embedded feed and SQLite (DATA_DIR, HOST, PORT)
	@mkdir -p $(DATA_DIR)
	@[ -s $(DATA_DIR)/.admin-password ] || (umask 077; $(PY) -c "import secrets; print(secrets.token_urlsafe(12))" > $(DATA_DIR)/.admin-password)
	@[ -s $(DATA_DIR)/.secret-key ] || (umask 077; $(PY) -c "import secrets; print(secrets.token_urlsafe(32))" > $(DATA_DIR)/.secret-key)
	@echo "first start creates user 'admin' with the password in $(DATA_DIR)/.admin-password: $$(cat $(DATA_DIR)/.admin-password)"
	QUANTUM_ADMIN_USER=$${QUANTUM_ADMIN_USER:-admin} \
	QUANTUM_ADMIN_PASSWORD="$${QUANTUM_ADMIN_PASSWORD:-$$(cat $(DATA_DIR)/.admin-password)}" \
	QUANTUM_SECRET_KEY="$${QUANTUM_SECRET_KEY:-$$(cat $(DATA_DIR)/.secret-key)}" \
	$(BIN)/quantum serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)
