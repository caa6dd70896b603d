/**
 * The CLI bad-input corpus against the real tools: every `kseal` (kubeseal mode) and
 * `kseal sops` case is replayed with the same argv, stdin and files through the real `kubeseal`
 * and `sops` from the peer cache. Wherever the real tool refuses an input, kseal must refuse it
 * too; where kseal is stricter than the real tool, the case is listed below with the reason.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { peerBin } from "../peers/process.ts";
import { caseDir, cliCorpus, type CliCase } from "./cli-corpus.ts";
import { makeFixtures } from "./cli-fixtures.ts";

/** Inputs the real tool accepts and kseal refuses on purpose. */
const STRICTER: Readonly<Record<string, string>> = {
  "seal: positional argument": "kubeseal ignores stray positionals; kseal reports them so a mistyped -f is not silently read from stdin",
  "seal: --merge-into two documents": "kubeseal merges into the first document and drops the rest of the file",
  "seal: --raw without --from-file": "kubeseal seals empty stdin; kseal asks for the value's source",
  "recover: encryptedData a list": "kubeseal's decoder ignores the list; kseal reports the malformed item",
  "recover: spec null": "kubeseal decodes spec: null as an empty spec and prints a Secret without data; kseal reports the malformed SealedSecret",
  "recover: -w unchanged on failure": "kubeseal opens only the first document; kseal opens every document and fails on the bad one",
  "sops: unknown --input-type": "sops falls back to a default store for an unknown type; kseal names the allowed formats",
  "sops: unknown --output-type": "as --input-type",
  "sops: encrypt invalid regex": "sops accepts a --encrypted-regex that does not compile; kseal reports it",
  "sops: shamir threshold 0": "sops reads 0 as 'unset' (all groups); kseal refuses an explicit 0",
  "sops: .sops.yaml bad encrypted_regex": "as --encrypted-regex",
};

function runPeer(bin: string, args: readonly string[], cwd: string, stdin: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args], { cwd, env, stdio: ["pipe", "ignore", "ignore"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code ?? -1);
    });
    child.stdin.on("error", () => undefined); // the tool may exit before reading stdin
    child.stdin.end(stdin);
  });
}

const fx = await makeFixtures();
const CASES = cliCorpus(fx).filter((c) => c.argv[0] === "sops" || !["template", "reseal"].includes(c.argv[0] ?? ""));

function peerOf(c: CliCase): { bin: string; args: readonly string[] } {
  return c.argv[0] === "sops" ? { bin: peerBin("sops"), args: c.argv.slice(1) } : { bin: peerBin("kubeseal"), args: c.argv };
}

describe.concurrent(`CLI corpus vs the real kubeseal and sops (${CASES.length} cases)`, () => {
  it("every listed divergence is a case of the corpus", () => {
    const names = new Set(CASES.map((c) => c.name));
    for (const name of Object.keys(STRICTER)) expect(names.has(name), name).toBe(true);
  });

  it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const cwd = caseDir(c, "kseal-badinput-peer-");
    const { bin, args } = peerOf(c);
    const env = { PATH: process.env.PATH ?? "", HOME: cwd, KUBECONFIG: join(cwd, "no-kubeconfig"), ...c.env };
    const peerOk = (await runPeer(bin, args, cwd, c.stdin ?? "", env)) === 0;
    const ourOk = c.exit === 0;
    if (!peerOk) expect(ourOk, `${c.name}: the real tool refuses this input, kseal accepts it`).toBe(false);
    else if (!ourOk) expect(STRICTER[c.name], `${c.name}: the real tool accepts this input; list it in STRICTER with a reason or accept it`).toBeDefined();
  }, 60_000);
});
