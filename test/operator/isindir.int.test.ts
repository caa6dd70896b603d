// Migration from isindir/sops-secrets-operator: an isindir.github.com/v1alpha3 SopsSecret,
// encrypted whole by the real `sops` for the cluster's recipient and stored by the API server,
// becomes its Secrets through the real kseal-operator; the status says the document MAC could not
// be verified (the API server re-serializes the resource), while every value is still authenticated.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../peers/process.ts";
import { runPeer } from "../support/bins.ts";
import { applyCrd, createNamespace, testKube } from "../support/kube.ts";
import { ISINDIR_CRD } from "../support/isindir-crd.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { servedRecipient } from "./served.ts";

const kube = testKube();
const dir = mkdtempSync(join(tmpdir(), "kseal-isindir-"));
let ns: { name: string; remove: () => Promise<void> };
let op: RunningOperatorProcess;
const group = { group: "isindir.github.com", version: "v1alpha3", plural: "sopssecrets" };

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
  await applyProjectCrds(kube, "kseal.dev_sopssecrets.yaml");
  await applyCrd(kube, ISINDIR_CRD);
  op = await startOperator({ namespace: ns.name, args: ["--controllers=sopssecret"] });
});

afterAll(async () => {
  await op.stop();
  await ns.remove();
});

describe("isindir SopsSecret migration (real kseal-operator, real sops)", () => {
  it("materializes the templates' Secrets and says the MAC is unverified", async () => {
    const recipient = await servedRecipient(op.apiUrl);
    const file = join(dir, "legacy.yaml");
    writeFileSync(file, [
      "apiVersion: isindir.github.com/v1alpha3",
      "kind: SopsSecret",
      "metadata:",
      "  name: legacy",
      "spec:",
      "  secretTemplates:",
      "    - name: legacy-app",
      "      stringData:",
      "        token: moved-from-isindir",
      "",
    ].join("\n"));
    const enc = runPeer("sops", ["encrypt", "--age", recipient, "--encrypted-suffix", "Templates", file], { cwd: dir });
    expect(enc.status, enc.stderr).toBe(0);
    const obj = parse(enc.stdout) as Record<string, unknown>;
    await kube.custom.createNamespacedCustomObject({ ...group, namespace: ns.name, body: obj });
    await waitFor("Secret legacy-app", async () => {
      const s = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "legacy-app" }).catch(() => undefined);
      return Buffer.from(s?.data?.token ?? "", "base64").toString() === "moved-from-isindir";
    }, 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${op.lines.slice(-20).join("\n")}`);
    });
    const message = await waitFor("status message", async () => {
      const got = (await kube.custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name: "legacy" })) as { status?: { message?: string } };
      return got.status?.message;
    }, 30_000);
    expect(message).toMatch(/MAC not verified/);
    expect(message).not.toContain("moved-from-isindir");
  });
});
