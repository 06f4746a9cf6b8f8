/**
 * TEMPORARY hand-written types for the service API (docs/api.md), laid out exactly as
 * `openapi-typescript` generates them (`paths`, `components["schemas"]`). Replace this file with
 * the generated one by running `npm run gen:api` against the running service
 * (http://127.0.0.1:8000/openapi.json) or `npm run gen:api -- path/to/openapi.json`.
 */

export interface paths {
    "/api/health": { get: { responses: { 200: { content: { "application/json": components["schemas"]["Health"] } } } } };
    "/api/auth/login": { post: { requestBody: { content: { "application/json": components["schemas"]["LoginRequest"] } }; responses: { 200: { content: { "application/json": components["schemas"]["LoginResponse"] } } } } };
    "/api/auth/logout": { post: { responses: { 204: { content: never } } } };
    "/api/auth/me": { get: { responses: { 200: { content: { "application/json": components["schemas"]["User"] } } } } };
    "/api/status": { get: { responses: { 200: { content: { "application/json": components["schemas"]["SystemStatus"] } } } } };
    "/api/trades": { get: { parameters: { query?: { symbol?: string; status?: "OPEN" | "CLOSED"; since?: number; until?: number; limit?: number; offset?: number } }; responses: { 200: { content: { "application/json": components["schemas"]["Page_Trade_"] } } } } };
    "/api/positions": { get: { parameters: { query?: { status?: "open" | "closed" } }; responses: { 200: { content: { "application/json": components["schemas"]["Position"][] } } } } };
    "/api/signals": { get: { parameters: { query?: { status?: components["schemas"]["SignalStatus"]; limit?: number; offset?: number } }; responses: { 200: { content: { "application/json": components["schemas"]["Page_Signal_"] } } } } };
    "/api/signals/{id}/execute": { post: { parameters: { path: { id: number } }; responses: { 200: { content: { "application/json": components["schemas"]["OrderResult"] } }; 409: { content: { "application/json": components["schemas"]["RiskRefusal"] } } } } };
    "/api/orders": { post: { requestBody: { content: { "application/json": components["schemas"]["OrderRequest"] } }; responses: { 200: { content: { "application/json": components["schemas"]["OrderResult"] } }; 409: { content: { "application/json": components["schemas"]["RiskRefusal"] } } } } };
    "/api/positions/{symbol}/close": { post: { parameters: { path: { symbol: string } }; responses: { 202: { content: { "application/json": { symbol: string } } } } } };
    "/api/performance": { get: { responses: { 200: { content: { "application/json": components["schemas"]["Performance"] } } } } };
    "/api/equity": { get: { parameters: { query?: { since?: number } }; responses: { 200: { content: { "application/json": components["schemas"]["EquityPoint"][] } } } } };
    "/api/risk": { get: { responses: { 200: { content: { "application/json": components["schemas"]["RiskState"] } } } } };
    "/api/risk/reset": { post: { responses: { 200: { content: { "application/json": components["schemas"]["RiskState"] } } } } };
    "/api/risk/limits": { put: { requestBody: { content: { "application/json": components["schemas"]["RiskLimits"] } }; responses: { 200: { content: { "application/json": components["schemas"]["RiskState"] } } } } };
    "/api/market": { get: { parameters: { query: { exchange: string; symbol: string } }; responses: { 200: { content: { "application/json": components["schemas"]["Market"] } } } } };
    "/api/market/history": { get: { parameters: { query: { exchange: string; symbol: string; limit?: number } }; responses: { 200: { content: { "application/json": components["schemas"]["PricePoint"][] } } } } };
    "/api/exchanges": { get: { responses: { 200: { content: { "application/json": components["schemas"]["Exchange"][] } } } } };
    "/api/streams/start": { post: { requestBody: { content: { "application/json": components["schemas"]["StreamRequest"] } }; responses: { 200: { content: { "application/json": components["schemas"]["StreamState"] } } } } };
    "/api/streams/stop": { post: { requestBody: { content: { "application/json": components["schemas"]["StreamRequest"] } }; responses: { 200: { content: { "application/json": components["schemas"]["StreamState"] } } } } };
    "/api/engine/start": { post: { responses: { 200: { content: { "application/json": components["schemas"]["SystemStatus"] } } } } };
    "/api/engine/stop": { post: { responses: { 200: { content: { "application/json": components["schemas"]["SystemStatus"] } } } } };
    "/api/backtests": {
        get: { responses: { 200: { content: { "application/json": components["schemas"]["Backtest"][] } } } };
        post: { requestBody: { content: { "application/json": components["schemas"]["BacktestRequest"] } }; responses: { 202: { content: { "application/json": components["schemas"]["Backtest"] } } } };
    };
    "/api/backtests/{id}": { get: { parameters: { path: { id: number } }; responses: { 200: { content: { "application/json": components["schemas"]["Backtest"] } } } } };
    "/api/backtests/{id}/equity": { get: { parameters: { path: { id: number } }; responses: { 200: { content: { "application/json": components["schemas"]["EquityPoint"][] } } } } };
    "/api/credentials": {
        get: { responses: { 200: { content: { "application/json": components["schemas"]["Credential"][] } } } };
        post: { requestBody: { content: { "application/json": components["schemas"]["CredentialCreate"] } }; responses: { 201: { content: { "application/json": components["schemas"]["Credential"] } } } };
    };
    "/api/credentials/{id}": { delete: { parameters: { path: { id: number } }; responses: { 204: { content: never } } } };
    "/api/users": {
        get: { responses: { 200: { content: { "application/json": components["schemas"]["User"][] } } } };
        post: { requestBody: { content: { "application/json": components["schemas"]["UserCreate"] } }; responses: { 201: { content: { "application/json": components["schemas"]["User"] } } } };
    };
    "/api/settings/live-trading": { put: { requestBody: { content: { "application/json": { enabled: boolean } } }; responses: { 200: { content: { "application/json": components["schemas"]["LiveTrading"] } } } } };
}

