// ESO's Password and UUID generators: defaults, exact digit/symbol counts, charsets, encodings,
// refused specs, and a seeded property run that every output satisfies its spec.
import { describe, expect, it } from "vitest";
import {
  DEFAULT_SYMBOL_CHARACTERS,
  encodePassword,
  generateFromSpec,
  generatePassword,
  parsePasswordSpec,
  type PasswordSpec,
  type RandomInt,
} from "../../src/generators/index.ts";
import { isKsealError } from "../../src/errors.ts";

/** splitmix32-style PRNG: deterministic stand-in for node:crypto in property runs. */
function seeded(seed: number): RandomInt {
  let s = seed >>> 0;
  return (max) => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z % max;
  };
}

const text = (m: Record<string, Uint8Array>, k: string): string => new TextDecoder().decode(m[k]);
const count = (s: string, set: string): number => Array.from(s).filter((c) => set.includes(c)).length;
const DIGITS = "0123456789";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = LOWER.toUpperCase();

describe("parsePasswordSpec: ESO's defaults", () => {
  it.each([
    { reason: "empty spec: length 24, 25 % digits and symbols, key password, raw", spec: {}, want: { length: 24, digits: 6, symbols: 6, secretKeys: ["password"], encoding: "raw", symbolCharacters: DEFAULT_SYMBOL_CHARACTERS } },
    { reason: "length 0 means the default (ESO: only > 0 counts)", spec: { length: 0 }, want: { length: 24 } },
    { reason: "digits/symbols default from the given length, floored", spec: { length: 10 }, want: { digits: 2, symbols: 2 } },
    { reason: "explicit zero counts are kept", spec: { length: 8, digits: 0, symbols: 0 }, want: { digits: 0, symbols: 0 } },
    { reason: "empty symbolCharacters falls back to the default set (go-password)", spec: { symbolCharacters: "" }, want: { symbolCharacters: DEFAULT_SYMBOL_CHARACTERS } },
    { reason: "empty secretKeys means [password]", spec: { secretKeys: [] }, want: { secretKeys: ["password"] } },
  ])("$reason", ({ spec, want }) => {
    expect(parsePasswordSpec(spec)).toMatchObject(want);
  });

  it.each([
    { reason: "digits + symbols over length", spec: { length: 4, digits: 3, symbols: 2 }, field: "digits" },
    { reason: "negative digits", spec: { digits: -1 }, field: "digits" },
    { reason: "negative symbols", spec: { symbols: -1 }, field: "symbols" },
    { reason: "unknown encoding", spec: { encoding: "rot13" }, field: "encoding" },
    { reason: "duplicate secretKeys", spec: { secretKeys: ["a", "a"] }, field: "secretKeys" },
    { reason: "empty secret key", spec: { secretKeys: [""] }, field: "secretKeys" },
    { reason: "length not an integer", spec: { length: "24" }, field: "length" },
    { reason: "length above kseal's cap", spec: { length: 1_000_000 }, field: "length" },
    { reason: "more letters than exist without repeats", spec: { length: 60, digits: 0, symbols: 0 }, field: "length" },
    { reason: "more digits than 10 without repeats", spec: { length: 20, digits: 11, symbols: 0 }, field: "digits" },
    { reason: "more symbols than the set without repeats", spec: { length: 20, symbols: 4, symbolCharacters: "-_$" }, field: "symbols" },
    { reason: "symbols overlapping used letters cannot be met (go-password would loop)", spec: { length: 3, digits: 0, symbols: 3, symbolCharacters: "aab" }, field: "symbols" },
  ])("refuses $reason with GENERATOR_INVALID_SPEC naming $field", ({ spec, field }) => {
    let caught: unknown;
    try {
      generatePassword(parsePasswordSpec(spec), seeded(1));
    } catch (e: unknown) {
      caught = e;
    }
    expect(isKsealError(caught, "GENERATOR_INVALID_SPEC")).toBe(true);
    expect((caught as Error).message).toContain(`spec.${field}`);
  });
});

