/**
 * Names the app uses for the API's schemas. When `schema.ts` is regenerated from the service
 * (`npm run gen:api`), only this file needs to follow any renamed schema.
 */
import type { components } from "./schema";

type S = components["schemas"];
export type User = S["User"];
export type SystemStatus = S["SystemStatus"];
export type Trade = S["Trade"];
export type Page<T> = { items: T[]; total: number };
export type Position = S["Position"];
export type Signal = S["Signal"];
export type SignalStatus = S["SignalStatus"];
export type Side = S["Side"];
export type OrderRequest = S["OrderRequest"];
export type OrderResult = S["OrderResult"];
export type Performance = S["Performance"];
export type EquityPoint = S["EquityPoint"];
export type PricePoint = S["PricePoint"];
export type RiskLimits = S["RiskLimits"];
export type RiskState = S["RiskState"];
export type Market = S["Market"];
export type Exchange = S["Exchange"];
export type StreamState = S["StreamState"];
export type Backtest = S["Backtest"];
export type BacktestRequest = S["BacktestRequest"];
export type Credential = S["Credential"];
export type CredentialCreate = S["CredentialCreate"];
export type LiveTrading = S["LiveTrading"];
export type Health = S["Health"];

/** WebSocket `tick` payload. */
export interface Tick {
  exchange: string;
  symbol: string;
  price: string;
  bid: string;
  ask: string;
  ts: number;
}

/** WebSocket `fill` payload. */
export interface Fill {
  symbol: string;
  side: Side;
  qty: string;
  price: string;
  fee: string;
  kind: "open" | "close";
  exit_reason: string | null;
  ts: number;
}
