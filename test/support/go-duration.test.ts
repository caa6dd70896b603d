// Go's time.ParseDuration, the one duration parser of kseal (src/support/go-duration.ts); the
// expected values are what Go 1.26's time.ParseDuration returns for the same text.
import { describe, expect, it } from "vitest";
import { goDurationMs, parseGoDurationNs } from "../../src/support/go-duration.ts";

describe("parseGoDurationNs", () => {
  it.each([
    ["0", 0n],
    ["-0", 0n],
    ["1h30m", 5_400_000_000_000n],
    ["1.5h", 5_400_000_000_000n],
    [".5s", 500_000_000n],
    ["1.s", 1_000_000_000n],
    ["-1.5m", -90_000_000_000n],
    ["+250ms", 250_000_000n],
    ["1µs", 1000n],
    ["1μs", 1000n],
    ["1us2ns", 1002n],
    ["1.0000000001s", 1_000_000_000n],
    ["9223372036854775807ns", 9_223_372_036_854_775_807n],
    ["-9223372036854775808ns", -9_223_372_036_854_775_808n],
  ] as const)("%s → %s ns", (text, ns) => {
    expect(parseGoDurationNs(text)).toBe(ns);
  });

  it.each(["", "1", "-", ".s", "1d", "1h bad", "1..5s", "9223372036854775808ns", "3000000h"])("refuses %j as Go does", (text) => {
    expect(parseGoDurationNs(text)).toBeUndefined();
  });
});

describe("goDurationMs", () => {
  it("gives milliseconds, rounded", () => {
    expect(goDurationMs("1.5s")).toBe(1500);
    expect(goDurationMs("1500us")).toBe(2);
    expect(goDurationMs("0")).toBe(0);
  });

  it("refuses a sign: what it measures cannot be negative", () => {
    expect(goDurationMs("-1s")).toBeUndefined();
    expect(goDurationMs("+1s")).toBeUndefined();
  });
});