describe("generatePassword", () => {
  it.each([
    { reason: "defaults", spec: {}, length: 24, digits: 6, symbols: 6 },
    { reason: "ESO docs example", spec: { length: 42, digits: 5, symbols: 5, symbolCharacters: "-_$@", allowRepeat: true }, length: 42, digits: 5, symbols: 5 },
    { reason: "letters only", spec: { length: 16, digits: 0, symbols: 0 }, length: 16, digits: 0, symbols: 0 },
    { reason: "digits only, repeats allowed", spec: { length: 30, digits: 30, symbols: 0, allowRepeat: true }, length: 30, digits: 30, symbols: 0 },
    { reason: "noUpper", spec: { length: 20, noUpper: true }, length: 20, digits: 5, symbols: 5 },
  ])("exact counts: $reason", ({ spec, length, digits, symbols }) => {
    const p = parsePasswordSpec(spec);
    const pw = text(generatePassword(p, seeded(7)), "password");
    expect(Array.from(pw)).toHaveLength(length);
    expect(count(pw, DIGITS)).toBe(digits);
    expect(count(pw, p.symbolCharacters)).toBe(symbols);
    if (p.noUpper) expect(count(pw, UPPER)).toBe(0);
  });

  it("one independent password per secretKeys entry", () => {
    const out = generatePassword(parsePasswordSpec({ secretKeys: ["a", "b", "c"] }), seeded(3));
    expect(Object.keys(out)).toEqual(["a", "b", "c"]);
    expect(new Set(Object.values(out).map((v) => Buffer.from(v).toString())).size).toBe(3);
  });

  it("multi-byte symbol characters are whole code points", () => {
    const pw = text(generatePassword(parsePasswordSpec({ length: 6, digits: 0, symbols: 6, symbolCharacters: "€£¥§±µ" }), seeded(5)), "password");
    expect(Array.from(pw).sort().join("")).toBe(Array.from("€£¥§±µ").sort().join(""));
  });

  it("uses node:crypto by default: two calls differ", () => {
    const p = parsePasswordSpec({});
    expect(text(generatePassword(p), "password")).not.toBe(text(generatePassword(p), "password"));
  });
});

describe("encodePassword: Go's std encodings (padded)", () => {
  it.each([
    { encoding: "raw", want: "Test>>Pass??word", reason: "unchanged" },
    { encoding: "base64", want: "VGVzdD4+UGFzcz8/d29yZA==", reason: "ESO docs example" },
    { encoding: "base64url", want: "VGVzdD4-UGFzcz8_d29yZA==", reason: "URL alphabet, padding kept as Go's URLEncoding" },
    { encoding: "hex", want: "546573743e3e506173733f3f776f7264", reason: "lowercase hex" },
    { encoding: "base32", want: "KRSXG5B6HZIGC43TH47XO33SMQ======", reason: "RFC 4648 alphabet with padding (Python base64.b32encode agrees)" },
  ] as const)("$encoding: $reason", ({ encoding, want }) => {
    expect(encodePassword("Test>>Pass??word", encoding)).toBe(want);
  });

  it("base32 RFC 4648 test vectors", () => {
    const vectors: [string, string][] = [["", ""], ["f", "MY======"], ["fo", "MZXQ===="], ["foo", "MZXW6==="], ["foob", "MZXW6YQ="], ["fooba", "MZXW6YTB"], ["foobar", "MZXW6YTBOI======"]];
    for (const [input, want] of vectors) expect(encodePassword(input, "base32")).toBe(want);
  });
});

describe("property: every output satisfies its spec (seed 20261123)", () => {
  it("500 random specs", () => {
    const r = seeded(20261123);
    const sets = [DEFAULT_SYMBOL_CHARACTERS, "-_$@", "!#%"];
    for (let i = 0; i < 500; i++) {
      const allowRepeat = r(2) === 1;
      const symbolCharacters = sets[r(sets.length)] ?? "";
      const noUpper = r(2) === 1;
      const maxSymbols = allowRepeat ? 10 : Math.min(10, Array.from(symbolCharacters).length);
      const symbols = r(maxSymbols + 1);
      const digits = r(allowRepeat ? 15 : 11);
      const letters = r(allowRepeat ? 40 : noUpper ? 27 : 53);
      const spec: PasswordSpec = parsePasswordSpec({ length: Math.max(1, letters + digits + symbols), digits, symbols, symbolCharacters, noUpper, allowRepeat, encoding: "raw" });
      const pw = text(generatePassword(spec, r), "password");
      const chars = Array.from(pw);
      expect(chars).toHaveLength(spec.length);
      expect(count(pw, DIGITS)).toBe(spec.digits);
      expect(count(pw, symbolCharacters)).toBe(spec.symbols);
      expect(count(pw, noUpper ? LOWER : LOWER + UPPER)).toBe(spec.length - spec.digits - spec.symbols);
      if (!allowRepeat) expect(new Set(chars).size).toBe(chars.length);
    }
  });
});

describe("generateFromSpec", () => {
  it("UUID: key uuid, a version 4 UUID, fresh each call", () => {
    const a = text(generateFromSpec("UUID", {}), "uuid");
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(text(generateFromSpec("UUID", {}), "uuid")).not.toBe(a);
  });

  it("another kind is GENERATOR_UNSUPPORTED naming it", () => {
    expect(() => generateFromSpec("SSHKey", {})).toThrow(/kind "SSHKey" is not supported/);
  });
});
