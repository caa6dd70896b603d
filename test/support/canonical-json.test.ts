import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/support/canonical-json.ts";

/** The definition, written plainly: the fast form must give exactly its output. */
function reference(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(reference).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${reference(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}

/** A deterministic pseudo-random value tree (xorshift), with odd keys, unicode and undefined members. */
function generate(seed: number): unknown {
  let s = seed || 1;
  const next = (n: number): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
  const keyPool = ["b", "a", "z", "aa", "A", "_", "é", "10", "2", "key with \"quote\"", "", "ключ", "\u0000"];
  const value = (depth: number): unknown => {
    const pick = next(depth > 3 ? 6 : 9);
    switch (pick) {
      case 0: return undefined;
      case 1: return null;
      case 2: return next(2) === 0;
      case 3: return next(1000) - 500 + next(7) / 8;
      case 4: return keyPool[next(keyPool.length)];
      case 5: return "line\nbreak\ttab \u2028 \ud83d\ude00";
      case 6: return Array.from({ length: next(4) }, () => value(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = next(6); i > 0; i--) o[keyPool[next(keyPool.length)] ?? ""] = value(depth + 1);
        return o;
      }
    }
  };
  return value(0);
}

describe("canonicalJson", () => {
  it("sorts keys, drops undefined members and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: [3, undefined, { d: undefined, c: "x" }], e: undefined })).toBe('{"a":[3,null,{"c":"x"}],"b":1}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    expect(canonicalJson(undefined)).toBe("null");
    expect(canonicalJson("s")).toBe('"s"');
  });

  it("gives the plain definition's output on 5,000 generated values", () => {
    let objects = 0;
    for (let seed = 1; seed <= 5000; seed++) {
      const v = generate(seed);
      if (typeof v === "object" && v !== null) objects++;
      expect(canonicalJson(v)).toBe(reference(v));
    }
    // The generator must have produced nested structures, not only scalars.
    expect(objects).toBeGreaterThan(1000);
  });
});
