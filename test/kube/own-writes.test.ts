import { describe, expect, it } from "vitest";
import { OwnWrites } from "../../src/kube/own-writes.ts";

describe("OwnWrites: the echo of our own write is not a change", () => {
  it("drops the version this process wrote and delivers any other", () => {
    const own = new OwnWrites();
    const delivered: string[] = [];
    own.begin("ns/a");
    own.end("ns/a", "101");
    own.observe("ns/a", "101", () => delivered.push("echo"));
    own.observe("ns/a", "102", () => delivered.push("someone else"));
    own.observe("ns/b", "101", () => delivered.push("another object"));
    own.observe("ns/a", undefined, () => delivered.push("no version"));
    expect(delivered).toEqual(["someone else", "another object", "no version"]);
  });

  it("holds a change seen while the write is in flight and judges it when the write ends", () => {
    const own = new OwnWrites();
    const delivered: string[] = [];
    own.begin("ns/a");
    // The watch can deliver the echo before the write's own response arrives.
    own.observe("ns/a", "7", () => delivered.push("echo"));
    own.observe("ns/a", "6", () => delivered.push("an earlier edit"));
    expect(delivered).toEqual([]);
    own.end("ns/a", "7");
    expect(delivered).toEqual(["an earlier edit"]);
  });

  it("delivers what it held when the write failed (nothing of ours to echo)", () => {
    const own = new OwnWrites();
    const delivered: string[] = [];
    own.begin("ns/a");
    own.observe("ns/a", "9", () => delivered.push("edit"));
    own.end("ns/a", undefined);
    expect(delivered).toEqual(["edit"]);
  });

  it("waits for the last of overlapping writes of one object", () => {
    const own = new OwnWrites();
    const delivered: string[] = [];
    own.begin("ns/a");
    own.begin("ns/a");
    own.observe("ns/a", "3", () => delivered.push("v3"));
    own.end("ns/a", "2");
    expect(delivered).toEqual([]);
    own.end("ns/a", "3");
    expect(delivered).toEqual([]);
    own.observe("ns/a", "2", () => delivered.push("v2 again"));
    expect(delivered).toEqual(["v2 again"]);
  });

  it("forgets the oldest versions beyond its bound", () => {
    const own = new OwnWrites(2);
    for (const [k, v] of [["a", "1"], ["b", "2"], ["c", "3"]] as const) {
      own.begin(k);
      own.end(k, v);
    }
    expect(own.size).toBe(2);
    expect(own.isEcho("a", "1")).toBe(false);
    expect(own.isEcho("c", "3")).toBe(true);
    expect(() => new OwnWrites(0)).toThrow(RangeError);
  });
});
