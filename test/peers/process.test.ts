// A benchmark interrupted with Ctrl-C stops the peers it started: they run in process groups of
// their own, which the terminal's SIGINT does not reach.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { alive, waitFor } from "./process.ts";

describe("stopPeersOnInterrupt (bench/lib.ts)", () => {
  it("SIGINT to a bench process stops the process groups it started, then it exits 130", async () => {
    const url = (path: string): string => JSON.stringify(new URL(path, import.meta.url).href);
    const script = `
      import { mkdtempSync } from "node:fs";
      import { tmpdir } from "node:os";
      import { join } from "node:path";
      import { startProcess } from ${url("./process.ts")};
      import { stopPeersOnInterrupt } from ${url("../../bench/lib.ts")};
      stopPeersOnInterrupt();
      const peer = await startProcess({ name: "sleeper", command: "sleep", args: ["300"], logDir: mkdtempSync(join(tmpdir(), "kseal-interrupt-")), ready: async () => true });
      console.log(JSON.stringify({ pid: peer.pid }));
      setInterval(() => undefined, 1000);
    `;
    const bench = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => bench.on("exit", (code) => { resolve(code); }));
    const first = await new Promise<string>((resolve) => {
      createInterface({ input: bench.stdout }).once("line", resolve);
    });
    const { pid } = JSON.parse(first) as { pid: number };
    expect(alive(pid)).toBe(true);
    bench.kill("SIGINT");
    expect(await exited).toBe(130);
    await waitFor("the started peer to be gone", () => Promise.resolve(!alive(pid)), 10_000, 50);
  }, 30_000);
});
