/**
 * kseal's version: the `version` of its package.json, found by walking up from this file — it sits
 * at a different depth in the sources (cli/kseal/) than in the published build (dist/cli/kseal/).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The package version, e.g. `0.1.0`; "unknown" when no kseal package.json encloses this file. */
export function ksealVersion(): string {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "kseal" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // no (readable) package.json here: look further up
    }
    if (dirname(dir) === dir) return "unknown";
  }
}
