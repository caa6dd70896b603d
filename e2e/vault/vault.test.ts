// The full path, through the real kseal-operator on the real API server: a SecretStore with
// kubernetes auth against OpenBao (which checks the service-account token with TokenReview), an
// ExternalSecret with a template, the Secret materialized, the value rotated in OpenBao, the Secret
// updated and the Deployment that asks for it restarted.
import { randomBytes } from "node:crypto";
import { AppsV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { baoApi, putKubernetesRole, putPolicy } from "../../test/peers/openbao.ts";
import { waitFor } from "../../test/peers/process.ts";
import { createNamespace, testKube } from "../../test/support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../../test/support/operator.ts";
import { parseSamples, sumOf } from "../../test/support/prometheus.ts";
import { enableTokenReviewAuth } from "../../test/stores/bao-token-review.ts";
import { secretText } from "../../test/operator/secrets.ts";

const peers = inject("peers");
const kube = testKube();
const apps = kube.kc.makeApiClient(AppsV1Api);
const rbac = kube.kc.makeApiClient(RbacAuthorizationV1Api);
const run = randomBytes(4).toString("hex");
const mount = `k8s-e2e-${run}`;
const prefix = `e2e-${run}`;
const canary = `canary-${randomBytes(8).toString("hex")}`;
let ns: { name: string; remove: () => Promise<void> };
let op: RunningOperatorProcess | undefined;
const es = { group: "external-secrets.io", version: "v1" };

beforeAll(async () => {
  ns = await createNamespace(kube, "e2e-vault");
  await applyProjectCrds(kube, "external-secrets.io_secretstores.yaml", "external-secrets.io_clustersecretstores.yaml",
    "external-secrets.io_externalsecrets.yaml", "external-secrets.io_clusterexternalsecrets.yaml");
  await kube.core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: "app-reader" } } });
  await enableTokenReviewAuth(kube, { namespace: ns.name, reviewer: "vault-reviewer", binding: `kseal-${prefix}-reviewer`, mount });
  await putPolicy(peers.vault, prefix, `path "secret/data/${prefix}/*" { capabilities = ["read"] }`);
  await putKubernetesRole(peers.vault, { name: "app", serviceAccounts: ["app-reader"], namespaces: [ns.name], policies: [prefix], mount });
  await baoApi(peers.vault, "POST", `secret/data/${prefix}/db`, { data: { user: "app", password: `v1-${canary}` } });

  await kube.custom.createNamespacedCustomObject({
    ...es, plural: "secretstores", namespace: ns.name,
    body: {
      apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { name: "openbao" },
      spec: {
        provider: {
          vault: {
            server: peers.vault.addr, path: "secret", version: "v2",
            auth: { kubernetes: { mountPath: mount, role: "app", serviceAccountRef: { name: "app-reader" } } },
          },
        },
      },
    },
  });
  await apps.createNamespacedDeployment({
    namespace: ns.name,
    body: {
      metadata: { name: "api", annotations: { "reloader.stakater.com/auto": "true" } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "api" } },
        template: {
          metadata: { labels: { app: "api" } },
          spec: { containers: [{ name: "api", image: "registry.invalid/api:1", envFrom: [{ secretRef: { name: "db-credentials" } }] }] },
        },
      },
    },
  });
  op = await startOperator({ namespace: ns.name, args: ["--controllers=externalsecret,rollout", "--restart-debounce=1s"] });
});

afterAll(async () => {
  const log = op?.lines.join("\n") ?? "";
  await op?.stop();
  await rbac.deleteClusterRoleBinding({ name: `kseal-${prefix}-reviewer` }).catch(() => undefined);
  await ns.remove();
  // No secret value in any log line of the operator, ever.
  expect(log).not.toContain(canary);
});

