import { describe, expect, it } from "vitest";
import { getPath, selectProperty, splitPath } from "../../src/stores/gjson.ts";

const doc = { a: { b: { c: "deep" } }, "x.y": "dotted", list: [{ n: "one" }, { n: "two" }], num: 3, flag: true, "key*": "star" };

describe("gjson subset", () => {
  it.each<[string, boolean, unknown, string]>([
    ["a.b.c", true, "deep", "nested object keys"],
    ["x\\.y", true, "dotted", "escaped dot names a key containing a dot"],
    ["list.1.n", true, "two", "array index"],
    ["list.#", true, 2, "array length"],
    ["list.#.n", true, ["one", "two"], "field of every element"],
    ["a.*.c", true, "deep", "wildcard key"],
    ["a.?.c", true, "deep", "single-character wildcard"],
    ["num", true, 3, "number kept as a number"],
    ["list.5", false, undefined, "index out of range"],
    ["a.nope", false, undefined, "missing key"],
    ["num.x", false, undefined, "path through a scalar"],
  ])("%s → found=%s (%s)", (path, found, value) => {
    const r = getPath(doc, path);
    expect(r.found).toBe(found);
    if (found) expect(r.value).toEqual(value);
  });

  it("prefers an exact top-level key to the path (ESO semantics)", () => {
    expect(selectProperty(doc, "x.y")).toEqual({ found: true, value: "dotted" });
    expect(selectProperty({ "a.b": 1, a: { b: 2 } }, "a.b")).toEqual({ found: true, value: 1 });
    expect(selectProperty({ a: { b: 2 } }, "a.b")).toEqual({ found: true, value: 2 });
  });

  it("splits on unescaped dots only", () => {
    expect(splitPath("a\\.b.c")).toEqual(["a.b", "c"]);
    expect(splitPath("")).toEqual([""]);
  });
});