export interface components {
    schemas: {
        Health: { status: string; version: string; engine: "running" | "stopped" };
        LoginRequest: { username: string; password: string };
        LoginResponse: { user: components["schemas"]["User"]; token: string };
        User: { id: number; username: string; role: "admin" | "user" };
        UserCreate: { username: string; password: string; role: "admin" | "user" };
        SystemStatus: {
            engine_state: "running" | "stopped" | "halted";
            feed_connected: boolean;
            feed: string;
            ticks_processed: number;
            ticks_rejected: number;
            signals: number;
            trades: number;
            writer_backlog: number;
            latency_us: { p50: number; p99: number };
            uptime_s: number;
        };
        Side: "LONG" | "SHORT";
        Trade: {
            id: number;
            symbol: string;
            side: components["schemas"]["Side"];
            size: string;
            entry_price: string;
            exit_price: string | null;
            pnl: string | null;
            pnl_pct: number | null;
            fees: string;
            status: "OPEN" | "CLOSED";
            entry_ts: number;
            exit_ts: number | null;
            exit_reason: string | null;
            confidence: number;
            strategy: string;
        };
        Page_Trade_: { items: components["schemas"]["Trade"][]; total: number };
        Position: {
            id: number;
            symbol: string;
            side: components["schemas"]["Side"];
            size: string;
            entry_price: string;
            current_price: string;
            unrealized_pnl: string;
            leverage: number;
            liquidation_price: string | null;
            take_profit: string | null;
            stop_loss: string | null;
            opened_ts: number;
            closed_ts: number | null;
        };
        SignalStatus: "PENDING" | "EXECUTED" | "EXPIRED" | "REJECTED";
        Signal: {
            id: number;
            symbol: string;
            side: components["schemas"]["Side"];
            price: string;
            confidence: number;
            strategy: string;
            reason: string;
            status: components["schemas"]["SignalStatus"];
            ts: number;
        };
        Page_Signal_: { items: components["schemas"]["Signal"][]; total: number };
        OrderRequest: { symbol: string; side: components["schemas"]["Side"]; qty?: string | null; leverage?: number | null };
        OrderResult: { order: { symbol: string; side: components["schemas"]["Side"]; qty: string }; signal: components["schemas"]["Signal"] | null };
        RiskRefusal: { detail: string; reason: string };
        Performance: {
            total_trades: number;
            win_rate: number;
            total_pnl: string;
            profit_factor: number | null;
            sharpe: number | null;
            sortino: number | null;
            max_drawdown: number;
            heatmap: { weekday: number; hour: number; pnl: string }[];
        };
        EquityPoint: { ts: number; equity: string };
        PricePoint: { ts: number; price: string };
        RiskLimits: {
            max_drawdown: number;
            max_position_notional: number;
            max_trades_per_day: number;
            max_leverage: number;
            max_open_positions: number;
            kelly_fraction: number;
            kelly_min_trades: number;
            fixed_fraction: number;
        };
        RiskState: {
            equity: string;
            peak_equity: string;
            drawdown: number;
            max_drawdown: number;
            risk_level: "Low" | "Medium" | "High" | "Critical";
            halted: boolean;
            halt_reason: string | null;
            trades_today: number;
            limits: components["schemas"]["RiskLimits"];
            positions: components["schemas"]["Position"][];
        };
        Market: {
            exchange: string;
            symbol: string;
            price: string;
            bid: string;
            ask: string;
            funding_rate: string | null;
            volume_24h: string | null;
            open_interest: string | null;
            ts: number;
            book: { bids: [string, string][]; asks: [string, string][] };
        };
        Exchange: { id: string; name: string; type: "spot" | "futures" | "swap"; active: boolean; available: boolean; symbols: string[] };
        StreamRequest: { exchange: string; symbol: string };
        StreamState: { exchange: string; symbol: string; running: boolean };
        BacktestRequest: { data: string; ticks?: number | null; seed?: number | null; config?: Record<string, unknown> | null };
        Backtest: {
            id: number;
            status: "queued" | "running" | "done" | "failed";
            progress: number;
            config: Record<string, unknown>;
            metrics: Record<string, unknown> | null;
            error: string | null;
            created_at: string;
        };
        Credential: { id: number; exchange: string; label: string; key_hint: string; created_at: string };
        CredentialCreate: { exchange: string; label: string; api_key: string; secret: string };
        LiveTrading: { enabled: boolean; disclaimer: string };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
