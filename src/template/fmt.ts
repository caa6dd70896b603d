import type { GoTime, Value } from "./value.ts";
import { bytesOf, isInt, sortedKeys, typeName, utf8 } from "./value.ts";

/**
 * The parts of Go's `fmt` package that text/template reaches: Sprint, Sprintln, Sprintf with the
 * common verbs and flags, and the `%v` printing of maps, slices, nil and floats. Everything works
 * on Go byte strings (see value.ts).
 */

// ---- exact decimal arithmetic for floats (Go rounds half-to-even on the exact binary value) ----

/** The exact decimal expansion of a finite non-negative double: digits and decimal point position. */
function exactDecimal(x: number): { digits: string; dp: number } {
  if (x === 0) return { digits: "0", dp: 1 };
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exp === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = exp - 1075;
  }
  let digits: string;
  let dp: number;
  if (e >= 0) {
    digits = (mant << BigInt(e)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e)).toString();
    dp = digits.length + e;
  }
  const trimmed = digits.replace(/0+$/, "");
  return { digits: trimmed === "" ? "0" : trimmed, dp };
}

/** Rounds decimal digits to `n` significant digits, half to even on the exact value. */
function roundDigits(d: { digits: string; dp: number }, n: number): { digits: string; dp: number } {
  if (n < 0) return d;
  if (d.digits.length <= n) return { digits: d.digits.padEnd(n, "0"), dp: d.dp };
  if (n === 0) {
    // Only possible for %f with the value below the first kept place.
    const first = d.digits.charCodeAt(0) - 48;
    const up = first > 5 || (first === 5 && d.digits.length > 1);
    return up ? { digits: "1", dp: d.dp + 1 } : { digits: "", dp: d.dp };
  }
  const keep = d.digits.slice(0, n);
  const next = d.digits.charCodeAt(n) - 48;
  const rest = d.digits.length > n + 1;
  const lastOdd = (keep.charCodeAt(n - 1) - 48) % 2 === 1;
  const up = next > 5 || (next === 5 && (rest || lastOdd));
  if (!up) return { digits: keep, dp: d.dp };
  const bumped = (BigInt(keep) + 1n).toString();
  if (bumped.length > keep.length) return { digits: bumped.slice(0, n), dp: d.dp + 1 };
  return { digits: bumped, dp: d.dp };
}

/** Shortest digits that round-trip (what Go's `-1` precision means), from V8's own shortest. */
function shortestDecimal(x: number): { digits: string; dp: number } {
  if (x === 0) return { digits: "0", dp: 1 };
  const [m = "0", ex = "0"] = x.toExponential().split("e");
  return { digits: m.replace(".", ""), dp: Number(ex) + 1 };
}

function fmtE(d: { digits: string; dp: number }, prec: number, upper: boolean): string {
  const digits = d.digits === "" ? "0" : d.digits;
  const isZero = /^0*$/.test(digits);
  const exp = isZero ? 0 : d.dp - 1;
  let s = digits.charAt(0);
  const frac = prec < 0 ? digits.slice(1) : digits.slice(1).padEnd(prec, "0").slice(0, prec);
  if (frac.length > 0) s += "." + frac;
  const ae = Math.abs(exp);
  s += (upper ? "E" : "e") + (exp < 0 ? "-" : "+") + (ae < 10 ? "0" : "") + String(ae);
  return s;
}

function fmtF(d: { digits: string; dp: number }, prec: number): string {
  const digits = d.digits;
  let intPart: string;
  let frac: string;
  if (d.dp <= 0) {
    intPart = "0";
    frac = "0".repeat(-d.dp) + digits;
  } else {
    intPart = digits.slice(0, d.dp).padEnd(d.dp, "0");
    frac = digits.slice(d.dp);
  }
  intPart = intPart.replace(/^0+(?=\d)/, "");
  if (prec < 0) return frac.replace(/0+$/, "") === "" ? intPart : `${intPart}.${frac.replace(/0+$/, "")}`;
  frac = frac.padEnd(prec, "0").slice(0, prec);
  return prec > 0 ? `${intPart}.${frac}` : intPart;
}

