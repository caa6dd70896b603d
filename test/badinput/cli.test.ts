/**
 * Runs the CLI bad-input corpus (cli-corpus.ts) in process, each case in its own directory with
 * no kubeconfig and no age keys but those the case names. Beyond the case's exit code and stderr
 * piece, every case must: print no stack trace and no "internal error", keep the plaintext canary
 * out of stderr (and out of stdout unless printing plaintext is the command's job), and leave
 * every file of its directory byte-identical with no new file — no output written or half-written
 * on error, no temp file left behind.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { runCliCaptured } from "../../cli/kseal/run.ts";
import { caseDir, cliCorpus, describeFiles, type CliCase } from "./cli-corpus.ts";
import { CANARY, makeFixtures } from "./cli-fixtures.ts";

// Fixtures are made once, before the table is built (top-level await: keys take ~1 s).
const fx = await makeFixtures();
const CASES = cliCorpus(fx);

function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(root, p), readFileSync(p).toString("base64"));
    }
  };
  walk(root);
  return out;
}

async function runCase(c: CliCase): Promise<{ code: number; stdout: string; stderr: string; before: Map<string, string>; after: Map<string, string> }> {
  const cwd = caseDir(c, "kseal-badinput-");
  const before = snapshot(cwd);
  const env = { HOME: cwd, KUBECONFIG: join(cwd, "no-kubeconfig"), PATH: process.env.PATH ?? "", ...c.env };
  const r = await runCliCaptured(c.argv, c.stdin ?? "", { cwd, env });
  return { ...r, before, after: snapshot(cwd) };
}

describe(`kseal CLI bad-input corpus (${CASES.length} cases)`, () => {
  it("has at least 90 cases with unique names and a reason each", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(90);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    for (const c of CASES) expect(c.reason, c.name).not.toBe("");
  });

  it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const r = await runCase(c);
    const where = `${c.name} (${c.reason}); files: ${describeFiles(c)}\nexit ${r.code}\nstderr: ${r.stderr.slice(0, 2000)}`;
    expect(r.code, where).toBe(c.exit);
    expect(r.stderr, where).toContain(c.stderr);
    expect(r.stderr, where).not.toMatch(/internal error|\n\s+at .+:\d+:\d+|unexpected [A-Z][a-zA-Z]*Error/);
    expect(r.stderr.includes(CANARY), `${where}\nthe canary leaked to stderr`).toBe(false);
    if (c.plaintextOut !== true) expect(r.stdout.includes(CANARY), `${where}\nthe canary leaked to stdout`).toBe(false);
    else expect(r.stdout, where).not.toBe("");
    if (c.exit !== 0) expect(r.stdout, `${where}\nan error run printed output`).toBe("");
    const allowed = new Set(c.writes ?? []);
    const changed = [...new Set([...r.before.keys(), ...r.after.keys()])].filter((f) => r.before.get(f) !== r.after.get(f) && !allowed.has(f));
    expect(changed, `${where}\nfiles created or changed`).toEqual([]);
    for (const w of allowed) expect(r.after.has(w), `${where}\n${w} not written`).toBe(true);
  }, 60_000);
});
