import { createHash, randomBytes, randomInt, randomUUID } from "node:crypto";
import type { GoFunc, ParamType } from "../exec.ts";
import { FuncError, truth } from "../exec.ts";
import { formatTime, printV, quote, sprintf } from "../fmt.ts";
import type { GoRegexp } from "../../regex/go.ts";
import { quoteMeta } from "../../regex/go.ts";
import { compileGoRegex, RegexSyntaxError } from "../regex.ts";
import type { GoList, GoMap, GoTime, Value } from "../value.ts";
import { bytesOf, int, isInt, isList, isMap, isTime, kindName, list, map, typeName, utf8 } from "../value.ts";
import { marshalJSON, unmarshalJSON } from "./json.ts";

/**
 * sprig v3.3.0's functions as ESO and Sealed Secrets expose them, minus env/expandenv/
 * getHostByName. Each entry carries the Go signature so text/template's argument checks apply.
 * Functions sprig has but kseal does not implement are listed in UNSUPPORTED_SPRIG: a template that
 * names one fails to parse with a clear message rather than behaving differently from Go.
 */

const f = (params: ParamType[], fn: GoFunc["fn"], variadic?: ParamType): GoFunc =>
  variadic === undefined ? { params, fn } : { params, variadic, fn };
const S = (v: Value): string => v as string;
const I = (v: Value): number => (isInt(v) ? Number(v.v) : 0);

// ---- conversions (spf13/cast v1.7 semantics, as sprig uses them) ----

/** sprig's strval. */
export function strval(v: Value): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "<nil>";
  return printV(v);
}

function parseGoInt(s: string): bigint | undefined {
  // strconv.ParseInt(s, 0, 0) after cast's trimZeroDecimal.
  let t = s;
  const z = /^([+-]?\d+)\.0*$/.exec(t);
  if (z?.[1] !== undefined) t = z[1];
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+(?:_[0-9a-fA-F]+)*|0[bB][01]+(?:_[01]+)*|0[oO]?[0-7]+(?:_[0-7]+)*|[1-9]\d*(?:_\d+)*|0)$/.exec(t);
  if (m === null) return undefined;
  let body = (m[2] ?? "0").replace(/_/g, "");
  if (/^0[0-7]+$/.test(body)) body = "0o" + body.slice(1);
  else if (/^0[oO]/.test(body)) body = "0o" + body.slice(2);
  const v = BigInt(body) * (m[1] === "-" ? -1n : 1n);
  if (v > (1n << 63n) - 1n || v < -(1n << 63n)) return undefined;
  return v;
}

export function toInt64(v: Value): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "number") return Number.isFinite(v) ? BigInt.asIntN(64, BigInt(Math.trunc(v))) : -(1n << 63n);
  if (typeof v === "string") return parseGoInt(v) ?? 0n;
  if (isInt(v)) return BigInt.asIntN(64, v.v);
  return 0n;
}

export function toFloat64(v: Value): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const t = v.replace(/_/g, "");
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) || /^[+-]?(inf|infinity)$/i.test(t)) {
      return /inf/i.test(t) ? (t.startsWith("-") ? -Infinity : Infinity) : Number(t);
    }
    if (/^[+-]?nan$/i.test(t)) return NaN;
    return 0;
  }
  if (isInt(v)) return Number(v.v);
  return 0;
}

/** sprig's strslice. */
function strslice(v: Value): string[] {
  if (isList(v)) return v.items.filter((x) => x !== null && x !== undefined).map(strval);
  if (v === null || v === undefined) return [];
  return [strval(v)];
}

function reflectList(v: Value, what: string): GoList {
  if (isList(v)) return v;
  throw new FuncError(`Cannot find ${what} on type ${v === null || v === undefined ? "<nil>" : kindName(v)}`);
}

/** reflect.DeepEqual on template values. */
function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (typeName(a) !== typeName(b)) return false;
  if (isInt(a) && isInt(b)) return a.v === b.v;
  if (isList(a) && isList(b)) return a.items.length === b.items.length && a.items.every((x, i) => deepEqual(x, b.items[i]));
  if (isMap(a) && isMap(b)) return a.m.size === b.m.size && [...a.m].every(([k, x]) => b.m.has(k) && deepEqual(x, b.m.get(k)));
  if (isTime(a) && isTime(b)) return a.ns === b.ns && a.offset === b.offset && a.zone === b.zone;
  return false;
}

/** sprig's empty. */
export function empty(v: Value): boolean {
  if (v === null || v === undefined) return true;
  if (isTime(v)) return false;
  return !truth(v);
}

// ---- strings ----

const isUnicodeSpace = (c: string): boolean => /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/.test(c);
const TRIM_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

function mapRunes(s: string, fn: (t: string) => string): string {
  return bytesOf(fn(utf8(s)));
}

function trimCutset(s: string, cutset: string, left: boolean, right: boolean): string {
  const set = new Set(utf8(cutset));
  const chars = [...utf8(s)];
  let a = 0;
  let b = chars.length;
  if (left) while (a < b && set.has(chars[a] ?? "")) a++;
  if (right) while (b > a && set.has(chars[b - 1] ?? "")) b--;
  return bytesOf(chars.slice(a, b).join(""));
}

function goUpper(s: string): string {
  // strings.ToUpper maps rune by rune (no ß -> SS expansion).
  return [...s].map((c) => {
    const u = c.toUpperCase();
    return [...u].length === 1 ? u : c;
  }).join("");
}
function goLower(s: string): string {
  return [...s].map((c) => {
    const l = c.toLowerCase();
    return [...l].length === 1 ? l : c;
  }).join("");
}

