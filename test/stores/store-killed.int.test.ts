// A store killed mid-refresh: a private OpenBao (the shared one stays up) is stopped while reads
// are in flight, reads fail with STORE_UNAVAILABLE and a deterministic message, it comes back on
// the same port, and the very same client (and the coalescer in front of it) reads again without
// being re-created — including replacing its AppRole token, which the restarted dev server forgot.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReadCoalescer, storeIdentity } from "../../src/stores/coalesce.ts";
import { StoreErrorCode, type StoreContext } from "../../src/stores/contract.ts";
import { createVaultProvider, VaultTokenCache } from "../../src/stores/vault/index.ts";
import { isKsealError } from "../../src/errors.ts";
import { baoApi, enableAuth, putPolicy } from "../peers/openbao.ts";
import { startPrivateBao, type PrivateBao } from "./private-bao.ts";

const ROLE_ID = "kseal-killed-role";
const SECRET_ID = "kseal-killed-secret-id";
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

let dir: string;
let bao: PrivateBao;

/** Dev mode keeps nothing across a restart: policy, AppRole (fixed ids) and the secret again. */
async function seed(pass: string): Promise<void> {
  await putPolicy(bao, "reader", 'path "secret/data/app/*" { capabilities = ["read"] }');
  await enableAuth(bao, "approle", "approle");
  await baoApi(bao, "POST", "auth/approle/role/reader", { token_policies: ["reader"], token_ttl: "1h" });
  await baoApi(bao, "POST", "auth/approle/role/reader/role-id", { role_id: ROLE_ID });
  await baoApi(bao, "POST", "auth/approle/role/reader/custom-secret-id", { secret_id: SECRET_ID });
  await baoApi(bao, "POST", "secret/data/app/db", { data: { pass } });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kseal-killed-"));
  bao = await startPrivateBao({ dir });
  await seed("before");
});

afterAll(async () => {
  await bao.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("a store killed mid-refresh", () => {
  it("fails reads with STORE_UNAVAILABLE while down and recovers on the same client when it returns", async () => {
    let now = 1_000_000;
    const tokens = new VaultTokenCache();
    const ctx: StoreContext = {
      storeKind: "SecretStore",
      storeName: "killed",
      namespace: "team",
      providerSpec: { server: bao.addr, path: "secret", version: "v2", auth: { appRole: { roleId: ROLE_ID, secretRef: { name: "approle", key: "secret-id" } } } },
      readSecretKey: () => Promise.resolve(new TextEncoder().encode(SECRET_ID)),
      readConfigMapKey: () => Promise.reject(new Error("unused")),
      createServiceAccountToken: () => Promise.reject(new Error("unused")),
      now: () => now,
    };
    const co = new ReadCoalescer({ now: () => now, reuseMs: 1000 });
    const raw = await createVaultProvider({ tokens }).newClient(ctx);
    const client = co.wrap(storeIdentity("vault", ctx), raw);
    const read = async (): Promise<string> => text(await client.getSecret({ key: "app/db", property: "pass" }));

    expect(await read()).toBe("before");
    expect(tokens.logins).toBe(1);

    // Killed mid-refresh: a burst of uncoalesced reads races the shutdown. Which of them land is up
    // to the scheduler; each one either got its value or failed as unavailable — never as
    // not-found (which would drive deletionPolicy) nor as an auth failure.
    const racing = Array.from({ length: 20 }, async () =>
      raw.getSecret({ key: "app/db", property: "pass" }).then(
        (v) => text(v),
        (e: unknown) => e,
      ),
    );
    const stopping = bao.stop();
    const outcomes = await Promise.all(racing);
    await stopping;
    for (const o of outcomes) {
      if (typeof o === "string") expect(o).toBe("before");
      else expect(isKsealError(o, StoreErrorCode.Unavailable)).toBe(true);
    }

    now += 1000;
    for (let i = 0; i < 2; i++) {
      const err: unknown = await read().catch((e: unknown) => e);
      expect(isKsealError(err, StoreErrorCode.Unavailable)).toBe(true);
      expect((err as Error).message).toBe('vault: unreachable for store "killed" (read)'); // deterministic: same text every time
    }
    expect(await client.validate()).toEqual({ ready: false, reason: "ValidationFailed", message: 'vault: unreachable for store "killed" (validate)' });

    await bao.restart();
    await seed("after");
    now += 1000;
    expect(await read()).toBe("after");
    // The restarted dev server forgot the cached token: one fresh login, no new client.
    expect(tokens.logins).toBe(2);
    expect(await client.validate()).toMatchObject({ ready: true, reason: "Valid" });
  });
});
