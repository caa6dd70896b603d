// Read coalescing proven where it counts: at OpenBao's own audit log. N ExternalSecret-style reads
// (each with its own client, as the engine makes them) of K distinct keys cost K store reads.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReadCoalescer, storeIdentity } from "../../src/stores/coalesce.ts";
import type { SecretsClient, StoreContext } from "../../src/stores/contract.ts";
import { createVaultProvider } from "../../src/stores/vault/index.ts";
import { baoApi } from "../peers/openbao.ts";
import { startPrivateBao, type PrivateBao } from "./private-bao.ts";

const K = 25;
const PER_KEY = 10;
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

let dir: string;
let bao: PrivateBao;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kseal-coalesce-"));
  bao = await startPrivateBao({ dir, audit: true });
  for (let i = 0; i < K; i++) await baoApi(bao, "POST", `secret/data/app/k${String(i)}`, { data: { user: `u${String(i)}`, pass: `p${String(i)}` } });
});

afterAll(async () => {
  await bao.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** KV data reads of `secret/data/app/*` recorded by the audit device (request entries only). */
function auditedReads(): number {
  const file = bao.auditFile ?? "";
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { type?: string; request?: { path?: string; operation?: string } })
    .filter((e) => e.type === "request" && e.request?.operation === "read" && e.request.path?.startsWith("secret/data/app/") === true).length;
}

describe("coalesced reads against OpenBao's audit log", () => {
  let now = 1_000_000;
  const provider = createVaultProvider();
  const ctx = (namespace: string): StoreContext => ({
    storeKind: "SecretStore",
    storeName: "vault",
    namespace,
    providerSpec: { server: bao.addr, path: "secret", version: "v2", auth: { tokenSecretRef: { name: "vault", key: "token" } } },
    readSecretKey: () => Promise.resolve(new TextEncoder().encode(bao.token)),
    readConfigMapKey: () => Promise.reject(new Error("unused")),
    createServiceAccountToken: () => Promise.reject(new Error("unused")),
    now: () => now,
  });

  /** One refresh cycle: every ExternalSecret makes its own client and reads its key in its own shape. */
  async function cycle(wrap: (c: SecretsClient, namespace: string) => SecretsClient, namespace = "team"): Promise<string[]> {
    const reads: Promise<string>[] = [];
    for (let n = 0; n < K * PER_KEY; n++) {
      const key = `app/k${String(n % K)}`;
      reads.push(
        (async () => {
          const c = wrap(await provider.newClient(ctx(namespace)), namespace);
          try {
            if (n % 3 === 0) return text(await c.getSecret({ key, property: "pass" }));
            if (n % 3 === 1) return (JSON.parse(text(await c.getSecret({ key }))) as { pass: string }).pass;
            return text((await c.getSecretMap({ key })).pass ?? new Uint8Array());
          } finally {
            await c.close();
          }
        })(),
      );
    }
    return Promise.all(reads);
  }

  it(`costs ${String(K * PER_KEY)} reads without coalescing (the baseline)`, async () => {
    const before = auditedReads();
    const values = await cycle((c) => c);
    expect(values[7]).toBe("p7");
    expect(auditedReads() - before).toBe(K * PER_KEY);
  });

  it(`costs ${String(K)} reads with coalescing, again ${String(K)} after the reuse window, and none within it`, async () => {
    const co = new ReadCoalescer({ now: () => now, reuseMs: 5000 });
    const wrap = (c: SecretsClient, namespace: string): SecretsClient => co.wrap(storeIdentity("vault", ctx(namespace)), c);
    let before = auditedReads();
    const values = await cycle(wrap);
    expect(values.every((v, n) => v === `p${String(n % K)}`)).toBe(true);
    expect(auditedReads() - before).toBe(K);

    before = auditedReads();
    now += 4000;
    await cycle(wrap);
    expect(auditedReads() - before).toBe(0);

    now += 1000;
    before = auditedReads();
    await cycle(wrap);
    expect(auditedReads() - before).toBe(K);

    // Another SecretStore (another namespace) of the same name never shares those results.
    before = auditedReads();
    await cycle(wrap, "other-team");
    expect(auditedReads() - before).toBe(K);
    expect(co.stats.calls).toBe(3 * K);
  });
});
