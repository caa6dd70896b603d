/**
 * ESO's Password generator (`generators.external-secrets.io/v1alpha1`, kind `Password`) as a pure
 * function of (spec, rng). Semantics follow ESO (which uses sethvargo/go-password):
 * - `length` 24 unless > 0; `digits` and `symbols` default to ⌊25 % of length⌋;
 * - exactly `digits` characters from 0-9, exactly `symbols` from `symbolCharacters` (ESO's default
 *   set when absent or empty), the rest letters (a-z, plus A-Z unless `noUpper`), in random order;
 * - unless `allowRepeat`, no character appears twice in one password;
 * - one independent password per `secretKeys` entry (default `["password"]`), each encoded with
 *   `encoding` (raw, base64, base64url, base32, hex — padded, as Go's std encodings).
 *
 * Deliberate differences: characters are Unicode code points (go-password indexes bytes, which
 * splits a multi-byte symbol); a spec that cannot be met without repeats is refused up front where
 * go-password could loop forever (symbols overlapping letters); negative counts and lengths above
 * {@link MAX_PASSWORD_LENGTH} are refused.
 */
import { randomInt } from "node:crypto";
import { KsealError } from "../errors.ts";
import { isRecord } from "../support/record.ts";

/** A uniform integer in [0, maxExclusive). Production uses node:crypto; tests inject a seeded one. */
export type RandomInt = (maxExclusive: number) => number;

export const cryptoRandomInt: RandomInt = (maxExclusive) => randomInt(maxExclusive);

export const GeneratorErrorCode = {
  InvalidSpec: "GENERATOR_INVALID_SPEC",
  Unsupported: "GENERATOR_UNSUPPORTED",
  NotFound: "GENERATOR_NOT_FOUND",
} as const;

export const PASSWORD_ENCODINGS = ["raw", "base64", "base64url", "base32", "hex"] as const;
export type PasswordEncoding = (typeof PASSWORD_ENCODINGS)[number];

export const DEFAULT_PASSWORD_LENGTH = 24;
export const DEFAULT_SYMBOL_CHARACTERS = "~!@#$%^&*()_+`-={}|[]\\:\"<>?,./";
/** kseal's bound on `length` (ESO has none): a Secret holds at most 1 MiB anyway. */
export const MAX_PASSWORD_LENGTH = 65_536;

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS = "0123456789";

/** A Password spec with ESO's defaults applied. */
export interface PasswordSpec {
  readonly length: number;
  readonly digits: number;
  readonly symbols: number;
  readonly symbolCharacters: string;
  readonly noUpper: boolean;
  readonly allowRepeat: boolean;
  readonly secretKeys: readonly string[];
  readonly encoding: PasswordEncoding;
}

function invalid(field: string, why: string): KsealError {
  return new KsealError(GeneratorErrorCode.InvalidSpec, `Password spec.${field} ${why}`, { details: { field } });
}

function optInt(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) throw invalid(field, "must be an integer");
  return v;
}

function optBool(v: unknown, field: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw invalid(field, "must be a boolean");
  return v;
}

/**
 * ESO's defaults on a raw `spec` (of a Password, or a ClusterGenerator's `passwordSpec`).
 * Throws GENERATOR_INVALID_SPEC naming the field; never echoes a value.
 */
export function parsePasswordSpec(raw: unknown): PasswordSpec {
  const o = raw ?? {};
  if (!isRecord(o)) throw invalid("", "must be an object");
  const given = optInt(o.length, "length");
  const length = given !== undefined && given > 0 ? given : DEFAULT_PASSWORD_LENGTH;
  if (length > MAX_PASSWORD_LENGTH) throw invalid("length", `must be at most ${String(MAX_PASSWORD_LENGTH)}`);
  const digits = optInt(o.digits, "digits") ?? Math.floor(length * 0.25);
  const symbols = optInt(o.symbols, "symbols") ?? Math.floor(length * 0.25);
  if (digits < 0) throw invalid("digits", "must not be negative");
  if (symbols < 0) throw invalid("symbols", "must not be negative");
  let symbolCharacters = DEFAULT_SYMBOL_CHARACTERS;
  if (o.symbolCharacters !== undefined && o.symbolCharacters !== null) {
    if (typeof o.symbolCharacters !== "string") throw invalid("symbolCharacters", "must be a string");
    // go-password falls back to its default set when given an empty one.
    if (o.symbolCharacters !== "") symbolCharacters = o.symbolCharacters;
  }
  let secretKeys: string[] = ["password"];
  if (o.secretKeys !== undefined && o.secretKeys !== null) {
    if (!Array.isArray(o.secretKeys) || !o.secretKeys.every((k): k is string => typeof k === "string")) throw invalid("secretKeys", "must be a list of strings");
    if (o.secretKeys.length > 0) secretKeys = o.secretKeys;
  }
  if (secretKeys.some((k) => k === "") || new Set(secretKeys).size !== secretKeys.length) throw invalid("secretKeys", "must be non-empty and unique");
  let encoding: PasswordEncoding = "raw";
  if (o.encoding !== undefined && o.encoding !== null) {
    const e = PASSWORD_ENCODINGS.find((x) => x === o.encoding);
    if (e === undefined) throw invalid("encoding", `must be one of ${PASSWORD_ENCODINGS.join(", ")}`);
    encoding = e;
  }
  return { length, digits, symbols, symbolCharacters, noUpper: optBool(o.noUpper, "noUpper"), allowRepeat: optBool(o.allowRepeat, "allowRepeat"), secretKeys, encoding };
}

