import { describe, expect, it } from "vitest";
import { memoPerObject } from "../../src/support/memo.ts";

describe("memoPerObject", () => {
  it("parses an object once, another object (a replaced spec) again", () => {
    let calls = 0;
    const parse = memoPerObject((raw) => {
      calls++;
      return { server: (raw as { server: string }).server };
    });
    const spec = { server: "https://a" };
    const first = parse(spec);
    expect(parse(spec)).toBe(first);
    expect(calls).toBe(1);
    expect(parse({ server: "https://b" })).toEqual({ server: "https://b" });
    expect(calls).toBe(2);
  });

  it("keeps no failure: a bad object throws its own error every time", () => {
    let calls = 0;
    const parse = memoPerObject((raw) => {
      calls++;
      if ((raw as { ok?: boolean }).ok !== true) throw new Error("spec.server is required");
      return raw;
    });
    const bad = { ok: false };
    expect(() => parse(bad)).toThrow("spec.server is required");
    expect(() => parse(bad)).toThrow("spec.server is required");
    expect(calls).toBe(2);
  });

  it("does not memoize scalars (nothing to key on)", () => {
    let calls = 0;
    const parse = memoPerObject((raw) => {
      calls++;
      return String(raw);
    });
    parse("x");
    parse("x");
    expect(calls).toBe(2);
  });
});
