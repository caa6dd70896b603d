/**
 * The format-agnostic SOPS tree: what every codec parses into and emits from, and what encryption
 * walks. It mirrors sops' own model so the walk order (and so the MAC) matches byte for byte:
 * mappings keep their order, comments are items of the mapping or sequence they sit in, and a
 * scalar carries its sops type with its canonical text (the bytes sops hashes and encrypts).
 */

/** sops' value types. `null` is never encrypted nor hashed. */
export type ScalarType = "str" | "int" | "float" | "bool" | "time" | "bytes";

export interface Scalar {
  readonly kind: "scalar";
  readonly type: ScalarType;
  /**
   * Canonical text: the string itself; decimal for `int`; Go's shortest non-exponent form for
   * `float`; `True`/`False` for `bool`; RFC 3339 (Go `MarshalText`) for `time`. Unused for bytes.
   */
  readonly text: string;
  /** Raw bytes, only for `bytes` (binary files). */
  readonly bytes?: Uint8Array;
}

export interface Null {
  readonly kind: "null";
}

export interface Comment {
  readonly kind: "comment";
  /** The comment's text without its marker (`#` or `;`), leading space kept as written. */
  readonly value: string;
  /** Written on the same line as the preceding value (YAML only). */
  readonly inline: boolean;
}

export interface Pair {
  readonly kind: "pair";
  readonly key: string;
  value: Value;
}

export interface Mapping {
  readonly kind: "map";
  items: (Pair | Comment)[];
}

export interface Sequence {
  readonly kind: "seq";
  items: (Value | Comment)[];
}

export type Value = Scalar | Null | Mapping | Sequence;

/** A document: one mapping per YAML document; exactly one for the other formats. */
export type Branches = Mapping[];

export const NULL: Null = { kind: "null" };

export function str(text: string): Scalar {
  return { kind: "scalar", type: "str", text };
}

export function comment(value: string, inline = false): Comment {
  return { kind: "comment", value, inline };
}

export function mapping(items: (Pair | Comment)[] = []): Mapping {
  return { kind: "map", items };
}

export function pair(key: string, value: Value): Pair {
  return { kind: "pair", key, value };
}

/** The value under `key` in a mapping, or undefined. */
export function get(m: Mapping, key: string): Value | undefined {
  for (const item of m.items) if (item.kind === "pair" && item.key === key) return item.value;
  return undefined;
}

/**
 * Go's `strconv.FormatFloat(v, 'f', -1, 64)`: the shortest digits that round-trip, never an
 * exponent.
 */
export function formatGoFloat(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
  if (Object.is(v, -0)) return "-0";
  const s = String(v);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (m === null) return s;
  const [, sign = "", int = "", frac = "", expText = "0"] = m;
  const digits = int + frac;
  const point = int.length + Number(expText);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

const TIMESTAMP =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?[ \t]*(Z|[+-]\d{1,2}(?::?\d{2})?)?)?$/;

/**
 * If `text` is a YAML timestamp the way go-yaml v3 resolves one, its Go `time.MarshalText` form
 * (RFC 3339 with trimmed fractional seconds); otherwise null.
 */
export function goTimestamp(text: string): string | null {
  const m = TIMESTAMP.exec(text);
  if (m === null) return null;
  const [, y = "", mo = "", d = "", h, mi, s, frac, zone] = m;
  const p2 = (x: string | undefined): string => (x ?? "0").padStart(2, "0");
  let out = `${y}-${p2(mo)}-${p2(d)}T${p2(h)}:${p2(mi)}:${p2(s)}`;
  const f = (frac ?? "").slice(0, 9).replace(/0+$/, "");
  if (f !== "") out += `.${f}`;
  if (zone === undefined || zone === "Z") return `${out}Z`;
  const zm = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(zone);
  if (zm === null) return null;
  const [, zs = "+", zh = "0", zmin = "00"] = zm;
  if (Number(zh) === 0 && Number(zmin) === 0) return `${out}Z`;
  return `${out}${zs}${p2(zh)}:${zmin}`;
}
