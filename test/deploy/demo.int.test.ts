/**
 * The one-command demo (scripts/demo.ts) run as a user runs it: --once embedded (its own
 * control plane and OpenBao from the peer cache), until Ctrl-C, and --once against an existing cluster (--kubeconfig,
 * the integration API server). The story lines appear in order, no value is printed, every
 * process it reported is gone afterwards, and with --kubeconfig its namespace is removed.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { testKube } from "../support/kube.ts";
import { alive, waitFor } from "../peers/process.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");

/** Runs the demo; with `interruptOn`, sends SIGINT (Ctrl-C) once that text is printed. */
function runDemo(args: readonly string[], interruptOn?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [resolve(ROOT, "scripts/demo.ts"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let interrupted = false;
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (interruptOn !== undefined && !interrupted && out.includes(interruptOn)) {
        interrupted = true;
        child.kill("SIGINT");
      }
    });
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", rej);
    child.on("exit", (code) => {
      res({ code, out });
    });
  });
}

// The three Secrets appear concurrently, in any order; every other step follows the one before.
const APPEARING: readonly { readonly line: RegExp; readonly why: string }[] = [
  { line: /Secret db appeared: DATABASE_URL \(\d+ B\), username \(\d+ B\)/, why: "the ExternalSecret's template output, keys and sizes" },
  { line: /Secret api appeared: API_KEY \(23 B\)/, why: "the SealedSecret sealed by kseal" },
  { line: /Secret app appeared: LOG_LEVEL \(5 B\), SESSION_SECRET \(19 B\)/, why: "the SopsSecret encrypted by sops" },
];

const STORY: readonly { readonly line: RegExp; readonly why: string }[] = [
  { line: /kseal-operator pid \d+/, why: "the operator runs" },
  { line: /OpenBao: rotated secret\/demo\/db password/, why: "the rotation" },
  { line: /Secret db updated:/, why: "the Secret follows the store" },
  { line: /Deployment web restarted: kseal\.dev\/restartedAt=\S+/, why: "the reloader-annotated Deployment restarts" },
  { line: /SealedSecret api-tampered rejected: .*(decrypt|cannot be opened)/i, why: "tampering is refused with its reason" },
  { line: /Secret api-tampered was not created/, why: "and produces no Secret" },
  { line: /story complete/, why: "--once ends after the story" },
  { line: /everything stopped, nothing left running/, why: "cleanup ran" },
];

function checkStory(out: string): void {
  const started = out.search(/kseal-operator pid \d+/);
  const rotated = out.search(/OpenBao: rotated/);
  for (const { line, why } of APPEARING) {
    const m = line.exec(out);
    expect(m, `${why}: ${String(line)}\n--- output ---\n${out}`).not.toBeNull();
    expect(m?.index ?? -1, `${why} appears after the operator starts`).toBeGreaterThan(started);
    if (line.source.startsWith("Secret db")) expect(m?.index ?? -1, "the ExternalSecret syncs before the rotation").toBeLessThan(rotated);
  }
  let at = 0;
  for (const { line, why } of STORY) {
    const m = line.exec(out.slice(at));
    expect(m, `${why}: ${String(line)}\n--- output ---\n${out}`).not.toBeNull();
    at += (m?.index ?? 0) + (m?.[0].length ?? 0);
  }
  // Values the examples hold must never be printed.
  for (const secret of ["demo-api-key-0123456789", "demo-session-secret", "postgres://"]) expect(out).not.toContain(secret);
  expect(out).not.toMatch(/pw-[0-9a-f]{12}/);
  for (const m of out.matchAll(/pid (\d+)/g)) expect(alive(Number(m[1])), `process ${m[1] ?? ""} still running`).toBe(false);
}

describe("scripts/demo.ts", () => {
  it("embedded: starts its own control plane and OpenBao, tells the story, leaves nothing running", async () => {
    const r = await runDemo(["--once"]);
    expect(r.code, r.out).toBe(0);
    checkStory(r.out);
    expect(r.out).toMatch(/kube-apiserver pid \d+/);
  }, 360_000);

  it("without --once it keeps watching until Ctrl-C, then stops everything", async () => {
    const r = await runDemo([], "Ctrl-C to stop");
    expect(r.code, r.out).toBe(0);
    // Ordered, not adjacent: the watcher may print between the prompt and the signal.
    expect(r.out, r.out).toMatch(/story complete\n[^]*watching; Ctrl-C to stop\n[^]*stopping…\n/);
    checkStory(r.out);
  }, 360_000);

  it("--kubeconfig: runs against an existing cluster in the kseal-demo namespace and removes it", async () => {
    const r = await runDemo(["--once", `--kubeconfig=${inject("peers").kube.kubeconfig}`]);
    expect(r.code, r.out).toBe(0);
    checkStory(r.out);
    expect(r.out).not.toMatch(/kube-apiserver pid/);
    const kube = testKube();
    await waitFor("namespace kseal-demo gone or terminating", async () => {
      const ns = await kube.core.readNamespace({ name: "kseal-demo" }).catch(() => undefined);
      return ns === undefined || ns.status?.phase === "Terminating";
    });
  }, 360_000);
});
