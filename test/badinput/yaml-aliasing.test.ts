// A YAML alias-expansion bomb ("billion laughs": 10 levels of 10 aliases, 10^10 nodes once
// expanded) must be refused quickly with SOPS_LIMIT, as go-yaml (and so sops) refuses it with
// "document contains excessive aliasing"; ordinary anchors still expand.
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, parsePlain } from "../../src/sops/index.ts";

function bomb(levels: number): string {
  const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < levels; i++) lines.push(`a${String(i)}: &a${String(i)} [${Array.from({ length: 10 }, () => `*a${String(i - 1)}`).join(", ")}]`);
  return `${lines.join("\n")}\n`;
}

describe("YAML alias expansion limits", () => {
  it("refuses a billion-laughs document with SOPS_LIMIT in seconds, not hours", () => {
    const started = Date.now();
    expect(() => parsePlain("yaml", Buffer.from(bomb(10)), DEFAULT_LIMITS)).toThrow(expect.objectContaining({ code: "SOPS_LIMIT", message: "the YAML document contains excessive aliasing" }));
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("still expands a document that uses a few anchors", () => {
    const branches = parsePlain("yaml", Buffer.from("base: &b {user: u}\ncopy: *b\n"), DEFAULT_LIMITS);
    const copy = branches[0]?.items.find((i) => i.kind === "pair" && i.key === "copy");
    expect(copy).toMatchObject({ value: { kind: "map", items: [{ kind: "pair", key: "user", value: { kind: "scalar", text: "u" } }] } });
  });

  it("accepts three levels of ten aliases (1,110 nodes, like go-yaml)", () => {
    expect(parsePlain("yaml", Buffer.from(bomb(3)), DEFAULT_LIMITS)).toHaveLength(1);
  });
});
