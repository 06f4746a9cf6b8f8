/**
 * The service's contract as the mock service checks it: every JSON response and WebSocket payload
 * is validated against the OpenAPI schema the dashboard's types come from (`web/openapi.json`,
 * exported from the real service; WebSocket payloads under its `x-websocket.messages`).
 *
 * Objects are closed: a property the schema does not name is an error, so a renamed field (a
 * stale `max_drawdown` beside `max_drawdown_fraction`) is caught in both directions.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Node = { [key: string]: Json };

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: Node }> }>;
}
export interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Node> };
  "x-websocket"?: { path: string; messages: Record<string, Node> };
}

const REF = "#/components/schemas/";

/** A copy of `node` with component refs by name and every object schema closed. */
function prepare(node: Json): Json {
  if (Array.isArray(node)) return node.map(prepare);
  if (node === null || typeof node !== "object") return node;
  const out: Node = {};
  for (const [k, v] of Object.entries(node)) out[k] = prepare(v);
  if (typeof out.$ref === "string" && out.$ref.startsWith(REF)) out.$ref = out.$ref.slice(REF.length);
  if (typeof out.properties === "object" && out.properties !== null && !("additionalProperties" in out)) {
    out.additionalProperties = false;
  }
  return out;
}

function errorText(errors: ErrorObject[] | null | undefined): string {
  // Unknown fields first: with a renamed field they say the most.
  const rank = (e: ErrorObject) => (e.keyword === "additionalProperties" ? 0 : 1);
  return [...(errors ?? [])]
    .sort((a, b) => rank(a) - rank(b))
    .slice(0, 6)
    .map((e) => `${e.instancePath || "/"} ${e.message ?? "invalid"}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`)
    .join("; ");
}

/** Path templates (`/api/users/{user_id}/automation`) as matchers, literal paths first. */
function matchers(doc: OpenApi): { template: string; re: RegExp }[] {
  return Object.keys(doc.paths)
    .map((template) => ({
      template,
      re: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
    }))
    .sort((a, b) => Number(a.template.includes("{")) - Number(b.template.includes("{")));
}

export class Contract {
  private readonly ajv: Ajv2020;
  private readonly paths: { template: string; re: RegExp }[];
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(private readonly doc: OpenApi) {
    this.ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(this.ajv);
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      this.ajv.addSchema({ ...(prepare(schema) as Node), $id: name });
    }
    this.paths = matchers(doc);
  }

  static load(file = join(import.meta.dirname, "..", "openapi.json")): Contract {
    return new Contract(JSON.parse(readFileSync(file, "utf8")) as OpenApi);
  }

  private validator(key: string, schema: Node): ValidateFunction {
    let v = this.cache.get(key);
    if (!v) {
      v = this.ajv.compile(prepare(schema) as Node);
      this.cache.set(key, v);
    }
    return v;
  }

  /**
   * Why `body` is not what the real service answers to `method path` with `status`, or null when
   * it is. A 4xx the operation does not document is the generic `ErrorOut` (`{"detail"}`).
   */
  checkResponse(method: string, path: string, status: number, body: unknown): string | null {
    const found = this.paths.find((p) => p.re.test(path));
    const op = found ? this.doc.paths[found.template]?.[method.toLowerCase()] : undefined;
    if (!found || !op) return `${method} ${path} is not in the API`;
    const content = op.responses?.[String(status)]?.content;
    let schema = content?.["application/json"]?.schema;
    if (!content) {
      if (status >= 400 && status < 500) schema = { $ref: `${REF}ErrorOut` };
      else return `${method} ${found.template} has no ${status} response in the API`;
    }
    if (!schema) return `${method} ${found.template} ${status} is not JSON in the API`;
    const v = this.validator(`${method} ${found.template} ${status}`, schema);
    return v(body) ? null : `${method} ${found.template} ${status}: ${errorText(v.errors)}`;
  }

  /** Why `data` is not a `type` WebSocket message's payload, or null when it is. */
  checkMessage(type: string, data: unknown): string | null {
    const schema = this.doc["x-websocket"]?.messages[type];
    if (!schema) return `WebSocket message type ${type} is not in the API`;
    const v = this.validator(`ws ${type}`, schema);
    return v(data) ? null : `WebSocket ${type}: ${errorText(v.errors)}`;
  }
}