/** strings.Title: upper-cases the first letter of each word. */
function goTitle(s: string): string {
  let prev = " ";
  let out = "";
  for (const c of s) {
    const sep = (() => {
      if (prev.charCodeAt(0) < 0x80) return !/[0-9A-Za-z_]/.test(prev);
      if (/\p{L}|\p{Nd}/u.test(prev)) return false;
      return /\s/u.test(prev);
    })();
    out += sep ? goTitleCase(c) : c;
    prev = c;
  }
  return out;
}
function goTitleCase(c: string): string {
  const u = c.toUpperCase();
  return [...u].length === 1 ? u : c;
}

function goSplit(s: string, sep: string, n = -1): string[] {
  if (n === 0) return [];
  if (sep === "") {
    const runes = [...utf8(s)].map(bytesOf);
    if (n > 0 && runes.length > n) return [...runes.slice(0, n - 1), runes.slice(n - 1).join("")];
    return runes;
  }
  const parts = s.split(sep);
  if (n > 0 && parts.length > n) return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
  return parts;
}

function splitMap(parts: string[]): GoMap {
  return map(new Map(parts.map((p, i) => [`_${i}`, p])), "string");
}

function checkSize(n: number, ctx: { maxOutputBytes: number }): void {
  if (n > ctx.maxOutputBytes) throw new FuncError(`result exceeds ${ctx.maxOutputBytes} bytes`, "TEMPLATE_LIMIT");
}

/** goutils WordUtils.Wrap(str, wrapLength, "\n", false). */
function wrap(str: string, wrapLength: number): string {
  if (wrapLength < 1) wrapLength = 1;
  const inputLineLength = str.length;
  let offset = 0;
  let out = "";
  while (inputLineLength - offset > wrapLength) {
    if (str.charAt(offset) === " ") {
      offset++;
      continue;
    }
    const end = wrapLength + offset + 1;
    let spaceToWrapAt = str.slice(offset, end).lastIndexOf(" ");
    if (spaceToWrapAt >= 0) spaceToWrapAt += offset;
    if (spaceToWrapAt >= offset) {
      out += str.slice(offset, spaceToWrapAt) + "\n";
      offset = spaceToWrapAt + 1;
    } else {
      const next = str.slice(wrapLength + offset).indexOf(" ");
      spaceToWrapAt = next >= 0 ? next + wrapLength + offset : -1;
      if (spaceToWrapAt >= 0) {
        out += str.slice(offset, spaceToWrapAt) + "\n";
        offset = spaceToWrapAt + 1;
      } else {
        out += str.slice(offset);
        offset = inputLineLength;
      }
    }
  }
  out += str.slice(offset);
  return out;
}

// ---- lists and dicts ----

function copyList(l: GoList): Value[] {
  return [...l.items];
}

function mergeInto(dst: GoMap, src: GoMap, overwrite: boolean): void {
  for (const [k, sv] of src.m) {
    const dv = dst.m.get(k);
    if (isMap(dv) && isMap(sv) && dv.elem === "any") {
      mergeInto(dv, sv, overwrite);
    } else if (!dst.m.has(k) || dv === null || dv === undefined || (overwrite ? !empty(sv) : empty(dv) && !isMap(dv) && !isList(dv))) {
      dst.m.set(k, sv);
    } else if (overwrite && !empty(sv)) dst.m.set(k, sv);
  }
}

function deepCopy(v: Value): Value {
  if (isList(v)) return { ...v, items: v.items.map(deepCopy) };
  if (isMap(v)) return { ...v, m: new Map([...v.m].map(([k, x]) => [k, deepCopy(x)])) };
  return v;
}

// ---- regex ----

function re(pattern: Value): GoRegexp {
  return compileGoRegex(S(pattern));
}

// ---- time ----

/** The local zone is UTC: the operator and the CLI render as in a UTC container. */
function timeOf(v: Value): GoTime | undefined {
  if (isTime(v)) return v;
  if (isInt(v)) return { t: "time", ns: v.v * 1_000_000_000n, offset: 0, zone: "UTC" };
  return undefined;
}

export function nowTime(): GoTime {
  const ms = BigInt(Date.now());
  return { t: "time", ns: ms * 1_000_000n + BigInt(Math.floor(performance.now() * 1e6) % 1_000_000), offset: 0, zone: "UTC" };
}

function inZone(t: GoTime, zone: string): GoTime {
  if (zone === "" || zone === "UTC" || zone === "Local") return { ...t, offset: 0, zone: "UTC" };
  const ms = Number(t.ns / 1_000_000n);
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", { timeZone: utf8(zone), timeZoneName: "longOffset" }).formatToParts(new Date(ms));
  } catch {
    // Go's time.LoadLocation fails; sprig's dateInZone then falls back to UTC.
    return { ...t, offset: 0, zone: "UTC" };
  }
  const name = parts.find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /GMT([+-])(\d\d):(\d\d)/.exec(name);
  const offset = m === null ? 0 : (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60);
  const abbr = new Intl.DateTimeFormat("en-US", { timeZone: utf8(zone), timeZoneName: "short" }).formatToParts(new Date(ms)).find((p) => p.type === "timeZoneName")?.value ?? "";
  const zoneName = /^[A-Z]{3,5}$/.test(abbr) ? abbr : formatTime({ t: "time", ns: 0n, offset, zone: "" }, "-07").replace(/00$/, "");
  return { t: "time", ns: t.ns, offset, zone: zoneName };
}

