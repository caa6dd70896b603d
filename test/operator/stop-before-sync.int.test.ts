/**
 * Stopping (or losing the lead) before the informers have synced ends cleanly. Waiting for a sync
 * rejects when its signal aborts; the controllers' start ran un-awaited, so that rejection once went
 * unhandled and Node ended the process with exit 1 instead of the graceful stop's 0.
 *
 * The operator runs the ExternalSecret controller under a ServiceAccount that may use Secrets and
 * Events and its Lease (what start-up and leading need) but not ExternalSecrets or stores: their lists are forbidden,
 * so those informers never sync and the stop always comes first.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../peers/process.ts";
import { createNamespace, testKube } from "../support/kube.ts";
import { startOperator } from "../support/operator.ts";
import { serviceAccountKubeconfig } from "../deploy/chart-rbac.ts";

const kube = testKube();
const rbac = kube.kc.makeApiClient(RbacAuthorizationV1Api);
const dir = mkdtempSync(join(tmpdir(), "kseal-stop-early-"));
let ns: { name: string; remove: () => Promise<void> };

beforeAll(async () => {
  ns = await createNamespace(kube, "kseal-stop-early");
  await kube.core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: ns.name } } });
  await rbac.createNamespacedRole({
    namespace: ns.name,
    body: {
      metadata: { name: "start-up-only" },
      rules: [{ apiGroups: [""], resources: ["secrets", "events", "configmaps"], verbs: ["*"] }, { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["*"] },
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["*"] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: ns.name,
    body: {
      metadata: { name: "start-up-only" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "start-up-only" },
      subjects: [{ kind: "ServiceAccount", name: ns.name, namespace: ns.name }],
    },
  });
}, 60_000);

afterAll(async () => {
  await ns.remove();
});

describe("kseal-operator stopped before its informers synced", () => {
  it("exits 0 with the reason logged, not with an unhandled rejection", async () => {
    const kubeconfig = await serviceAccountKubeconfig(kube, ns.name, dir);
    const op = await startOperator({ namespace: ns.name, args: [`--kubeconfig=${kubeconfig}`, "--controllers=externalsecret"] });
    // The informers are being refused (each logs its retry): the controllers are still waiting.
    await waitFor("a refused list", () => Promise.resolve(op.lines.some((l) => l.includes("403") || l.toLowerCase().includes("forbidden")) || undefined), 60_000);
    expect(op.lines.some((l) => l.includes("controllers started"))).toBe(false);
    const code = await op.stop("SIGTERM");
    const log = op.lines.join("\n");
    expect(log).not.toMatch(/unhandled|UnhandledPromiseRejection/i);
    expect(log).toContain("stopped leading before the controllers started");
    expect(code).toBe(0);
  }, 120_000);
});