/** strconv.FormatFloat(x, verb, prec, 64) for verbs e E f g G. */
export function formatFloat(x: number, verb: "e" | "E" | "f" | "g" | "G", prec: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let out: string;
  if (verb === "e" || verb === "E") {
    const d = prec < 0 ? shortestDecimal(ax) : roundDigits(exactDecimal(ax), prec + 1);
    out = fmtE(d, prec, verb === "E");
  } else if (verb === "f") {
    if (prec < 0) out = fmtF(shortestDecimal(ax), -1);
    else {
      const ex = exactDecimal(ax);
      const d = ax === 0 ? ex : roundDigits(ex, Math.max(0, ex.dp + prec));
      out = fmtF(d.digits === "" ? { digits: "0", dp: 1 } : d, prec);
    }
  } else {
    let eprec = prec;
    let d: { digits: string; dp: number };
    if (prec < 0) {
      d = shortestDecimal(ax);
      eprec = 6;
    } else {
      if (eprec === 0) eprec = 1;
      d = roundDigits(exactDecimal(ax), eprec);
      d = { digits: d.digits.replace(/0+$/, "") || "0", dp: d.dp };
      if (eprec > d.digits.length && d.digits.length >= d.dp) eprec = d.digits.length;
    }
    const exp = ax === 0 ? 0 : d.dp - 1;
    if (exp < -4 || exp >= eprec) {
      out = fmtE(d, prec < 0 ? -1 : Math.max(0, d.digits.length - 1), verb === "G");
    } else out = fmtF(d, -1);
  }
  return neg ? "-" + out : out;
}

// ---- strconv.Quote ----

function isPrintRune(cp: number): boolean {
  if (cp < 0x20 || cp === 0x7f) return false;
  if (cp >= 0x80 && cp < 0xa0) return false;
  if (cp === 0xad) return false;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}\u0020]$/u.test(String.fromCodePoint(cp));
}

/** Go's strconv.Quote (or QuoteToASCII) of a byte string. */
export function quote(b: string, asciiOnly = false, q = '"'): string {
  let out = q;
  const bytes = Buffer.from(b, "latin1");
  let i = 0;
  while (i < bytes.length) {
    const [cp, size] = decodeRune(bytes, i);
    if (cp === -1) {
      out += "\\x" + (bytes[i] ?? 0).toString(16).padStart(2, "0");
      i += 1;
      continue;
    }
    i += size;
    const ch = String.fromCodePoint(cp);
    if (ch === q || ch === "\\") out += "\\" + ch;
    else if (cp < 0x80 ? isPrintRune(cp) : !asciiOnly && isPrintRune(cp)) out += cp < 0x80 ? ch : bytesOf(ch);
    else {
      switch (cp) {
        case 7: out += "\\a"; break;
        case 8: out += "\\b"; break;
        case 12: out += "\\f"; break;
        case 10: out += "\\n"; break;
        case 13: out += "\\r"; break;
        case 9: out += "\\t"; break;
        case 11: out += "\\v"; break;
        default:
          if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
          else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
          else out += "\\U" + cp.toString(16).padStart(8, "0");
      }
    }
  }
  return out + q;
}

/** Decodes one UTF-8 rune at `i`: [codepoint, size], or [-1, 1] for an invalid byte. */
export function decodeRune(bytes: Uint8Array, i: number): [number, number] {
  const b0 = bytes[i] ?? 0;
  if (b0 < 0x80) return [b0, 1];
  const cont = (k: number): number => {
    const b = bytes[i + k];
    return b !== undefined && (b & 0xc0) === 0x80 ? b & 0x3f : -1;
  };
  if (b0 >= 0xc2 && b0 < 0xe0) {
    const c1 = cont(1);
    if (c1 >= 0) return [((b0 & 0x1f) << 6) | c1, 2];
  } else if (b0 >= 0xe0 && b0 < 0xf0) {
    const c1 = cont(1);
    const c2 = cont(2);
    if (c1 >= 0 && c2 >= 0) {
      const cp = ((b0 & 0x0f) << 12) | (c1 << 6) | c2;
      if (cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff)) return [cp, 3];
    }
  } else if (b0 >= 0xf0 && b0 < 0xf5) {
    const c1 = cont(1);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 >= 0 && c2 >= 0 && c3 >= 0) {
      const cp = ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
      if (cp >= 0x10000 && cp <= 0x10ffff) return [cp, 4];
    }
  }
  return [-1, 1];
}