function formatDate(layout: string, date: Value, zone: string): string {
  const t = timeOf(date) ?? nowTime();
  return formatTime(inZone(t, zone), layout);
}

/** time.Parse for the layouts people use with toDate; others fail clearly. */
function parseTime(layout: string, value: string): GoTime {
  const tokens: [string, string][] = [
    ["2006", "(?<Y>\\d{4})"], ["01", "(?<M>\\d{2})"], ["02", "(?<D>\\d{2})"], ["15", "(?<h>\\d{2})"], ["04", "(?<m>\\d{2})"],
    ["05", "(?<s>\\d{2})"], ["Z07:00", "(?<z>Z|[+-]\\d{2}:\\d{2})"], ["-07:00", "(?<z>[+-]\\d{2}:\\d{2})"], ["-0700", "(?<z>[+-]\\d{4})"],
    ["MST", "(?<zn>[A-Z]{3,4})"], ["Jan", "(?<Mn>[A-Z][a-z]{2})"], [".000", "(?<f>\\.\\d{3})"], [".999999999", "(?<f>\\.\\d+)?"],
  ];
  let pattern = "";
  let i = 0;
  outer: while (i < layout.length) {
    for (const [tok, rx] of tokens) {
      if (layout.startsWith(tok, i)) {
        pattern += rx;
        i += tok.length;
        continue outer;
      }
    }
    if (/[0-9]/.test(layout.charAt(i)) && !/[0-9]/.test(layout.charAt(i - 1))) throw new FuncError("parsing time: layout not supported by kseal", "TEMPLATE_UNSUPPORTED");
    pattern += layout.charAt(i).replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
    i++;
  }
  const m = new RegExp(`^${pattern}$`).exec(value);
  const g = m?.groups;
  if (g === undefined) throw new FuncError("parsing time: cannot parse");
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const Y = Number(g.Y ?? 0), M = g.Mn !== undefined ? months.indexOf(g.Mn) + 1 : Number(g.M ?? 1), D = Number(g.D ?? 1);
  const h = Number(g.h ?? 0), mi = Number(g.m ?? 0), s = Number(g.s ?? 0);
  if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 || s > 59) throw new FuncError("parsing time: out of range");
  let offset = 0;
  const z = g.z;
  if (z !== undefined && z !== "Z") {
    const zz = z.replace(":", "");
    offset = (zz.startsWith("-") ? -1 : 1) * (Number(zz.slice(1, 3)) * 3600 + Number(zz.slice(3, 5)) * 60);
  }
  const frac = g.f === undefined ? 0n : BigInt((g.f.slice(1) + "000000000").slice(0, 9));
  const secs = BigInt(Date.UTC(Y, M - 1, D, h, mi, s) / 1000) - BigInt(offset);
  const zone = offset === 0 ? "UTC" : "";
  return { t: "time", ns: secs * 1_000_000_000n + frac, offset, zone: zone === "" ? formatTime({ t: "time", ns: 0n, offset, zone: "" }, "-0700") : zone };
}

// ---- hashes ----

function adler32(b: Buffer): number {
  let a = 1;
  let c = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    c = (c + a) % 65521;
  }
  return ((c << 16) | a) >>> 0;
}

const RAND_ALPHANUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
function randFrom(chars: string, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += chars.charAt(randomInt(chars.length));
  return s;
}

function b32enc(buf: Buffer): string {
  const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const x of buf) {
    value = (value << 8) | x;
    bits += 8;
    while (bits >= 5) {
      out += A.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += A.charAt((value << (5 - bits)) & 31);
  while (out.length % 8 !== 0) out += "=";
  return out;
}
function b32dec(s: string): Buffer | undefined {
  const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  if (s.length % 8 !== 0) return undefined;
  const body = s.replace(/=+$/, "");
  const padLen = s.length - body.length;
  if (![0, 1, 3, 4, 6].includes(padLen)) return undefined;
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of body) {
    const i = A.indexOf(c);
    if (i < 0) return undefined;
    value = ((value << 5) | i) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function b64dec(s: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
    // Go reports the offset of the first bad byte; the text is the function's output, not an error.
    const m = /[^A-Za-z0-9+/=]|=(?=[^=])/.exec(s);
    const at = m !== null ? m.index : s.length - (s.length % 4);
    return `illegal base64 data at input byte ${at}`;
  }
  const buf = Buffer.from(s, "base64");
  if (buf.toString("base64") !== s) return `illegal base64 data at input byte ${s.length - 1}`;
  return buf.toString("latin1");
}

function numList(args: Value[]): bigint[] {
  return args.map(toInt64);
}

function untilStep(start: number, stop: number, step: number, ctx: { maxOutputBytes: number; step(n: number): void }): GoList {
  const v: Value[] = [];
  if (step === 0) return list(v, "int");
  if (stop < start && step > 0) return list(v, "int");
  if (stop > start && step < 0) return list(v, "int");
  const count = Math.ceil(Math.abs((stop - start) / step));
  ctx.step(count);
  checkSize(count, ctx);
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) v.push(int(i));
  return list(v, "int");
}

