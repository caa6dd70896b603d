/**
 * vitest globalSetup of every project: one scratch directory per test run, made the run's TMPDIR,
 * removed when the run ends. Tests and the programs they start (the CLI, sops, kubeseal, the peers)
 * make their temporary files with `os.tmpdir()` or `$TMPDIR`; without this, each CI run left
 * thousands of `kseal-*` directories in /tmp. Set KSEAL_KEEP_PEER_LOGS to keep it for a post-mortem.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  // Both projects list this file; the first to start owns the directory.
  if (process.env.KSEAL_TEST_SCRATCH !== undefined) return () => undefined;
  const dir = mkdtempSync(join(tmpdir(), "kseal-test-run-"));
  const previous = process.env.TMPDIR;
  process.env.KSEAL_TEST_SCRATCH = dir;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    delete process.env.KSEAL_TEST_SCRATCH;
    if (process.env.KSEAL_KEEP_PEER_LOGS === undefined) rmSync(dir, { recursive: true, force: true });
    else console.error(`kseal: test scratch kept in ${dir}`);
  };
}