describe("e2e: OpenBao → ExternalSecret → Secret → rollout", () => {
  it("materializes the Secret through kubernetes auth and a template, then follows a rotation and restarts the workload", async () => {
    await kube.custom.createNamespacedCustomObject({
      ...es, plural: "externalsecrets", namespace: ns.name,
      body: {
        apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "db" },
        spec: {
          refreshInterval: "2s",
          secretStoreRef: { name: "openbao", kind: "SecretStore" },
          target: {
            name: "db-credentials",
            template: { engineVersion: "v2", data: { DSN: "postgres://{{ .user }}:{{ .password }}@db:5432/app", PASSWORD: "{{ .password }}" } },
          },
          data: [
            { secretKey: "user", remoteRef: { key: `${prefix}/db`, property: "user" } },
            { secretKey: "password", remoteRef: { key: `${prefix}/db`, property: "password" } },
          ],
        },
      },
    });
    const first = await waitFor("Secret db-credentials", async () => {
      const d = await secretText(kube, ns.name, "db-credentials");
      return d?.PASSWORD === `v1-${canary}` ? d : undefined;
    }, 90_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\noperator log:\n${op?.lines.slice(-30).join("\n") ?? ""}`);
    });
    expect(first.DSN).toBe(`postgres://app:v1-${canary}@db:5432/app`);
    // Status is written once per reconcile, right after the Secret: wait for it rather than race it.
    const ready = await waitFor("ExternalSecret Ready", async () => {
      const got = (await kube.custom.getNamespacedCustomObject({ ...es, plural: "externalsecrets", namespace: ns.name, name: "db" })) as {
        status?: { conditions?: { type: string; status: string; reason?: string }[] };
      };
      return got.status?.conditions?.find((c) => c.type === "Ready");
    }, 30_000);
    expect(ready).toMatchObject({ status: "True", reason: "SecretSynced" });
    const restartedAt = async (): Promise<string | undefined> =>
      (await apps.readNamespacedDeployment({ namespace: ns.name, name: "api" })).spec?.template.metadata?.annotations?.["kseal.dev/restartedAt"];
    expect(await restartedAt()).toBeUndefined(); // the first sync restarts nothing

    // The store's own status, validated by the operator against OpenBao (ESO's reasons).
    await waitFor("SecretStore Ready", async () => {
      const st = (await kube.custom.getNamespacedCustomObject({ ...es, plural: "secretstores", namespace: ns.name, name: "openbao" })) as {
        status?: { conditions?: { type: string; status: string; reason?: string }[] };
      };
      return st.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True" && c.reason === "Valid") === true;
    }, 30_000);

    // ESO's metric names, for existing dashboards: syncs, store status, provider calls.
    await waitFor("store status metric", async () => {
      const text = await (await fetch(`${op?.metricsUrl ?? ""}/metrics`)).text();
      return text.includes(`secretstore_status_condition{name="openbao",namespace="${ns.name}",condition="Ready",status="True"} 1`) ? text : undefined;
    }, 30_000).then((text) => {
      expect(text).toMatch(/externalsecret_sync_calls_total\{[^}]*name="db"/);
      expect(text).toMatch(/externalsecret_provider_api_calls_count\{provider="vault",call="GetSecret",status="success"\} \d+/);
    });

    await baoApi(peers.vault, "POST", `secret/data/${prefix}/db`, { data: { user: "app", password: `v2-${canary}` } });
    await waitFor("rotated value", async () => (await secretText(kube, ns.name, "db-credentials"))?.PASSWORD === `v2-${canary}`, 60_000);
    await waitFor("workload restart", async () => (await restartedAt()) !== undefined, 30_000);
  });

  it("a periodic refresh is one reconcile: the refresh comes back when due, not early", async () => {
    // The ExternalSecret above refreshes every 2 s. A refresh handed out before its due instant is
    // planned "not due" and requeued for the remainder: reconciles that do nothing but cost CPU
    // (and, for Merge targets, a Secret GET). Counted at the operator's own metrics.
    const counts = async (): Promise<{ reconciles: number; syncs: number }> => {
      const samples = parseSamples(await (await fetch(`${op?.metricsUrl ?? ""}/metrics`)).text());
      return {
        reconciles: sumOf(samples, "controller_runtime_reconcile_total", { controller: "externalsecret" }),
        syncs: sumOf(samples, "externalsecret_sync_calls_total", { name: "db" }),
      };
    };
    const before = await counts();
    await new Promise((r) => setTimeout(r, 12_000));
    const after = await counts();
    const syncs = after.syncs - before.syncs;
    const reconciles = after.reconciles - before.reconciles;
    expect(syncs).toBeGreaterThanOrEqual(4); // 12 s of a 2 s interval, on a loaded machine
    expect(reconciles).toBeLessThanOrEqual(syncs + 2);
  });

  it("a first sync happens once: the target Secret's own watch event does not sync it again", async () => {
    // Moments after an ExternalSecret syncs, the watch event of the Secret it created queues it
    // again, usually before its status write is back in the informer's copy; that reconcile must
    // not read the store and PATCH the status a second time (refreshes.ts). Counted per object.
    const names = Array.from({ length: 20 }, (_, i) => `fleet-${String(i)}`);
    await Promise.all(names.map((name) => kube.custom.createNamespacedCustomObject({
      ...es, plural: "externalsecrets", namespace: ns.name,
      body: {
        apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name },
        spec: { refreshInterval: "1h", secretStoreRef: { name: "openbao", kind: "SecretStore" }, data: [{ secretKey: "user", remoteRef: { key: `${prefix}/db`, property: "user" } }] },
      },
    })));
    const syncCalls = async (): Promise<number[]> => {
      const samples = parseSamples(await (await fetch(`${op?.metricsUrl ?? ""}/metrics`)).text());
      return names.map((name) => sumOf(samples, "externalsecret_sync_calls_total", { name }));
    };
    await waitFor("every fleet Secret", async () => (await Promise.all(names.map((n) => secretText(kube, ns.name, n)))).every((d) => d?.user === "app"), 60_000);
    await waitFor("one sync each", async () => (await syncCalls()).every((n) => n >= 1), 30_000);
    // Give the Secrets' and statuses' watch events time to come back and be reconciled.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await syncCalls()).toEqual(names.map(() => 1));
  });

  it("a deleted ExternalSecret's metric series go with it, as in ESO", async () => {
    const series = async (name: string): Promise<number> => {
      const text = await (await fetch(`${op?.metricsUrl ?? ""}/metrics`)).text();
      return text.split("\n").filter((l) => l.startsWith("externalsecret_") && l.includes(`name="${name}",namespace="${ns.name}"`)).length;
    };
    expect(await series("fleet-0")).toBeGreaterThanOrEqual(4); // sync calls, two Ready series, duration
    await kube.custom.deleteNamespacedCustomObject({ ...es, plural: "externalsecrets", namespace: ns.name, name: "fleet-0" });
    await waitFor("fleet-0's series gone", async () => (await series("fleet-0")) === 0, 30_000);
    expect(await series("fleet-1")).toBeGreaterThanOrEqual(4);
  });
});
