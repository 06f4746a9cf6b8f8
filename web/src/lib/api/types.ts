/**
 * Names the app uses for the API's schemas. When `schema.ts` is regenerated from the service
 * (`npm run gen:api`), only this file needs to follow any renamed schema.
 */
import type { components } from "./schema";

type S = components["schemas"];
export type User = S["UserPublic"];
export type SystemStatus = S["SystemStatus"];
export type FeedStatus = S["FeedStatus"];
export type BookStatus = S["BookStatus"];
export type Trade = S["TradePublic"];
export type Page<T> = { items: T[]; total: number };
export type Position = S["PositionPublic"];
export type Signal = S["SignalPublic"];
export type SignalStatus = S["SignalPublic"]["status"];
export type Side = S["SignalPublic"]["side"];
export type OrderRequest = S["OrderCreate"];
export type OrderResult = S["OrderOut"];
export type Performance = S["Performance"];
export type EquityPoint = S["EquityPoint"];
export type PricePoint = S["PricePoint"];
export type RiskLimits = S["RiskLimits"];
export type RiskState = S["RiskPublic"];
export type Rejections = S["Rejections"];
export type Market = S["MarketPublic"];
export type Exchange = S["ExchangePublic"];
export type StreamState = S["StreamOut"];
export type Backtest = S["BacktestPublic"];
export type BacktestMetrics = S["BacktestMetrics"];
export type BacktestRequest = S["BacktestCreate"];
export type Credential = S["CredentialPublic"];
export type CredentialCreate = S["CredentialCreate"];
export type LiveTrading = S["LiveTradingOut"];
export type Health = S["Health"];
export type Automation = S["AutomationOut"];

/** WebSocket payloads (the schema's `x-websocket` topics). */
export type Tick = S["TickPublic"];
export type Fill = S["FillPublic"];
export type PositionClosed = S["PositionClosed"];
