// kseal-operator as in a pod: no --kubeconfig, the API server from KUBERNETES_SERVICE_HOST/PORT and
// the service account's token and CA under /var/run/secrets (bind-mounted in a private mount
// namespace), with @kubernetes/client-node made unimportable — the in-cluster start-up path needs
// neither a kubeconfig nor client-node.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNamespace, testKube } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { servedCertificate } from "./served.ts";

const kube = testKube();
const dir = mkdtempSync(join(tmpdir(), "kseal-in-cluster-"));
const blockClientNode = fileURLToPath(new URL("../support/block-client-node.ts", import.meta.url));
let ns: { name: string; remove: () => Promise<void> };
let op: RunningOperatorProcess | undefined;

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
  await applyProjectCrds(kube, "bitnami.com_sealedsecrets.yaml");
});

afterAll(async () => {
  await op?.stop();
  await ns.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe("kseal-operator in cluster", () => {
  it("leads, creates its sealing key and serves the certificate, without client-node", async () => {
    op = await startOperator({ namespace: ns.name, inClusterDir: dir, nodeArgs: ["--import", blockClientNode], args: ["--controllers=sealedsecret"] });
    const pem = await servedCertificate(op.apiUrl).catch((e: unknown) => {
      throw new Error(`${String(e)}\noperator log:\n${op?.lines.slice(-40).join("\n") ?? ""}`);
    });
    expect(pem).toContain("BEGIN CERTIFICATE");
    const keys = await kube.core.listNamespacedSecret({ namespace: ns.name, labelSelector: "sealedsecrets.bitnami.com/sealed-secrets-key" });
    expect(keys.items.length).toBe(1);
    expect(op.lines.join("\n")).not.toContain("client-node is blocked");
  });
});
