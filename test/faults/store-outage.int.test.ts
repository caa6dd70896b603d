// A store outage under kseal-operator: 50 ExternalSecrets (refreshInterval 2s) read from a
// PRIVATE OpenBao with token auth. While OpenBao is down no Secret is changed or deleted (same
// resourceVersions) and every ExternalSecret says Ready=False with the store's error; when OpenBao
// comes back on the same port with the same root token and the same (re-seeded) data, all are
// Ready=True again within a minute, still without rewriting any Secret (the data did not change).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { baoApi } from "../peers/openbao.ts";
import { sleep, waitFor } from "../peers/process.ts";
import { startPrivateBao, type PrivateBao } from "../stores/private-bao.ts";
import { createNamespace } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { kubeFrom, decodeData } from "./support.ts";

const kube = kubeFrom(inject("peers").kube.kubeconfig);
const COUNT = 50;
const ES = { group: "external-secrets.io", version: "v1", plural: "externalsecrets" } as const;
const dir = mkdtempSync(join(tmpdir(), "kseal-faults-bao-"));
let bao: PrivateBao;
let ns: { name: string; remove: () => Promise<void> };
let op: RunningOperatorProcess | undefined;

const esName = (i: number): string => `es-${String(i).padStart(2, "0")}`;
const value = (i: number): string => `value-${String(i)}`;

/** Dev mode keeps nothing across a restart: the same values are written again. */
async function seed(): Promise<void> {
  for (let i = 0; i < COUNT; i++) await baoApi(bao, "POST", `secret/data/outage/k${String(i)}`, { data: { v: value(i) } });
}

interface Ready { status: string; reason?: string; message?: string }
async function readiness(): Promise<Map<string, Ready | undefined>> {
  const list = (await kube.custom.listNamespacedCustomObject({ ...ES, namespace: ns.name })) as {
    items: { metadata: { name: string }; status?: { conditions?: (Ready & { type: string })[] } }[];
  };
  return new Map(list.items.map((es) => [es.metadata.name, es.status?.conditions?.find((c) => c.type === "Ready")]));
}

async function secretVersions(): Promise<Map<string, string>> {
  const list = await kube.core.listNamespacedSecret({ namespace: ns.name });
  return new Map(list.items.filter((s) => s.metadata?.name?.startsWith("es-") === true)
    .map((s) => [s.metadata?.name ?? "", `${s.metadata?.resourceVersion ?? ""}|${decodeData(s.data).v ?? ""}`]));
}

function allReady(r: Map<string, Ready | undefined>, status: string): boolean {
  return r.size === COUNT && [...r.values()].every((c) => c?.status === status);
}

beforeAll(async () => {
  bao = await startPrivateBao({ dir });
  await seed();
  ns = await createNamespace(kube, import.meta.filename);
  await applyProjectCrds(kube, "external-secrets.io_secretstores.yaml", "external-secrets.io_clustersecretstores.yaml", "external-secrets.io_externalsecrets.yaml");
  await kube.core.createNamespacedSecret({ namespace: ns.name, body: { metadata: { name: "bao-token" }, stringData: { token: bao.token } } });
  await kube.custom.createNamespacedCustomObject({
    ...ES, plural: "secretstores", namespace: ns.name,
    body: {
      apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { name: "bao" },
      spec: { provider: { vault: { server: bao.addr, path: "secret", version: "v2", auth: { tokenSecretRef: { name: "bao-token", key: "token" } } } } },
    },
  });
  for (let i = 0; i < COUNT; i++) {
    await kube.custom.createNamespacedCustomObject({
      ...ES, namespace: ns.name,
      body: {
        apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: esName(i) },
        spec: {
          refreshInterval: "2s",
          secretStoreRef: { name: "bao", kind: "SecretStore" },
          data: [{ secretKey: "v", remoteRef: { key: `outage/k${String(i)}`, property: "v" } }],
        },
      },
    });
  }
  op = await startOperator({ namespace: ns.name, args: ["--controllers=externalsecret"] });
});

afterAll(async () => {
  await op?.stop();
  await bao.stop();
  await ns.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe("store outage under the operator", () => {
  it("keeps every Secret untouched while OpenBao is down, reports Ready=False, recovers within a minute", async () => {
    const tail = (): string => op?.lines.slice(-30).join("\n") ?? "";
    await waitFor("all ExternalSecrets Ready=True", async () => allReady(await readiness(), "True"), 90_000)
      .catch((e: unknown) => {
        throw new Error(`${String(e)}\n${tail()}`);
      });
    const synced = await secretVersions();
    expect(synced.size).toBe(COUNT);
    for (let i = 0; i < COUNT; i++) expect(synced.get(esName(i))?.split("|")[1]).toBe(value(i));

    await bao.stop();
    const down = await waitFor("all ExternalSecrets Ready=False", async () => {
      const r = await readiness();
      return allReady(r, "False") ? r : undefined;
    }, 45_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${tail()}`);
    });
    await sleep(6_000); // several more refresh periods with the store down
    const reasons = new Set([...down.values()].map((c) => `${c?.reason ?? ""}: ${c?.message ?? ""}`));
    expect(reasons.size, [...reasons].join("\n")).toBe(1);
    const [only] = reasons;
    expect(only).toMatch(/^SecretSyncedError: .*unreachable for store "bao"/);
    expect(only).not.toContain(bao.token);
    expect(only).not.toContain("value-");
    expect(await secretVersions()).toEqual(synced);

    await bao.restart();
    await seed();
    const back = Date.now();
    await waitFor("all ExternalSecrets Ready=True again", async () => allReady(await readiness(), "True"), 60_000)
      .catch((e: unknown) => {
        throw new Error(`${String(e)}\n${tail()}`);
      });
    expect(Date.now() - back).toBeLessThan(60_000);
    // Same data in the store: nothing to write.
    expect(await secretVersions()).toEqual(synced);
  }, 240_000);
});
