/**
 * Running the real peer CLIs (sops, age, age-keygen, kubeseal) from the peer cache. A missing binary
 * throws with the command that installs it: tests fail, they never skip.
 */
import { spawnSync } from "node:child_process";
import { peerBin } from "../peers/process.ts";

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runPeer(
  name: string,
  args: readonly string[],
  opts: { input?: string | Buffer; env?: Record<string, string>; cwd?: string } = {},
): RunResult {
  const r = spawnSync(peerBin(name), [...args], {
    input: opts.input,
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.error !== undefined) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
