// One Secret sealed from JSON to JSON — kubeseal's default output — never loads the yaml library
// (a third of such a run's time); YAML in or out does. Checked in a fresh node through the CLI.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { testKey } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "kseal-lazy-yaml-"));
const cert = join(dir, "cert.pem");
writeFileSync(cert, testKey().certificatePem);
const run = JSON.stringify(fileURLToPath(new URL("../../cli/kseal/run.ts", import.meta.url)));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Seals `input` with `args` in a fresh node; the exit code, and whether the yaml package was loaded. */
function seal(input: string, args: string[]): { code: number; out: string; yamlLoaded: boolean } {
  const probe = `
    const { runCliCaptured } = await import(${run});
    const r = await runCliCaptured(${JSON.stringify(["--cert", cert, ...args])}, ${JSON.stringify(input)});
    const { createRequire } = await import("node:module");
    const loaded = Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes("/node_modules/yaml/"));
    process.stdout.write(JSON.stringify({ code: r.code, out: r.stdout, yamlLoaded: loaded }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8", timeout: 60_000 });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout) as { code: number; out: string; yamlLoaded: boolean };
}

const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "n" }, stringData: { a: "b" } };

describe("the yaml library in a one-Secret seal", () => {
  it("is not loaded for JSON in and JSON out", () => {
    const r = seal(JSON.stringify(secret), ["-o", "json"]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { kind: string }).kind).toBe("SealedSecret");
    expect(r.yamlLoaded).toBe(false);
  });

  it("is loaded for YAML in, and for YAML out", () => {
    const yamlIn = seal("apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: n}\nstringData: {a: b}\n", ["-o", "json"]);
    expect(yamlIn.code).toBe(0);
    expect(yamlIn.yamlLoaded).toBe(true);
    const yamlOut = seal(JSON.stringify(secret), ["-o", "yaml"]);
    expect(yamlOut.out).toMatch(/^---\napiVersion: bitnami.com\/v1alpha1\nkind: SealedSecret\n/);
    expect(yamlOut.yamlLoaded).toBe(true);
  });
});
