// SopsSecret on the real kube-apiserver: the CRD becomes Established, a document made by `sops`
// survives storage byte for byte (so its MAC still verifies), the plan turns it into a Secret,
// and a tampered document is refused with the old Secret left as it was. The controller loop
// itself (watch → plan → write → status) is wired by the operator; this drives the same calls.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { V1CustomResourceDefinition, V1Secret } from "@kubernetes/client-node";
import { newSopsSecret, planSopsSecret } from "../../src/sops/sopssecret.ts";
import type { Secret, SopsSecret } from "../../src/sops/sopssecret.ts";
import { applyCrd, createNamespace, testKube } from "../support/kube.ts";
import { ageKeygen, sops, tempDir, write } from "./support.ts";

const kube = testKube();
const GROUP = { group: "kseal.dev", version: "v1alpha1", plural: "sopssecrets" };
let ns: { name: string; remove: () => Promise<void> };

beforeAll(async () => {
  const crd = parse(readFileSync(join(import.meta.dirname, "../../config/crd/kseal.dev_sopssecrets.yaml"), "utf8")) as V1CustomResourceDefinition;
  await applyCrd(kube, crd);
  ns = await createNamespace(kube, import.meta.filename);
});
afterAll(async () => {
  await ns.remove();
});

async function read(name: string): Promise<SopsSecret> {
  return (await kube.custom.getNamespacedCustomObject({ ...GROUP, namespace: ns.name, name })) as SopsSecret;
}

/** What the controller's act step does with a plan (create/replace only on `write`). */
async function act(sopsSecret: SopsSecret, existing: V1Secret | null, identities: string[]): Promise<string> {
  const plan = await planSopsSecret(sopsSecret, existing as Secret | null, identities);
  if (plan.kind === "write") {
    const body = plan.secret as V1Secret;
    if (existing === null) await kube.core.createNamespacedSecret({ namespace: ns.name, body });
    else await kube.core.replaceNamespacedSecret({ namespace: ns.name, name: body.metadata?.name ?? "", body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion ?? "" } } });
  }
  await kube.custom.patchNamespacedCustomObjectStatus({
    ...GROUP, namespace: ns.name, name: sopsSecret.metadata.name ?? "",
    body: [{ op: "replace", path: "/status", value: { observedGeneration: sopsSecret.metadata.generation, conditions: [plan.condition] } }],
  });
  return plan.kind === "fail" ? plan.reason : plan.kind;
}

describe("SopsSecret on the API server", () => {
  it("a document made by sops becomes a Secret; a tampered one is refused and the Secret stays", async () => {
    const dir = tempDir();
    const key = ageKeygen(dir, "cluster");
    const doc = sops(dir, ["encrypt", "--age", key.recipient, write(dir, "db.yaml", "password: s3cr3t\nuser: admin\n")]);
    const manifest = newSopsSecret("db", doc, { namespace: ns.name, target: { labels: { app: "db" } } });
    await kube.custom.createNamespacedCustomObject({ ...GROUP, namespace: ns.name, body: manifest });

    const stored = await read("db");
    expect(stored.spec.sops).toBe(doc);
    expect(await act(stored, null, [key.identity])).toBe("write");
    const secret = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "db" });
    expect(Buffer.from(secret.data?.password ?? "", "base64").toString()).toBe("s3cr3t");
    expect(secret.metadata?.ownerReferences?.[0]?.uid).toBe(stored.metadata.uid);
    expect(await act(await read("db"), secret, [key.identity])).toBe("unchanged");
    expect((await read("db")).status?.conditions?.[0]).toMatchObject({ type: "Ready", status: "True" });

    // tamper: the password's ciphertext changes in Git
    const i = doc.indexOf("password: ENC[AES256_GCM,data:") + "password: ENC[AES256_GCM,data:".length;
    const tampered = doc.slice(0, i) + (doc[i] === "A" ? "B" : "A") + doc.slice(i + 1);
    await kube.custom.patchNamespacedCustomObject({ ...GROUP, namespace: ns.name, name: "db", body: [{ op: "replace", path: "/spec/sops", value: tampered }] });
    const before = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "db" });
    expect(await act(await read("db"), before, [key.identity])).toBe("Tampered");
    const after = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "db" });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(Buffer.from(after.data?.password ?? "", "base64").toString()).toBe("s3cr3t");
    expect((await read("db")).status?.conditions?.[0]).toMatchObject({ status: "False", reason: "Tampered" });
  });
});