function seq(params: bigint[], ctx: { maxOutputBytes: number; step(n: number): void }): string {
  const build = (start: bigint, step: bigint, end: bigint): string => {
    if (step === 0n) return "";
    const n = (end - start) / step;
    if (n < 0n) return "";
    ctx.step(Number(n));
    checkSize(Number(n), ctx);
    const out: string[] = [];
    for (let i = start; step > 0n ? i <= end : i >= end; i += step) out.push(i.toString());
    return out.join(" ");
  };
  switch (params.length) {
    case 0:
      return "";
    case 1: {
      const end = params[0] ?? 0n;
      return end > 0n ? build(1n, 1n, end) : build(1n, -1n, end);
    }
    case 2: {
      const [start = 0n, end = 0n] = params;
      return build(start, end >= start ? 1n : -1n, end);
    }
    case 3: {
      const [start = 0n, step = 0n, end = 0n] = params;
      if (end < start && step > 0n) return "";
      if (end > start && step < 0n) return "";
      return build(start, step, end);
    }
    default:
      return "";
  }
}

function roundHalf(a: Value, p: number, roundOn: number): number {
  const val = toFloat64(a);
  const pow = 10 ** p;
  const digit = pow * val;
  const frac = digit - Math.trunc(digit);
  const r = frac >= roundOn ? Math.ceil(digit) : Math.floor(digit);
  return r / pow;
}

