// What an ExternalSecret-only operator keeps out of memory until something needs it: undici (its
// WebAssembly HTTP parser, ADR 0008), node-forge (only a few template functions use it) and
// cron-parser with luxon (only cron schedules). Each is checked in a fresh node after importing the
// operator's modules, and again after a use that needs it (so the check itself can fail).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = (path: string): string => JSON.stringify(fileURLToPath(new URL(`../../src/${path}`, import.meta.url)));

/** Packages under node_modules that a fresh node has loaded after `script` (ESM, top-level await). */
function loadedPackagesAfter(script: string): string[] {
  const probe = `
    ${script}
    const { createRequire } = await import("node:module");
    const cache = createRequire(import.meta.url).cache;
    const names = new Set(Object.keys(cache).map((p) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(p)?.[1]).filter(Boolean));
    process.stdout.write(JSON.stringify([...names].sort()));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8", timeout: 60_000 });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout) as string[];
}

const operatorModules = `
  await import(${src("operator/run.ts")});
  await import(${src("operator/externalsecret/index.ts")});
  await import(${src("template/index.ts")});
  await import(${src("stores/vault/index.ts")});`;

describe("modules an ExternalSecret-only operator does not load", () => {
  it("none of undici, node-forge, cron-parser, luxon after importing the operator, its ExternalSecret engine, templates and the Vault store", () => {
    const loaded = loadedPackagesAfter(operatorModules);
    expect(loaded).toContain("prom-client"); // the probe sees CommonJS packages
    for (const p of ["undici", "node-forge", "cron-parser", "luxon"]) expect(loaded).not.toContain(p);
  });

  it("cron-parser (with luxon) once a cron schedule is evaluated, node-forge once a function needs it", () => {
    const loaded = loadedPackagesAfter(`${operatorModules}
      const { nextFire } = await import(${src("operator/externalsecret/schedule.ts")});
      nextFire("*/5 * * * *", 0);
      const { nodeForge } = await import(${src("support/forge.ts")});
      nodeForge().util.bytesToHex("x");`);
    for (const p of ["cron-parser", "luxon", "node-forge"]) expect(loaded).toContain(p);
    expect(loaded).not.toContain("undici");
  });
});