/** Checks that `spec` can be met; throws GENERATOR_INVALID_SPEC (go-password's error cases). */
function checkFeasible(spec: PasswordSpec, letters: readonly string[], symbolSet: readonly string[]): number {
  const letterCount = spec.length - spec.digits - spec.symbols;
  if (letterCount < 0) throw invalid("digits", "plus symbols must not exceed length");
  if (!spec.allowRepeat) {
    if (letterCount > letters.length) throw invalid("length", "needs more distinct letters than exist and allowRepeat is false");
    if (spec.digits > DIGITS.length) throw invalid("digits", "exceeds the 10 distinct digits and allowRepeat is false");
    if (spec.symbols > symbolSet.length) throw invalid("symbols", "exceeds the distinct symbolCharacters and allowRepeat is false");
    const all = new Set([...letters, ...DIGITS, ...symbolSet]);
    if (spec.length > all.size) throw invalid("length", "needs more distinct characters than the character sets hold and allowRepeat is false");
  }
  return letterCount;
}

/** One password as code points, per the module contract. */
function onePassword(spec: PasswordSpec, rng: RandomInt): string {
  const letters = Array.from(spec.noUpper ? LOWER : LOWER + UPPER);
  const symbolSet = Array.from(spec.symbolCharacters);
  const letterCount = checkFeasible(spec, letters, symbolSet);
  const used = new Set<string>();
  const chars: string[] = [];
  const draw = (set: readonly string[], count: number, field: string): void => {
    for (let i = 0; i < count; i++) {
      // Rejection-free equivalent of go-password's "draw again if already used".
      const pool = spec.allowRepeat ? set : set.filter((c) => !used.has(c));
      if (pool.length === 0) throw invalid(field, "cannot be met without repeating a character and allowRepeat is false");
      const c = pool[rng(pool.length)] ?? "";
      used.add(c);
      chars.push(c);
    }
  };
  draw(letters, letterCount, "length");
  draw(Array.from(DIGITS), spec.digits, "digits");
  draw(symbolSet, spec.symbols, "symbols");
  // go-password inserts each character at a uniform position: a uniform permutation, i.e. Fisher-Yates.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = rng(i + 1);
    const t = chars[i] ?? "";
    chars[i] = chars[j] ?? "";
    chars[j] = t;
  }
  return chars.join("");
}

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 with padding (Go's base32.StdEncoding). */
export function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += B32.charAt((value << (5 - bits)) & 31);
  return out + "=".repeat((8 - (out.length % 8)) % 8);
}

/** ESO's encodePassword. base64url keeps `=` padding (Go's base64.URLEncoding). */
export function encodePassword(text: string, encoding: PasswordEncoding): string {
  const b = Buffer.from(text, "utf8");
  switch (encoding) {
    case "raw":
      return text;
    case "base64":
      return b.toString("base64");
    case "base64url":
      return b.toString("base64").replaceAll("+", "-").replaceAll("/", "_");
    case "base32":
      return base32(b);
    case "hex":
      return b.toString("hex");
  }
}

/** Generates the Secret data of one Password generator: one key per `secretKeys` entry. */
export function generatePassword(spec: PasswordSpec, rng: RandomInt = cryptoRandomInt): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const key of spec.secretKeys) out[key] = new TextEncoder().encode(encodePassword(onePassword(spec, rng), spec.encoding));
  return out;
}