export const SPRIG: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  // strings
  ["hello", f([], () => "Hello!")],
  ["upper", f(["string"], ([s]) => mapRunes(S(s), goUpper))],
  ["lower", f(["string"], ([s]) => mapRunes(S(s), goLower))],
  ["title", f(["string"], ([s]) => mapRunes(S(s), goTitle))],
  ["untitle", f(["string"], ([s]) => mapRunes(S(s), (t) => t.replace(/(^|\s)(\S)/gu, (_m, a: string, b: string) => a + b.toLowerCase())))],
  ["trim", f(["string"], ([s]) => mapRunes(S(s), (t) => t.replace(TRIM_SPACE, "")))],
  ["trimAll", f(["string", "string"], ([c, s]) => trimCutset(S(s), S(c), true, true))],
  ["trimall", f(["string", "string"], ([c, s]) => trimCutset(S(s), S(c), true, true))],
  ["trimSuffix", f(["string", "string"], ([a, s]) => (S(s).endsWith(S(a)) ? S(s).slice(0, S(s).length - S(a).length) : S(s)))],
  ["trimPrefix", f(["string", "string"], ([a, s]) => (S(s).startsWith(S(a)) ? S(s).slice(S(a).length) : S(s)))],
  // goutils' DeleteWhiteSpace walks bytes, not runes: each non-space byte is re-encoded as the
  // rune of the same number, so non-ASCII text comes out double-encoded, exactly as in Go.
  ["nospace", f(["string"], ([s]) => bytesOf([...S(s)].filter((c) => !isUnicodeSpace(c)).join("")))],
  ["contains", f(["string", "string"], ([sub, s]) => S(s).includes(S(sub)))],
  ["hasPrefix", f(["string", "string"], ([p, s]) => S(s).startsWith(S(p)))],
  ["hasSuffix", f(["string", "string"], ([p, s]) => S(s).endsWith(S(p)))],
  ["replace", f(["string", "string", "string"], ([o, n, s]) => (S(o) === "" ? goSplit(S(s), "").join(S(n)).replace(/^/, S(n)) + (S(s) === "" ? "" : S(n)) : S(s).split(S(o)).join(S(n))))],
  ["repeat", f(["int", "string"], ([n, s], ctx) => {
    const c = I(n);
    if (c < 0) throw new FuncError("strings: negative Repeat count");
    checkSize(c * S(s).length, ctx);
    return S(s).repeat(c);
  })],
  ["substr", f(["int", "int", "string"], ([a, b, s]) => {
    const start = I(a), end = I(b), str = S(s);
    const slice = (x: number, y: number): string => {
      if (x < 0 || y > str.length || x > y) throw new FuncError("runtime error: slice bounds out of range");
      return str.slice(x, y);
    };
    if (start < 0) return slice(0, end);
    if (end < 0 || end > str.length) return slice(start, str.length);
    return slice(start, end);
  })],
  ["trunc", f(["int", "string"], ([n, s]) => {
    const c = I(n), str = S(s);
    if (c < 0 && str.length + c > 0) return str.slice(str.length + c);
    if (c >= 0 && str.length > c) return str.slice(0, c);
    return str;
  })],
  ["abbrev", f(["int", "string"], ([n, s]) => {
    const w = I(n), str = S(s);
    if (w < 4 || str.length <= w) return str;
    return str.slice(0, w - 3) + "...";
  })],
  ["initials", f(["string"], ([s]) => mapRunes(S(s), (t) => t.split(/\s+/u).filter((w) => w !== "").map((w) => [...w][0] ?? "").join("")))],
  ["indent", f(["int", "string"], ([n, s], ctx) => {
    const pad = " ".repeat(Math.max(0, I(n)));
    const lines = S(s).split("\n").length;
    checkSize(S(s).length + lines * pad.length, ctx);
    return pad + S(s).split("\n").join("\n" + pad);
  })],
  ["nindent", f(["int", "string"], ([n, s], ctx) => {
    const pad = " ".repeat(Math.max(0, I(n)));
    const lines = S(s).split("\n").length;
    checkSize(S(s).length + lines * pad.length + 1, ctx);
    return "\n" + pad + S(s).split("\n").join("\n" + pad);
  })],
  ["quote", f([], (args) => args.filter((a) => a !== null && a !== undefined).map((a) => quote(strval(a))).join(" "), "any")],
  ["squote", f([], (args) => args.filter((a) => a !== null && a !== undefined).map((a) => `'${strval(a)}'`).join(" "), "any")],
  ["cat", f([], (args) => {
    const v = args.filter((a) => a !== null && a !== undefined);
    return sprintf(Array(v.length).fill("%v").join(" "), v);
  }, "any")],
  ["wrap", f(["int", "string"], ([n, s]) => wrap(S(s), I(n)))],
  ["wrapWith", f(["int", "string", "string"], ([n, sep, s]) => wrap(S(s), I(n)).split("\n").join(S(sep)))],
  ["plural", f(["string", "string", "int"], ([one, many, n]) => (I(n) === 1 ? S(one) : S(many)))],
  ["split", f(["string", "string"], ([sep, s]) => splitMap(goSplit(S(s), S(sep))))],
  ["splitn", f(["string", "int", "string"], ([sep, n, s]) => splitMap(goSplit(S(s), S(sep), I(n))))],
  ["splitList", f(["string", "string"], ([sep, s]) => list(goSplit(S(s), S(sep)), "string"))],
  ["join", f(["string", "any"], ([sep, v]) => strslice(v).join(S(sep)))],
  ["sortAlpha", f(["any"], ([v]) => (isList(v) ? list(strslice(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), "string") : list([strval(v)], "string")))],
  ["toStrings", f(["any"], ([v]) => list(strslice(v), "string"))],
  ["toString", f(["any"], ([v]) => strval(v))],
  ["snakecase", f(["string"], ([s]) => mapRunes(S(s), (t) => t.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[\s-]+/g, "_").toLowerCase()))],
  ["kebabcase", f(["string"], ([s]) => mapRunes(S(s), (t) => t.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/[\s_]+/g, "-").toLowerCase()))],
  // encoding and hashes
  ["b64enc", f(["string"], ([s]) => Buffer.from(S(s), "latin1").toString("base64"))],
  ["b64dec", f(["string"], ([s]) => b64dec(S(s)))],
  ["b32enc", f(["string"], ([s]) => b32enc(Buffer.from(S(s), "latin1")))],
  ["b32dec", f(["string"], ([s]) => b32dec(S(s))?.toString("latin1") ?? "illegal base32 data")],
  ["sha1sum", f(["string"], ([s]) => createHash("sha1").update(Buffer.from(S(s), "latin1")).digest("hex"))],
  ["sha256sum", f(["string"], ([s]) => createHash("sha256").update(Buffer.from(S(s), "latin1")).digest("hex"))],
  ["sha512sum", f(["string"], ([s]) => createHash("sha512").update(Buffer.from(S(s), "latin1")).digest("hex"))],
  ["adler32sum", f(["string"], ([s]) => String(adler32(Buffer.from(S(s), "latin1"))))],
  ["toJson", f(["any"], ([v]) => { try { return marshalJSON(v, { escapeHTML: true }); } catch { return ""; } })],
  ["mustToJson", f(["any"], ([v]) => marshalJSON(v, { escapeHTML: true }))],
  ["toPrettyJson", f(["any"], ([v]) => { try { return marshalJSON(v, { escapeHTML: true, indent: "  " }); } catch { return ""; } })],
  ["mustToPrettyJson", f(["any"], ([v]) => marshalJSON(v, { escapeHTML: true, indent: "  " }))],
  ["toRawJson", f(["any"], ([v]) => { try { return marshalJSON(v, { escapeHTML: false }); } catch { return ""; } })],
  ["mustToRawJson", f(["any"], ([v]) => marshalJSON(v, { escapeHTML: false }))],
  ["fromJson", f(["string"], ([s]) => { try { return unmarshalJSON(S(s)); } catch { return null; } })],
  ["mustFromJson", f(["string"], ([s]) => unmarshalJSON(S(s)))],
  // defaults and logic
  ["default", f(["any"], ([d, ...given]) => (given.length === 0 || empty(given[0]) ? d : given[0]), "any")],
  ["empty", f(["any"], ([v]) => empty(v))],
  ["coalesce", f([], (args) => args.find((a) => !empty(a)) ?? null, "any")],
  ["all", f([], (args) => args.every((a) => !empty(a)), "any")],
  ["any", f([], (args) => args.some((a) => !empty(a)), "any")],
  ["ternary", f(["any", "any", "bool"], ([t, fv, c]) => (c === true ? t : fv))],
  ["fail", f(["string"], () => { throw new FuncError("template failed (fail was called)"); })],
  ["typeOf", f(["any"], ([v]) => (v === null || v === undefined ? "<nil>" : typeName(v)))],
  ["kindOf", f(["any"], ([v]) => (v === null || v === undefined ? "invalid" : kindName(v)))],
  ["kindIs", f(["string", "any"], ([k, v]) => (v === null || v === undefined ? "invalid" : kindName(v)) === S(k))],
  ["typeIs", f(["string", "any"], ([k, v]) => (v === null || v === undefined ? "<nil>" : typeName(v)) === S(k))],
  ["deepEqual", f(["any", "any"], ([a, b]) => deepEqual(a, b))],
  ["deepCopy", f(["any"], ([v]) => deepCopy(v))],
  ["mustDeepCopy", f(["any"], ([v]) => deepCopy(v))],
  // math
  ["add", f([], (args) => int(numList(args).reduce((a, b) => a + b, 0n), "int64"), "any")],
  ["add1", f(["any"], ([a]) => int(toInt64(a) + 1n, "int64"))],
  ["sub", f(["any", "any"], ([a, b]) => int(toInt64(a) - toInt64(b), "int64"))],
  ["mul", f(["any"], ([a, ...r]) => int(numList(r).reduce((x, y) => x * y, toInt64(a)), "int64"), "any")],
  ["div", f(["any", "any"], ([a, b]) => {
    const d = toInt64(b);
    if (d === 0n) throw new FuncError("runtime error: integer divide by zero");
    return int(toInt64(a) / d, "int64");
  })],
  ["mod", f(["any", "any"], ([a, b]) => {
    const d = toInt64(b);
    if (d === 0n) throw new FuncError("runtime error: integer divide by zero");
    return int(toInt64(a) % d, "int64");
  })],
  ["max", f(["any"], ([a, ...r]) => int(numList(r).reduce((x, y) => (y > x ? y : x), toInt64(a)), "int64"), "any")],
  ["biggest", f(["any"], ([a, ...r]) => int(numList(r).reduce((x, y) => (y > x ? y : x), toInt64(a)), "int64"), "any")],
  ["min", f(["any"], ([a, ...r]) => int(numList(r).reduce((x, y) => (y < x ? y : x), toInt64(a)), "int64"), "any")],
  ["maxf", f(["any"], ([a, ...r]) => r.map(toFloat64).reduce((x, y) => Math.max(x, y), toFloat64(a)), "any")],
  ["minf", f(["any"], ([a, ...r]) => r.map(toFloat64).reduce((x, y) => Math.min(x, y), toFloat64(a)), "any")],
  ["floor", f(["any"], ([a]) => Math.floor(toFloat64(a)))],
  ["ceil", f(["any"], ([a]) => Math.ceil(toFloat64(a)))],
  ["round", f(["any", "int"], ([a, p, r]) => roundHalf(a, I(p), r === undefined ? 0.5 : (r as number)), "float64")],
  ["toDecimal", f(["any"], ([v]) => { const p = parseGoInt("0o" + strval(v).replace(/^0o/, "")); return int(p ?? 0n, "int64"); })],
  // conversion
  ["atoi", f(["string"], ([s]) => {
    const m = /^[+-]?\d+$/.exec(S(s));
    if (m === null) return int(0n);
    const v = BigInt(S(s));
    return int(v > (1n << 63n) - 1n || v < -(1n << 63n) ? 0n : v);
  })],
  ["int", f(["any"], ([v]) => int(toInt64(v)))],
  ["int64", f(["any"], ([v]) => int(toInt64(v), "int64"))],
  ["float64", f(["any"], ([v]) => toFloat64(v))],
  ["seq", f([], (args, ctx) => seq(args.map(toInt64), ctx), "int")],
  ["until", f(["int"], ([n], ctx) => {
    const c = I(n);
    return untilStep(0, c, c < 0 ? -1 : 1, ctx);
  })],
  ["untilStep", f(["int", "int", "int"], ([a, b, c], ctx) => untilStep(I(a), I(b), I(c), ctx))],
  // lists
  ["list", f([], (args) => list([...args]), "any")],
  ["tuple", f([], (args) => list([...args]), "any")],
  ["first", f(["any"], ([l]) => { const x = reflectList(l, "first"); return x.items.length === 0 ? null : x.items[0]; })],
  ["mustFirst", f(["any"], ([l]) => { const x = reflectList(l, "first"); return x.items.length === 0 ? null : x.items[0]; })],
  ["last", f(["any"], ([l]) => { const x = reflectList(l, "last"); return x.items.length === 0 ? null : x.items[x.items.length - 1]; })],
  ["mustLast", f(["any"], ([l]) => { const x = reflectList(l, "last"); return x.items.length === 0 ? null : x.items[x.items.length - 1]; })],
  ["rest", f(["any"], ([l]) => { const x = reflectList(l, "rest"); return x.items.length === 0 ? nilList() : list(x.items.slice(1)); })],
  ["initial", f(["any"], ([l]) => { const x = reflectList(l, "initial"); return x.items.length === 0 ? nilList() : list(x.items.slice(0, -1)); })],
  ["reverse", f(["any"], ([l]) => { const x = reflectList(l, "reverse"); return x.items.length === 0 ? nilList() : list([...x.items].reverse()); })],
  ["append", f(["any", "any"], ([l, v]) => list([...copyList(reflectAppend(l)), v]))],
  ["push", f(["any", "any"], ([l, v]) => list([...copyList(reflectAppend(l)), v]))],
  ["prepend", f(["any", "any"], ([l, v]) => list([v, ...copyList(reflectAppend(l, "prepend"))]))],
  ["uniq", f(["any"], ([l]) => {
    const x = reflectList(l, "uniq");
    const out: Value[] = [];
    for (const v of x.items) if (!out.some((o) => deepEqual(o, v))) out.push(v);
    return list(out);
  })],
  ["without", f(["any"], ([l, ...omit]) => list(reflectList(l, "without").items.filter((v) => !omit.some((o) => deepEqual(o, v)))), "any")],
  ["has", f(["any", "any"], ([needle, hay]) => {
    if (hay === null || hay === undefined) return false;
    if (!isList(hay)) throw new FuncError(`Cannot find has on type ${kindName(hay)}`);
    return hay.items.some((v) => deepEqual(v, needle));
  })],
  ["compact", f(["any"], ([l]) => list(reflectList(l, "compact").items.filter((v) => !empty(v))))],
  ["concat", f([], (args) => list(args.flatMap((a) => {
    if (!isList(a)) throw new FuncError(`Cannot concat type ${a === null || a === undefined ? "invalid" : kindName(a)} as list`);
    return a.items;
  })), "any")],
  ["slice", f(["any"], ([l, ...ix]) => {
    if (!isList(l)) throw new FuncError(`list should be type of slice or array but ${l === null || l === undefined ? "invalid" : kindName(l)}`);
    if (l.items.length === 0) return null;
    const start = ix.length > 0 ? Number(toInt64(ix[0])) : 0;
    const end = ix.length > 1 ? Number(toInt64(ix[1])) : l.items.length;
    if (start < 0 || end > l.items.length || start > end) throw new FuncError("reflect: slice index out of range");
    return { t: "list", elem: l.elem, items: l.items.slice(start, end) };
  }, "any")],
  ["chunk", f(["int", "any"], ([n, l]) => {
    const size = I(n);
    const x = reflectList(l, "chunk");
    if (size <= 0) throw new FuncError("runtime error: integer divide by zero");
    const out: Value[] = [];
    for (let i = 0; i < x.items.length; i += size) out.push(list(x.items.slice(i, i + size)));
    return list(out);
  })],
  // dicts
  ["dict", f([], (args) => {
    const m = new Map<string, Value>();
    for (let i = 0; i < args.length; i += 2) m.set(strval(args[i]), i + 1 < args.length ? args[i + 1] : "");
    return map(m);
  }, "any")],
  ["get", f(["map[string]interface {}", "string"], ([d, k]) => { const m = d as GoMap; return m.m.has(S(k)) ? m.m.get(S(k)) : ""; })],
  ["set", f(["map[string]interface {}", "string", "any"], ([d, k, v]) => {
    const m = d as GoMap;
    if (m.nil === true) throw new FuncError("assignment to entry in nil map");
    m.m.set(S(k), v);
    return m;
  })],
  ["unset", f(["map[string]interface {}", "string"], ([d, k]) => { (d as GoMap).m.delete(S(k)); return d; })],
  ["hasKey", f(["map[string]interface {}", "string"], ([d, k]) => (d as GoMap).m.has(S(k)))],
  ["keys", f([], (ds) => list(ds.flatMap((d) => [...(d as GoMap).m.keys()]), "string"), "map[string]interface {}")],
  ["values", f(["map[string]interface {}"], ([d]) => list([...(d as GoMap).m.values()]))],
  ["pluck", f(["string"], ([k, ...ds]) => list(ds.filter((d) => (d as GoMap).m.has(S(k))).map((d) => (d as GoMap).m.get(S(k)))), "map[string]interface {}")],
  ["pick", f(["map[string]interface {}"], ([d, ...ks]) => {
    const m = new Map<string, Value>();
    for (const k of ks) if ((d as GoMap).m.has(S(k))) m.set(S(k), (d as GoMap).m.get(S(k)));
    return map(m);
  }, "string")],
  ["omit", f(["map[string]interface {}"], ([d, ...ks]) => {
    const m = new Map([...(d as GoMap).m].filter(([k]) => !ks.includes(k)));
    return map(m);
  }, "string")],
  ["merge", f(["map[string]interface {}"], ([d, ...srcs]) => {
    for (const s of srcs) mergeInto(d as GoMap, s as GoMap, false);
    return d;
  }, "map[string]interface {}")],
  ["mergeOverwrite", f(["map[string]interface {}"], ([d, ...srcs]) => {
    for (const s of srcs) mergeInto(d as GoMap, s as GoMap, true);
    return d;
  }, "map[string]interface {}")],
  ["dig", f(["any"], (args) => {
    if (args.length < 3) throw new FuncError("dig needs at least three arguments");
    const dict = args[args.length - 1];
    const def = args[args.length - 2];
    const keys = args.slice(0, -2);
    if (!isMap(dict) || dict.elem !== "any") throw new FuncError("interface conversion: last argument is not map[string]interface {}");
    let cur: GoMap = dict;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (typeof k !== "string") throw new FuncError("interface conversion: key is not string");
      if (!cur.m.has(k)) return def;
      const v = cur.m.get(k);
      if (i === keys.length - 1) return v;
      if (!isMap(v) || v.elem !== "any") throw new FuncError("interface conversion: value is not map[string]interface {}");
      cur = v;
    }
    return def;
  }, "any")],
  // regular expressions
  ["regexMatch", f(["string", "string"], ([r, s]) => {
    try {
      return re(r).test(S(s));
    } catch (e: unknown) {
      if (e instanceof RegexSyntaxError) return false;
      throw e;
    }
  })],
  ["mustRegexMatch", f(["string", "string"], ([r, s]) => re(r).test(S(s)))],
  ["regexFind", f(["string", "string"], ([r, s]) => re(r).find(S(s)))],
  ["mustRegexFind", f(["string", "string"], ([r, s]) => re(r).find(S(s)))],
  ["regexFindAll", f(["string", "string", "int"], ([r, s, n]) => list(re(r).findAll(S(s), I(n)), "string"))],
  ["mustRegexFindAll", f(["string", "string", "int"], ([r, s, n]) => list(re(r).findAll(S(s), I(n)), "string"))],
  ["regexReplaceAll", f(["string", "string", "string"], ([r, s, t]) => re(r).replaceAll(S(s), S(t)))],
  ["mustRegexReplaceAll", f(["string", "string", "string"], ([r, s, t]) => re(r).replaceAll(S(s), S(t)))],
  ["regexReplaceAllLiteral", f(["string", "string", "string"], ([r, s, t]) => re(r).replaceAllLiteral(S(s), S(t)))],
  ["mustRegexReplaceAllLiteral", f(["string", "string", "string"], ([r, s, t]) => re(r).replaceAllLiteral(S(s), S(t)))],
  ["regexSplit", f(["string", "string", "int"], ([r, s, n]) => list(re(r).split(S(s), I(n)), "string"))],
  ["mustRegexSplit", f(["string", "string", "int"], ([r, s, n]) => list(re(r).split(S(s), I(n)), "string"))],
  ["regexQuoteMeta", f(["string"], ([s]) => quoteMeta(S(s)))],
  // dates
  ["now", f([], () => nowTime())],
  ["date", f(["string", "any"], ([l, d]) => formatDate(S(l), d, "Local"))],
  ["dateInZone", f(["string", "any", "string"], ([l, d, z]) => formatDate(S(l), d, S(z)))],
  ["date_in_zone", f(["string", "any", "string"], ([l, d, z]) => formatDate(S(l), d, S(z)))],
  ["htmlDate", f(["any"], ([d]) => formatDate("2006-01-02", d, "Local"))],
  ["htmlDateInZone", f(["any", "string"], ([d, z]) => formatDate("2006-01-02", d, S(z)))],
  ["toDate", f(["string", "string"], ([l, s]) => {
    try {
      return parseTime(S(l), S(s));
    } catch (e: unknown) {
      if (e instanceof FuncError && e.code !== undefined) throw e;
      return { t: "time", ns: -62135596800n * 1_000_000_000n, offset: 0, zone: "UTC" } satisfies GoTime;
    }
  })],
  ["mustToDate", f(["string", "string"], ([l, s]) => parseTime(S(l), S(s)))],
  ["unixEpoch", f(["any"], ([t]) => {
    if (!isTime(t)) throw new FuncError(`wrong type for value; expected time.Time; got ${typeName(t)}`);
    const secs = t.ns / 1_000_000_000n - (t.ns % 1_000_000_000n < 0n ? 1n : 0n);
    return secs.toString();
  })],
  // random
  ["uuidv4", f([], () => randomUUID())],
  ["randAlphaNum", f(["int"], ([n], ctx) => { checkSize(I(n), ctx); return randFrom(RAND_ALPHANUM, Math.max(0, I(n))); })],
  ["randAlpha", f(["int"], ([n], ctx) => { checkSize(I(n), ctx); return randFrom(RAND_ALPHANUM.slice(0, 52), Math.max(0, I(n))); })],
  ["randNumeric", f(["int"], ([n], ctx) => { checkSize(I(n), ctx); return randFrom("0123456789", Math.max(0, I(n))); })],
  ["randAscii", f(["int"], ([n], ctx) => { checkSize(I(n), ctx); return randFrom(Array.from({ length: 95 }, (_x, i) => String.fromCharCode(32 + i)).join(""), Math.max(0, I(n))); })],
  ["randInt", f(["int", "int"], ([a, b]) => {
    const lo = I(a), hi = I(b);
    if (hi <= lo) throw new FuncError("invalid argument to Intn");
    return int(lo + randomInt(hi - lo));
  })],
  ["randBytes", f(["int"], ([n], ctx) => { checkSize(I(n), ctx); return randomBytes(Math.max(0, I(n))).toString("base64"); })],
  // paths (path package: slash-separated, OS-independent)
  ["base", f(["string"], ([s]) => pathBase(S(s)))],
  ["dir", f(["string"], ([s]) => pathDir(S(s)))],
  ["ext", f(["string"], ([s]) => { const b = S(s); const i = b.lastIndexOf("."); const sl = b.lastIndexOf("/"); return i > sl ? b.slice(i) : ""; })],
  ["isAbs", f(["string"], ([s]) => S(s).startsWith("/"))],
  ["clean", f(["string"], ([s]) => pathClean(S(s)))],
]);

function nilList(): GoList {
  return { t: "list", elem: "any", items: [], nil: true };
}

function reflectAppend(l: Value, what = "append"): GoList {
  if (isList(l)) return l;
  throw new FuncError(`Cannot push on type ${l === null || l === undefined ? "invalid" : kindName(l)}`.replace("push", what === "prepend" ? "prepend" : "push"));
}

function pathClean(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const s = (rooted ? "/" : "") + out.join("/");
  return s === "" ? "." : s;
}
function pathBase(p: string): string {
  if (p === "") return ".";
  const t = p.replace(/\/+$/, "");
  if (t === "") return "/";
  return t.slice(t.lastIndexOf("/") + 1);
}
function pathDir(p: string): string {
  const i = p.lastIndexOf("/");
  return pathClean(p.slice(0, i + 1));
}

/**
 * sprig functions kseal does not implement: naming one is a parse error, never a silent
 * difference. Every sprig v3.3.0 function is implemented today; the set stays as the mechanism.
 */
export const UNSUPPORTED_SPRIG: ReadonlySet<string> = new Set<string>([]);
