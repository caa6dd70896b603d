// The SopsSecret controller end to end: a document encrypted by the real `sops` for the cluster's
// age recipient (served by the operator) becomes a Secret; a tampered one is refused and the old
// Secret stays exactly as it was.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCliCaptured } from "../../cli/kseal/run.ts";
import { waitFor } from "../peers/process.ts";
import { runPeer } from "../support/bins.ts";
import { createNamespace, testKube } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { secretText } from "./secrets.ts";
import { servedRecipient } from "./served.ts";

const kube = testKube();
const dir = mkdtempSync(join(tmpdir(), "kseal-sops-e2e-"));
let ns: { name: string; remove: () => Promise<void> };
let op: RunningOperatorProcess;
let recipient: string;
const group = { group: "kseal.dev", version: "v1alpha1", plural: "sopssecrets" };

function sopsEncrypt(plain: string): string {
  const file = join(dir, `doc-${String(Math.random()).slice(2)}.yaml`);
  writeFileSync(file, plain);
  const r = runPeer("sops", ["encrypt", "--age", recipient, file], { cwd: dir });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

async function readyCondition(name: string): Promise<{ status: string; reason: string; message: string } | undefined> {
  const o = (await kube.custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name })) as {
    status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
  };
  return o.status?.conditions?.find((c) => c.type === "Ready");
}

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
  await applyProjectCrds(kube, "kseal.dev_sopssecrets.yaml");
  op = await startOperator({ namespace: ns.name, args: ["--controllers=sopssecret"] });
  // First start: the leader creates the cluster's age identity; only the recipient is served.
  recipient = await servedRecipient(op.apiUrl);
});

afterAll(async () => {
  await op.stop();
  await ns.remove();
});

describe("SopsSecret controller (real kseal-operator, real sops)", () => {
  it("serves an X25519 recipient and keeps the identity in a labelled Secret", async () => {
    expect(recipient).toMatch(/^age1[0-9a-z]{58}$/);
    const keys = await kube.core.listNamespacedSecret({ namespace: ns.name, labelSelector: "kseal.dev/sops-age-key" });
    expect(keys.items.length).toBeGreaterThanOrEqual(1);
  });

  it("decrypts a sops-encrypted document into a Secret, then refuses a tampered one and keeps the Secret", async () => {
    const doc = sopsEncrypt("username: admin\npassword: s3cr3t-value\n");
    await kube.custom.createNamespacedCustomObject({
      ...group, namespace: ns.name,
      body: { apiVersion: "kseal.dev/v1alpha1", kind: "SopsSecret", metadata: { name: "db" }, spec: { sops: doc } },
    });
    await waitFor("Secret db", async () => (await secretText(kube, ns.name, "db"))?.password === "s3cr3t-value", 60_000);
    expect((await readyCondition("db"))?.status).toBe("True");
    const before = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "db" });

    // Flip one character inside the encrypted password value: the MAC and the GCM tag both catch it.
    const tampered = doc.replace(/password: ENC\[AES256_GCM,data:(.)/, (_m, c: string) => `password: ENC[AES256_GCM,data:${c === "A" ? "B" : "A"}`);
    expect(tampered).not.toBe(doc);
    await kube.custom.patchNamespacedCustomObject({
      ...group, namespace: ns.name, name: "db", body: [{ op: "replace", path: "/spec/sops", value: tampered }],
    });
    const cond = await waitFor("Ready=False", async () => {
      const c = await readyCondition("db");
      return c?.status === "False" ? c : undefined;
    }, 60_000);
    expect(["Tampered", "MacMismatch"]).toContain(cond.reason);
    expect(cond.message).not.toContain("s3cr3t");
    const after = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "db" });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it("multi-cluster: `kseal sops recipients` collects each cluster's recipient; one sops file opens in both", async () => {
    // A second "cluster": another operator with its own age key, in its own namespace.
    const ns2 = await createNamespace(kube, "sops-second-cluster");
    const op2 = await startOperator({ namespace: ns2.name, args: ["--controllers=sopssecret"] });
    try {
      await waitFor("second recipient", async () => (await fetch(`${op2.apiUrl}/v1/age-recipients`)).status === 200, 60_000);
      await waitFor("published recipients ConfigMap", async () =>
        (await kube.core.readNamespacedConfigMap({ namespace: ns.name, name: "kseal-age-recipients" }).catch(() => undefined))?.data?.recipients?.includes(recipient) === true, 60_000);
      const { code, stdout: out } = await runCliCaptured(
        ["sops", "recipients", "--kubeconfig", inject("peers").kube.kubeconfig, "--controller-namespace", ns.name,
          "--url", `${op2.apiUrl}/v1/age-recipients`, "--path-regex", "\\.yaml$"],
        "", { cwd: dir },
      );
      expect(code).toBe(0);
      expect(out).toContain(recipient);
      const config = join(dir, ".sops.yaml");
      writeFileSync(config, out);
      const file = join(dir, "shared.yaml");
      writeFileSync(file, "shared: one-file-two-clusters\n");
      const enc = runPeer("sops", ["--config", config, "encrypt", file], { cwd: dir });
      expect(enc.status, enc.stderr).toBe(0);
      for (const target of [ns.name, ns2.name]) {
        await kube.custom.createNamespacedCustomObject({
          ...group, namespace: target,
          body: { apiVersion: "kseal.dev/v1alpha1", kind: "SopsSecret", metadata: { name: "shared" }, spec: { sops: enc.stdout } },
        });
        await waitFor(`Secret shared in ${target}`, async () => {
          const s = await kube.core.readNamespacedSecret({ namespace: target, name: "shared" }).catch(() => undefined);
          return Buffer.from(s?.data?.shared ?? "", "base64").toString() === "one-file-two-clusters";
        }, 60_000);
      }
    } finally {
      await op2.stop();
      await ns2.remove();
    }
  });

  it("reports NoUsableKey for a document encrypted for another cluster", async () => {
    const other = runPeer("age-keygen", []);
    const otherRecipient = /age1[0-9a-z]+/.exec(other.stderr + other.stdout)?.[0] ?? "";
    const file = join(dir, "other.yaml");
    writeFileSync(file, "token: for-someone-else\n");
    const r = runPeer("sops", ["encrypt", "--age", otherRecipient, file], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    await kube.custom.createNamespacedCustomObject({
      ...group, namespace: ns.name,
      body: { apiVersion: "kseal.dev/v1alpha1", kind: "SopsSecret", metadata: { name: "foreign" }, spec: { sops: r.stdout } },
    });
    const cond = await waitFor("Ready=False", async () => {
      const c = await readyCondition("foreign");
      return c?.status === "False" ? c : undefined;
    }, 60_000);
    expect(cond.reason).toBe("NoUsableKey");
    expect(await secretText(kube, ns.name, "foreign")).toBeUndefined();
  });
});
