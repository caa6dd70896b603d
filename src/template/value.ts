import { Buffer } from "node:buffer";

/**
 * The values a template computes with, modelled on the Go types text/template and sprig produce.
 *
 * Go strings are byte strings, so a template string is a JS string whose every char code is one
 * byte (0–255); `utf8` / `bytesOf` convert at the edges. That keeps `len`, `substr`, `trunc`,
 * `index` and binary secret values byte-exact, as in Go.
 *
 * - `undefined`: Go's invalid reflect.Value (a missing map key); prints as `<no value>`.
 * - `null`: a nil interface{}; `<nil>` inside fmt, `<no value>` at the top level.
 * - `boolean`, `number` (float64), `GoInt` (int kinds kept apart: Go refuses int64 where int is due).
 */
export type Value = undefined | null | string | boolean | number | GoInt | GoList | GoMap | GoTime | GoObject;

export type IntKind = "int" | "int64" | "int32" | "uint8" | "uint" | "uint32" | "uint64";
export interface GoInt {
  readonly t: "int";
  readonly kind: IntKind;
  readonly v: bigint;
}
/** The element type of a slice or map: `[]string`, `[]interface {}`, `[]int`. */
export type ElemType = "string" | "any" | "int";
export interface GoList {
  readonly t: "list";
  readonly elem: ElemType;
  readonly items: Value[];
  /** A nil slice (prints `[]`, JSON `null`). */
  readonly nil?: boolean;
}
export interface GoMap {
  readonly t: "map";
  readonly elem: ElemType;
  readonly m: Map<string, Value>;
  readonly nil?: boolean;
}
/** A time.Time: Unix nanoseconds plus the zone it is shown in. */
export interface GoTime {
  readonly t: "time";
  readonly ns: bigint;
  /** Offset east of UTC, seconds. */
  readonly offset: number;
  /** Zone abbreviation as Go prints it (`UTC`, `CET`, `+0530`). */
  readonly zone: string;
}

/**
 * Any other Go value a function returns (a `*semver.Version`, sprig's certificate struct): fmt
 * prints `str`, JSON encodes `json`, templates read `fields` and call `methods`.
 */
export interface GoObject {
  readonly t: "obj";
  /** Go's type name, as `%T` and typeOf print it. */
  readonly type: string;
  /** reflect.Kind name (`ptr`, `struct`). */
  readonly kind: string;
  readonly str: string;
  readonly json: Value;
  readonly fields: ReadonlyMap<string, Value>;
  readonly methods: ReadonlyMap<string, (args: Value[]) => Value>;
}

export function int(v: bigint | number, kind: IntKind = "int"): GoInt {
  return { t: "int", kind, v: wrapInt(typeof v === "bigint" ? v : BigInt(Math.trunc(v)), kind) };
}

/** Two's-complement wrap, as Go's fixed-size integer arithmetic does. */
export function wrapInt(v: bigint, kind: IntKind): bigint {
  switch (kind) {
    case "int":
    case "int64":
      return BigInt.asIntN(64, v);
    case "int32":
      return BigInt.asIntN(32, v);
    case "uint8":
      return BigInt.asUintN(8, v);
    case "uint":
      return BigInt.asUintN(64, v);
    case "uint32":
      return BigInt.asUintN(32, v);
    case "uint64":
      return BigInt.asUintN(64, v);
  }
}

export function list(items: Value[], elem: ElemType = "any"): GoList {
  return { t: "list", elem, items };
}
export function map(m: Map<string, Value>, elem: ElemType = "any"): GoMap {
  return { t: "map", elem, m };
}

export function isInt(v: Value): v is GoInt {
  return typeof v === "object" && v !== null && v.t === "int";
}
export function isList(v: Value): v is GoList {
  return typeof v === "object" && v !== null && v.t === "list";
}
export function isMap(v: Value): v is GoMap {
  return typeof v === "object" && v !== null && v.t === "map";
}
export function isTime(v: Value): v is GoTime {
  return typeof v === "object" && v !== null && v.t === "time";
}
export function isObj(v: Value): v is GoObject {
  return typeof v === "object" && v !== null && v.t === "obj";
}

/** Go's name for the dynamic type, as `%T` and error messages print it. */
export function typeName(v: Value): string {
  if (v === undefined || v === null) return "<nil>";
  switch (typeof v) {
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "number":
      return "float64";
  }
  switch (v.t) {
    case "int":
      return v.kind;
    case "list":
      return `[]${elemName(v.elem)}`;
    case "map":
      return `map[string]${elemName(v.elem)}`;
    case "time":
      return "time.Time";
    case "obj":
      return v.type;
  }
}
function elemName(e: ElemType): string {
  return e === "any" ? "interface {}" : e;
}

/** Go's reflect.Kind name, as sprig's kindOf reports it. */
export function kindName(v: Value): string {
  if (v === undefined || v === null) return "invalid";
  switch (typeof v) {
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "number":
      return "float64";
  }
  switch (v.t) {
    case "int":
      return v.kind;
    case "list":
      return "slice";
    case "map":
      return "map";
    case "time":
      return "struct";
    case "obj":
      return v.kind;
  }
}

/** The zero value of a collection's element type (what a missing map key yields with missingkey=zero). */
export function zeroOf(elem: ElemType): Value {
  if (elem === "string") return "";
  if (elem === "int") return int(0n);
  return null;
}

/** Converts a value to fit a collection of the given element type (callers check it fits). */
export function elemFits(elem: ElemType, v: Value): boolean {
  if (elem === "any") return true;
  if (elem === "string") return typeof v === "string";
  return isInt(v) && v.kind === "int";
}

// ---- byte strings ----

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** A JS (UTF-16) string as a Go byte string of its UTF-8 encoding. */
export function bytesOf(s: string): string {
  // Pure ASCII is already its own UTF-8.
  if (isAscii(s)) return s;
  return Buffer.from(s, "utf8").toString("latin1");
}
/** A Go byte string decoded as UTF-8 (invalid sequences become U+FFFD, as Go's range does). */
export function utf8(b: string): string {
  if (isAscii(b)) return b;
  return Buffer.from(b, "latin1").toString("utf8");
}
export function toBuffer(b: string): Buffer {
  return Buffer.from(b, "latin1");
}
export function fromBuffer(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}

/** Keys in Go's fmt order for map[string]X: byte-wise ascending. */
export function sortedKeys(m: GoMap): string[] {
  return [...m.m.keys()].sort(compareBytes);
}
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