export function runeCount(b: string): number {
  const bytes = Buffer.from(b, "latin1");
  let n = 0;
  for (let i = 0; i < bytes.length; n++) i += decodeRune(bytes, i)[1];
  return n;
}

// ---- time.Time printing ----

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Go's time.Format with a reference layout ("2006-01-02 15:04:05.999999999 -0700 MST"). */
export function formatTime(t: GoTime, layout: string): string {
  const secs = t.ns / 1_000_000_000n - (t.ns % 1_000_000_000n < 0n ? 1n : 0n);
  const nanos = Number(t.ns - secs * 1_000_000_000n);
  const d = new Date(Number(secs + BigInt(t.offset)) * 1000);
  const Y = d.getUTCFullYear(), M = d.getUTCMonth(), D = d.getUTCDate();
  const h = d.getUTCHours(), m = d.getUTCMinutes(), s = d.getUTCSeconds(), wd = d.getUTCDay();
  const p2 = (n: number): string => String(n).padStart(2, "0");
  const off = t.offset;
  const sign = off < 0 ? "-" : "+";
  const aoff = Math.abs(off);
  const oh = Math.floor(aoff / 3600), om = Math.floor((aoff % 3600) / 60), os = aoff % 60;
  const yday = Math.floor((Date.UTC(Y, M, D) - Date.UTC(Y, 0, 1)) / 86_400_000) + 1;
  const tokens: [string, () => string][] = [
    ["January", () => MONTHS[M] ?? ""], ["Jan", () => (MONTHS[M] ?? "").slice(0, 3)],
    ["Monday", () => DAYS[wd] ?? ""], ["Mon", () => (DAYS[wd] ?? "").slice(0, 3)],
    ["MST", () => t.zone],
    ["2006", () => String(Y).padStart(4, "0")], ["002", () => String(yday).padStart(3, "0")],
    ["__2", () => String(yday).padStart(3, " ")],
    ["01", () => p2(M + 1)], ["02", () => p2(D)], ["_2", () => String(D).padStart(2, " ")],
    ["03", () => p2(h % 12 === 0 ? 12 : h % 12)], ["04", () => p2(m)], ["05", () => p2(s)],
    ["06", () => p2(Y % 100)], ["15", () => p2(h)],
    ["Z07:00:00", () => (off === 0 ? "Z" : `${sign}${p2(oh)}:${p2(om)}:${p2(os)}`)],
    ["-07:00:00", () => `${sign}${p2(oh)}:${p2(om)}:${p2(os)}`],
    ["Z0700", () => (off === 0 ? "Z" : `${sign}${p2(oh)}${p2(om)}`)], ["Z07:00", () => (off === 0 ? "Z" : `${sign}${p2(oh)}:${p2(om)}`)],
    ["Z07", () => (off === 0 ? "Z" : `${sign}${p2(oh)}`)],
    ["-0700", () => `${sign}${p2(oh)}${p2(om)}`], ["-07:00", () => `${sign}${p2(oh)}:${p2(om)}`], ["-07", () => `${sign}${p2(oh)}`],
    ["PM", () => (h >= 12 ? "PM" : "AM")], ["pm", () => (h >= 12 ? "pm" : "am")],
    ["1", () => String(M + 1)], ["2", () => String(D)], ["3", () => String(h % 12 === 0 ? 12 : h % 12)],
    ["4", () => String(m)], ["5", () => String(s)],
  ];
  let out = "";
  let i = 0;
  outer: while (i < layout.length) {
    // Fractional seconds: .000 / ,000 (fixed) or .999 (trimmed), only right after a digit field.
    const frac = /^[.,](0+|9+)(?!\d)/.exec(layout.slice(i));
    if (frac?.[1] !== undefined) {
      const n = frac[1].length;
      let digits = String(nanos).padStart(9, "0").slice(0, n);
      if (frac[1].startsWith("9")) digits = digits.replace(/0+$/, "");
      out += digits === "" ? "" : (layout[i] ?? ".") + digits;
      i += frac[0].length;
      continue;
    }
    for (const [tok, f] of tokens) {
      if (layout.startsWith(tok, i)) {
        out += f();
        i += tok.length;
        continue outer;
      }
    }
    out += layout.charAt(i);
    i += 1;
  }
  return out;
}

