import { describe, expect, it } from "vitest";
import { choosePeerMode } from "./mode.ts";

describe("peer mode", () => {
  it.each([
    [undefined, false, "process", "no engine: local processes"],
    [undefined, true, "container", "an engine answers: containers"],
    ["process", true, "process", "PEERS=process forces processes even with an engine"],
    ["container", false, "container", "PEERS=container forces containers (and fails later without an engine)"],
    ["", false, "process", "empty PEERS is unset"],
  ] as const)("PEERS=%s engine=%s → %s (%s)", (env, engine, want, _why) => {
    expect(choosePeerMode(env, engine)).toBe(want);
  });

  it("rejects an unknown PEERS value with a message naming it", () => {
    expect(() => choosePeerMode("k8s", false)).toThrow(/PEERS must be "process" or "container", not "k8s"/);
  });
});
