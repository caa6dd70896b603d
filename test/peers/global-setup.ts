/**
 * vitest globalSetup of the `integration` project: starts the real peers once per run and hands
 * their endpoints to tests (`inject("peers")`). Tests isolate themselves (a namespace per file,
 * unique store paths). A peer that is missing or fails to start fails the whole run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import "./endpoints.ts";
import { startAllPeers } from "./all.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const workDir = mkdtempSync(join(tmpdir(), "kseal-peers-"));
  const peers = await startAllPeers({ workDir });
  project.provide("peers", peers.endpoints);
  return async () => {
    await peers.stop();
    if (process.env.KSEAL_KEEP_PEER_LOGS === undefined) rmSync(workDir, { recursive: true, force: true });
  };
}