export function timeString(t: GoTime): string {
  return formatTime(t, "2006-01-02 15:04:05.999999999 -0700 MST");
}

// ---- printing values ----

/** fmt's `%v` of a value (nil inside a composite prints `<nil>`). */
export function printV(v: Value, sharp = false): string {
  if (v === undefined || v === null) return sharp ? "<nil>" : "<nil>";
  switch (typeof v) {
    case "string":
      return sharp ? quote(v) : v;
    case "boolean":
      return v ? "true" : "false";
    case "number":
      return formatFloat(v, "g", -1);
  }
  switch (v.t) {
    case "int":
      return v.v.toString();
    case "list":
      if (sharp) {
        return `${typeName(v)}{${v.items.map((x) => (x === null || x === undefined ? "interface {}(nil)" : printV(x, true))).join(", ")}}`;
      }
      return `[${v.items.map((x) => printV(x)).join(" ")}]`;
    case "map":
      if (sharp) {
        return `${typeName(v)}{${sortedKeys(v).map((k) => `${quote(k)}:${printV(v.m.get(k), true)}`).join(", ")}}`;
      }
      return `map[${sortedKeys(v).map((k) => `${k}:${printV(v.m.get(k))}`).join(" ")}]`;
    case "time":
      return timeString(v);
    case "obj":
      return v.str;
  }
}

/** fmt.Sprint: operands separated by a space when neither side is a string. */
export function sprint(args: readonly Value[]): string {
  let out = "";
  args.forEach((a, i) => {
    const prevIsString = i > 0 && typeof args[i - 1] === "string";
    if (i > 0 && typeof a !== "string" && !prevIsString) out += " ";
    out += printV(a);
  });
  return out;
}

/** fmt.Sprintln: always spaces, then a newline. */
export function sprintln(args: readonly Value[]): string {
  return args.map((a) => printV(a)).join(" ") + "\n";
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  if (spec.width === undefined) return s;
  const n = runeCount(s);
  if (n >= spec.width) return s;
  const fill = spec.width - n;
  if (spec.minus) return s + " ".repeat(fill);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s.charAt(0) : "";
    return sign + "0".repeat(fill) + s.slice(sign.length);
  }
  if (spec.zero && !numeric) return "0".repeat(fill) + s;
  return " ".repeat(fill) + s;
}

