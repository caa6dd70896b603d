/**
 * ESO's `dataFrom[].rewrite[].merge` (v0.20+): the values of a dataFrom map are JSON objects whose
 * keys are merged into one.
 *
 * - Order: the input keys not listed in `priority`, sorted (byte order), then the `priority` keys in
 *   their listed order — a later value wins a conflicting key.
 * - A priority key absent from the input fails under `priorityPolicy: Strict` (default) and is
 *   skipped under `IgnoreNotFound`.
 * - Every merged value must be a JSON object (`null` contributes nothing).
 * - A key set by two values is a conflict: `conflictPolicy: Error` (default) fails, listing the
 *   keys; `Ignore` keeps the later value.
 * - `strategy: Extract` (default): the result is the merged keys only, each value as ESO's
 *   GetByteValue renders it (strings raw, numbers without exponent, objects/arrays as JSON);
 *   `JSON`: the input map stays and key `into` (required) gets the merged object as JSON.
 * Errors name keys only, never values.
 */
import { KsealError } from "../../errors.ts";
import type { MergeRewrite } from "./types.ts";

export const MERGE_ERROR = "ES_REWRITE_FAILED";

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  readonly [k: string]: Json;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * encoding/json Unmarshal turns lone surrogate escapes into U+FFFD and rejects numbers beyond
 * float64 (which JSON.parse makes Infinity): throws RangeError for those.
 */
function wellFormed(v: Json): Json {
  if (typeof v === "string") return v.toWellFormed();
  if (typeof v === "number" && !Number.isFinite(v)) throw new RangeError("number out of range");
  if (Array.isArray(v)) return v.map(wellFormed);
  if (v !== null && typeof v === "object") {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k.toWellFormed(), { value: wellFormed(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

function goString(s: string, escapeHTML: boolean): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (cp < 0x20 || cp === 0x2028 || cp === 0x2029 || (escapeHTML && (ch === "<" || ch === ">" || ch === "&"))) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** encoding/json's float64: shortest round-trip digits, exponent below 1e-6 and from 1e21 on. */
function goJsonNumber(x: number): string {
  if (Object.is(x, -0)) return "-0";
  return JSON.stringify(x);
}

/** encoding/json's Marshal of a decoded value: object keys sorted by bytes. */
export function goJson(v: Json, escapeHTML: boolean): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return goJsonNumber(v);
  if (typeof v === "string") return goString(v, escapeHTML);
  if (Array.isArray(v)) return `[${v.map((x) => goJson(x, escapeHTML)).join(",")}]`;
  const keys = Object.keys(v).sort(byteOrder);
  return `{${keys.map((k) => `${goString(k, escapeHTML)}:${goJson(v[k] ?? null, escapeHTML)}`).join(",")}}`;
}

/** strconv.FormatFloat(x, 'f', -1, 64): the shortest round-trip digits, never an exponent. */
export function formatFloatF(x: number): string {
  if (Object.is(x, -0)) return "-0";
  const s = String(x);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (m === null) return s;
  const [, sign = "", int = "", frac = "", expText = "0"] = m;
  const digits = int + frac;
  const point = 1 + Number(expText);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + "0".repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** ESO's GetByteValue for a value decoded from JSON. */
function byteValue(v: Json): Uint8Array {
  if (v === null) return new Uint8Array(0);
  if (typeof v === "string") return encoder.encode(v);
  if (typeof v === "number") return encoder.encode(formatFloatF(v));
  if (typeof v === "boolean") return encoder.encode(v ? "true" : "false");
  return encoder.encode(goJson(v, true));
}

/**
 * Applies one merge rewrite (`index` is its position, for messages). Throws
 * KsealError(ES_REWRITE_FAILED) naming the keys at fault.
 */
export function rewriteMerge(op: MergeRewrite, input: Readonly<Record<string, Uint8Array>>, index: number): Record<string, Uint8Array> {
  const where = `rewrite[${String(index)}].merge`;
  const fail = (message: string, details: Record<string, string> = {}): KsealError => new KsealError(MERGE_ERROR, `${where}: ${message}`, { details });
  const order = [...Object.keys(input).filter((k) => !op.priority.includes(k)).sort(byteOrder), ...op.priority];
  const merged = new Map<string, Json>();
  const conflicts: string[] = [];
  for (const key of order) {
    const raw = Object.hasOwn(input, key) ? input[key] : undefined;
    if (raw === undefined) {
      if (op.priorityPolicy === "IgnoreNotFound") continue;
      throw fail(`priority key "${key}" not found in the input`, { key });
    }
    let parsed: Json;
    try {
      parsed = wellFormed(JSON.parse(decoder.decode(raw)) as Json);
    } catch {
      throw fail(`the value of key "${key}" is not JSON`, { key });
    }
    if (parsed === null) continue;
    if (typeof parsed !== "object" || Array.isArray(parsed)) throw fail(`the value of key "${key}" is not a JSON object`, { key });
    for (const [k, v] of Object.entries(parsed)) {
      if (merged.has(k)) conflicts.push(k);
      merged.set(k, v);
    }
  }
  if (op.conflictPolicy !== "Ignore" && conflicts.length > 0) throw fail(`conflicting keys: ${conflicts.join(", ")}`);
  if (op.strategy === "JSON") {
    if (op.into === "") throw fail("strategy JSON needs into (the key that receives the merged object)");
    const obj: Record<string, Json> = {};
    for (const [k, v] of merged) Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
    const out: Record<string, Uint8Array> = { ...input };
    Object.defineProperty(out, op.into, { value: encoder.encode(goJson(obj, false)), enumerable: true, writable: true, configurable: true });
    return out;
  }
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of merged) Object.defineProperty(out, k, { value: byteValue(v), enumerable: true, writable: true, configurable: true });
  return out;
}
