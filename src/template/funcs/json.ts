import { FuncError } from "../exec.ts";
import { formatTime } from "../fmt.ts";
import type { Value } from "../value.ts";
import { bytesOf, int, isInt, list, map, sortedKeys, utf8 } from "../value.ts";

/** encoding/json's Marshal of a template value (byte-string result). */
export function marshalJSON(v: Value, opts: { escapeHTML: boolean; indent?: string }): string {
  const ind = opts.indent;
  const enc = (x: Value, depth: number): string => {
    if (x === undefined || x === null) return "null";
    switch (typeof x) {
      case "string":
        return jsonString(x, opts.escapeHTML);
      case "boolean":
        return x ? "true" : "false";
      case "number":
        return jsonFloat(x);
    }
    switch (x.t) {
      case "int":
        return x.v.toString();
      case "time":
        return jsonString(formatTime(x, "2006-01-02T15:04:05.999999999Z07:00"), opts.escapeHTML);
      case "obj":
        return enc(x.json, depth);
      case "list": {
        if (x.nil === true) return "null";
        if (x.items.length === 0) return "[]";
        if (ind === undefined) return `[${x.items.map((e) => enc(e, depth + 1)).join(",")}]`;
        const pad = "\n" + ind.repeat(depth + 1);
        return `[${x.items.map((e) => pad + enc(e, depth + 1)).join(",")}\n${ind.repeat(depth)}]`;
      }
      case "map": {
        if (x.nil === true) return "null";
        const keys = sortedKeys(x);
        if (keys.length === 0) return "{}";
        if (ind === undefined) return `{${keys.map((k) => `${jsonString(k, opts.escapeHTML)}:${enc(x.m.get(k), depth + 1)}`).join(",")}}`;
        const pad = "\n" + ind.repeat(depth + 1);
        return `{${keys.map((k) => `${pad}${jsonString(k, opts.escapeHTML)}: ${enc(x.m.get(k), depth + 1)}`).join(",")}\n${ind.repeat(depth)}}`;
      }
    }
  };
  return enc(v, 0);
}

function jsonFloat(x: number): string {
  if (!Number.isFinite(x)) throw new FuncError("json: unsupported value");
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-6 || a >= 1e21)) {
    // Go uses %e then trims the exponent's leading zero: 1e-07 -> 1e-7.
    return x.toExponential().replace(/e([+-])(\d)$/, "e$1$2").replace("e+", "e+");
  }
  return Object.is(x, -0) ? "-0" : String(x);
}

function jsonString(b: string, escapeHTML: boolean): string {
  let out = '"';
  for (const ch of utf8(b)) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (cp < 0x20 || cp === 0x2028 || cp === 0x2029 || (escapeHTML && (ch === "<" || ch === ">" || ch === "&"))) {
      out += "\\u" + cp.toString(16).padStart(4, "0");
    } else out += cp < 0x80 ? ch : bytesOf(ch);
  }
  return out + '"';
}

/** encoding/json's Unmarshal into interface{}: objects become map[string]interface{}, numbers float64. */
export function unmarshalJSON(b: string): Value {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8(b));
  } catch {
    throw new FuncError("invalid JSON");
  }
  return fromJS(parsed);
}

/** Converts plain JS data (from JSON or YAML) to template values. */
export function fromJS(x: unknown): Value {
  if (x === null || x === undefined) return null;
  if (typeof x === "string") return bytesOf(x);
  if (typeof x === "number") return x;
  if (typeof x === "bigint") return int(x, "int64");
  if (typeof x === "boolean") return x;
  if (Array.isArray(x)) return list(x.map(fromJS));
  if (typeof x === "object") {
    const m = new Map<string, Value>();
    for (const [k, v] of Object.entries(x as Record<string, unknown>)) m.set(bytesOf(k), fromJS(v));
    return map(m);
  }
  return null;
}

/** Converts template values to plain JS data (for YAML encoding). */
export function toJS(v: Value): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return utf8(v);
  if (typeof v !== "object") return v;
  if (isInt(v)) return v.v >= BigInt(Number.MIN_SAFE_INTEGER) && v.v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.v) : v.v;
  switch (v.t) {
    case "list":
      return v.items.map(toJS);
    case "map": {
      const o: Record<string, unknown> = {};
      for (const k of sortedKeys(v)) o[utf8(k)] = toJS(v.m.get(k));
      return o;
    }
    case "time":
      return utf8(formatTime(v, "2006-01-02T15:04:05.999999999Z07:00"));
    case "obj":
      return toJS(v.json);
  }
}