function badVerb(verb: string, v: Value, spec: Spec): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${formatArg(v, "v", spec)})`;
}

/** strconv's %x for floats: 0x1.8p+01. */
function hexFloat(x: number, upper: boolean, prec: number): string {
  if (!Number.isFinite(x)) return formatFloat(x, "g", -1);
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let out: string;
  if (a === 0) out = "0x0" + (prec > 0 ? "." + "0".repeat(prec) : "") + "p+00";
  else {
    const buf = new DataView(new ArrayBuffer(8));
    buf.setFloat64(0, a);
    const bits = buf.getBigUint64(0);
    let exp = Number((bits >> 52n) & 0x7ffn);
    let mant = bits & ((1n << 52n) - 1n);
    if (exp === 0) {
      // Subnormal: normalise.
      exp = 1;
      while ((mant & (1n << 52n)) === 0n) {
        mant <<= 1n;
        exp--;
      }
      mant &= (1n << 52n) - 1n;
    }
    exp -= 1023;
    let lead = 1n;
    let frac = mant.toString(16).padStart(13, "0");
    if (prec >= 0 && prec < 13) {
      // Round half to even at `prec` hex digits.
      const shift = BigInt((13 - prec) * 4);
      const full = (1n << 52n) | mant;
      let q = full >> shift;
      const rem = full & ((1n << shift) - 1n);
      const half = 1n << (shift - 1n);
      if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
      if (q >> BigInt(prec * 4) >= 2n) {
        q >>= 1n;
        exp += 1;
      }
      lead = q >> BigInt(prec * 4);
      frac = prec === 0 ? "" : (q & ((1n << BigInt(prec * 4)) - 1n)).toString(16).padStart(prec, "0");
    } else {
      frac = frac.replace(/0+$/, "");
      if (prec > 13) frac = frac.padEnd(prec, "0");
    }
    const ae = Math.abs(exp);
    out = `0x${lead.toString(16)}${frac === "" ? "" : "." + frac}p${exp < 0 ? "-" : "+"}${ae < 10 ? "0" : ""}${ae}`;
  }
  if (upper) out = out.toUpperCase();
  return (neg ? "-" : "") + out;
}

function fmtInt(x: bigint, verb: string, spec: Spec): string | undefined {
  const neg = x < 0n;
  const a = neg ? -x : x;
  let s: string;
  switch (verb) {
    case "d":
    case "v":
      s = a.toString();
      break;
    case "b":
      s = a.toString(2);
      if (spec.sharp) s = "0b" + s;
      break;
    case "o":
      s = a.toString(8);
      if (spec.sharp && s !== "0") s = "0" + s;
      break;
    case "O":
      s = "0o" + a.toString(8);
      break;
    case "x":
      s = a.toString(16);
      if (spec.sharp) s = "0x" + s;
      break;
    case "X":
      s = a.toString(16).toUpperCase();
      if (spec.sharp) s = "0X" + s;
      break;
    case "c":
      return pad(runeBytes(Number(x)), spec, false);
    case "q":
      return pad(quoteRune(Number(x), spec.plus), spec, false);
    case "U": {
      s = "U+" + BigInt.asUintN(64, x).toString(16).toUpperCase().padStart(4, "0");
      if (spec.sharp && isPrintRune(Number(a))) s += ` '${runeBytes(Number(a))}'`;
      return pad(s, spec, false);
    }
    default:
      return undefined;
  }
  if (spec.prec !== undefined) {
    const prefixLen = /^0[bxXo]/.test(s) ? 2 : 0;
    const digits = s.slice(prefixLen);
    s = s.slice(0, prefixLen) + (spec.prec === 0 && a === 0n ? "" : digits.padStart(spec.prec, "0"));
  }
  const sign = neg ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  return pad(sign + s, { ...spec, zero: spec.zero && spec.prec === undefined && !spec.minus }, true);
}

function runeBytes(cp: number): string {
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
  return bytesOf(String.fromCodePoint(cp));
}
function quoteRune(cp: number, ascii: boolean): string {
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
  return quote(bytesOf(String.fromCodePoint(cp)), ascii, "'");
}

function fmtFloatVerb(x: number, verb: string, spec: Spec): string | undefined {
  let s: string;
  const prec = spec.prec ?? -1;
  switch (verb) {
    case "v":
    case "g":
      s = formatFloat(x, "g", prec);
      break;
    case "G":
      s = formatFloat(x, "G", prec);
      break;
    case "e":
    case "E":
      s = formatFloat(x, verb, spec.prec ?? 6);
      break;
    case "f":
    case "F":
      s = formatFloat(x, "f", spec.prec ?? 6);
      break;
    case "x":
    case "X":
      s = hexFloat(x, verb === "X", spec.prec ?? -1);
      break;
    case "b": {
      const dv = new DataView(new ArrayBuffer(8));
      dv.setFloat64(0, x);
      const bits = dv.getBigUint64(0);
      const e = Number((bits >> 52n) & 0x7ffn);
      let mant = bits & ((1n << 52n) - 1n);
      if (e !== 0) mant |= 1n << 52n;
      const exp = e === 0 ? -1074 : e - 1075;
      s = `${bits >> 63n === 1n ? "-" : ""}${mant}p${exp >= 0 ? "+" : "-"}${Math.abs(exp)}`;
      break;
    }
    default:
      return undefined;
  }
  if (spec.sharp && verb !== "b" && verb !== "v" && Number.isFinite(x)) s = sharpFloat(s, verb, spec.prec ?? -1);
  if (!s.startsWith("-") && !s.startsWith("+")) {
    if (spec.plus) s = "+" + s;
    else if (spec.space) s = " " + s;
  } else if (s.startsWith("+") && !spec.plus) s = s.slice(1);
  const finite = Number.isFinite(x);
  return pad(s, { ...spec, zero: spec.zero && finite && !spec.minus }, true);
}

/** fmt's '#' flag on floats: keep a decimal point and pad significant digits (%#g, %#x). */
function sharpFloat(num: string, verb: string, prec: number): string {
  let digits = 0;
  if (verb === "v" || verb === "g" || verb === "G" || verb === "x" || verb === "X") digits = prec === -1 ? 6 : prec;
  const sign = num.startsWith("-") || num.startsWith("+") ? num.charAt(0) : "";
  let body = num.slice(sign.length);
  let tail = "";
  const hex = verb === "x" || verb === "X";
  const cut = hex ? body.search(/[pP]/) : body.search(/[eEpP]/);
  if (cut >= 0) {
    tail = body.slice(cut);
    body = body.slice(0, cut);
  }
  let sawNonzero = false;
  let hasPoint = false;
  for (const c of body) {
    if (c === ".") hasPoint = true;
    else {
      if (c !== "0") sawNonzero = true;
      if (sawNonzero) digits--;
    }
  }
  if (!hasPoint) {
    if (body === "0") digits--;
    body += ".";
  }
  if (digits > 0) body += "0".repeat(digits);
  return sign + body + tail;
}

/** strconv.CanBackquote: no backquote, no control character but tab, valid printable text. */
function canBackquote(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x60 || c === 0x7f || c >= 0x80 || (c < 0x20 && c !== 9)) return false;
  }
  return true;
}

function fmtString(s: string, verb: string, spec: Spec): string | undefined {
  switch (verb) {
    case "v":
    case "s": {
      let out = s;
      if (spec.prec !== undefined) out = bytesOf(Array.from(utf8(s)).slice(0, spec.prec).join(""));
      return pad(out, spec, false);
    }
    case "q":
      if (spec.sharp && canBackquote(s)) return pad("`" + s + "`", spec, false);
      return pad(quote(s, spec.plus), spec, false);
    case "x":
    case "X": {
      let b = Buffer.from(s, "latin1");
      if (spec.prec !== undefined) b = b.subarray(0, spec.prec);
      const parts = [...b].map((c) => {
        const h = c.toString(16).padStart(2, "0");
        return verb === "X" ? h.toUpperCase() : h;
      });
      let out: string;
      if (spec.space) out = parts.map((p) => (spec.sharp ? (verb === "X" ? "0X" : "0x") + p : p)).join(" ");
      else out = (spec.sharp && parts.length > 0 ? (verb === "X" ? "0X" : "0x") : "") + parts.join("");
      return pad(out, spec, false);
    }
    default:
      return undefined;
  }
}

/** Formats one operand for one verb, as fmt's printArg does. */
function formatArg(v: Value, verb: string, spec: Spec): string {
  if (verb === "T") return pad(typeName(v), spec, false);
  if (v === null || v === undefined) {
    return verb === "v" ? pad("<nil>", spec, false) : badVerb(verb, v, spec);
  }
  if (typeof v === "boolean") {
    return verb === "t" || verb === "v" ? pad(v ? "true" : "false", spec, false) : badVerb(verb, v, spec);
  }
  if (typeof v === "number") {
    const r = fmtFloatVerb(v, verb, spec);
    return r ?? badVerb(verb, v, spec);
  }
  if (typeof v === "string") {
    if (verb === "v" && spec.sharp) return pad(quote(v), spec, false);
    const r = fmtString(v, verb, spec);
    return r ?? badVerb(verb, v, spec);
  }
  if (isInt(v)) {
    if (verb === "v" && spec.sharp) return pad(v.v.toString(), spec, true);
    const r = fmtInt(v.v, verb, spec);
    return r ?? badVerb(verb, v, spec);
  }
  switch (v.t) {
    case "list":
      if (verb === "v" && spec.sharp) return printV(v, true);
      return `[${v.items.map((x) => formatArg(x, verb, spec)).join(" ")}]`;
    case "map":
      if (verb === "v" && spec.sharp) return printV(v, true);
      return `map[${sortedKeys(v).map((k) => `${formatArg(k, verb, spec)}:${formatArg(v.m.get(k), verb, spec)}`).join(" ")}]`;
    case "time":
      return verb === "v" || verb === "s" ? pad(timeString(v), spec, false) : verb === "q" ? quote(timeString(v)) : badVerb(verb, v, spec);
    case "obj":
      return verb === "v" || verb === "s" ? pad(v.str, spec, false) : verb === "q" ? quote(v.str) : badVerb(verb, v, spec);
  }
}

/** fmt.Sprintf over a Go byte-string format. */
export function sprintf(format: string, args: readonly Value[]): string {
  let out = "";
  let argi = 0;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined };
    flags: for (; i < n; i++) {
      switch (format[i]) {
        case "-": spec.minus = true; spec.zero = false; break;
        case "+": spec.plus = true; break;
        case "#": spec.sharp = true; break;
        case " ": spec.space = true; break;
        case "0": spec.zero = !spec.minus; break;
        default: break flags;
      }
    }
    const num = (): number | undefined => {
      const m = /^\d+/.exec(format.slice(i));
      if (m === null) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    let badWidth = false;
    if (format[i] === "*") {
      i++;
      const a = args[argi++];
      if (isInt(a)) {
        spec.width = Number(a.v);
        if (spec.width < 0) {
          spec.minus = true;
          spec.width = -spec.width;
          spec.zero = false;
        }
      } else badWidth = true;
    } else spec.width = num();
    let badPrec = false;
    if (format[i] === ".") {
      i++;
      if (format[i] === "*") {
        i++;
        const a = args[argi++];
        if (isInt(a)) {
          spec.prec = Number(a.v);
          if (spec.prec < 0) spec.prec = undefined;
        } else badPrec = true;
      } else spec.prec = num() ?? 0;
    }
    if (badWidth) out += "%!(BADWIDTH)";
    if (badPrec) out += "%!(BADPREC)";
    if (i >= n) {
      out += "%!(NOVERB)";
      break;
    }
    // Verbs are runes; a multi-byte verb is decoded for the error text.
    const [cp, size] = decodeRune(Buffer.from(format.slice(i, i + 4), "latin1"), 0);
    const verbBytes = format.slice(i, i + size);
    i += size;
    const verb = cp === -1 ? "\ufffd" : String.fromCodePoint(cp);
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verbBytes}(MISSING)`;
      continue;
    }
    const arg = args[argi++];
    if (verb === "v" && spec.plus) spec.plus = false;
    if (!/^[vTtbcdoOqxXUeEfFgGs]$/.test(verb)) {
      out += badVerb(verbBytes, arg, spec);
      continue;
    }
    out += formatArg(arg, verb, spec);
  }
  if (argi < args.length) {
    out += "%!(EXTRA " + args.slice(argi).map((a) => (a === null || a === undefined ? "<nil>" : `${typeName(a)}=${printV(a)}`)).join(", ") + ")";
  }
  return out;
}
