import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLI_REFERENCE_PATH, renderCliReference } from "../../scripts/cli-reference.ts";

describe("docs/cli.md", () => {
  it("is exactly what the commands' own definitions generate (run `node scripts/cli-reference.ts --write`)", async () => {
    expect(readFileSync(CLI_REFERENCE_PATH, "utf8")).toBe(await renderCliReference());
  });

  it("documents every subcommand and the operator", async () => {
    const text = await renderCliReference();
    for (const name of ["seal", "reseal", "sops", "template"]) expect(text).toContain(`## kseal ${name}`);
    expect(text).toContain("## kseal-operator");
  });
});
