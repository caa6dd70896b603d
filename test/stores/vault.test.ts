// Pure logic of the Vault provider, against a hand-written fake of its port (no SDK, no server).
import { describe, expect, it } from "vitest";
import { StoreErrorCode, type StoreContext } from "../../src/stores/contract.ts";
import { createVaultProvider, kvPath, parseVaultSpec, type VaultPort, type VaultRequest, type VaultResponse } from "../../src/stores/vault/index.ts";

/** A Vault that knows one AppRole login and one KV v2 secret; records every call. */
class FakeVault implements VaultPort {
  calls: string[] = [];
  ttl = 60;
  renewable = true;
  tokens = 0;
  valid = new Set<string>();
  async request(req: VaultRequest): Promise<VaultResponse> {
    this.calls.push(`${req.method} ${req.path}`);
    await Promise.resolve();
    if (req.path === "auth/approle/login") {
      const body = req.body as { role_id: string; secret_id: string };
      if (body.secret_id !== "s3cret") return { status: 400, body: { errors: ["invalid secret id"] } };
      const token = `t${String(++this.tokens)}`;
      this.valid.add(token);
      return { status: 200, body: { auth: { client_token: token, lease_duration: this.ttl, renewable: this.renewable } } };
    }
    if (req.token === undefined || !this.valid.has(req.token)) return { status: 403, body: { errors: ["permission denied"] } };
    if (req.path === "auth/token/renew-self") return { status: 200, body: { auth: { client_token: req.token, lease_duration: this.ttl, renewable: true } } };
    if (req.path === "auth/token/lookup-self") return { status: 200, body: { data: {} } };
    if (req.path === "secret/data/app") return { status: 200, body: { data: { data: { pass: "p" }, metadata: { version: 1 } } } };
    if (req.path === "secret/data/forbidden") return { status: 403, body: { errors: ["permission denied"] } };
    return { status: 404, body: { errors: [] } };
  }
}

function setup(secretId = "s3cret") {
  const fake = new FakeVault();
  let now = 1_000_000;
  const provider = createVaultProvider({ port: () => fake });
  const ctx: StoreContext = {
    storeKind: "SecretStore",
    storeName: "s",
    namespace: "ns",
    providerSpec: { server: "http://vault", path: "secret", auth: { appRole: { roleId: "r", secretRef: { name: "approle", key: "id" } } } },
    readSecretKey: () => Promise.resolve(new TextEncoder().encode(secretId)),
    readConfigMapKey: () => Promise.reject(new Error("unused")),
    createServiceAccountToken: () => Promise.reject(new Error("unused")),
    now: () => now,
  };
  return { fake, provider, ctx, advance: (ms: number) => (now += ms) };
}

describe("vault token cache", () => {
  it("logs in once per store across clients and concurrent reads", async () => {
    const { fake, provider, ctx } = setup();
    const c1 = await provider.newClient(ctx);
    const c2 = await provider.newClient(ctx);
    await Promise.all([c1.getSecret({ key: "app" }), c1.getSecret({ key: "app" }), c2.getSecret({ key: "app", property: "pass" })]);
    expect(fake.calls.filter((c) => c.includes("login"))).toHaveLength(1);
  });

  it("renews before expiry instead of logging in again", async () => {
    const { fake, provider, ctx, advance } = setup();
    const c = await provider.newClient(ctx);
    await c.getSecret({ key: "app" });
    advance(45_000); // past 2/3 of the 60 s TTL, before expiry
    await c.getSecret({ key: "app" });
    expect(fake.calls.filter((x) => x.includes("login"))).toHaveLength(1);
    expect(fake.calls).toContain("POST auth/token/renew-self");
  });

  it("logs in again when the token is not renewable", async () => {
    const { fake, provider, ctx, advance } = setup();
    fake.renewable = false;
    const c = await provider.newClient(ctx);
    await c.getSecret({ key: "app" });
    advance(45_000);
    await c.getSecret({ key: "app" });
    expect(fake.calls.filter((x) => x.includes("login"))).toHaveLength(2);
  });

  it("replaces a token Vault forgot (restart, revocation) with one login and retries the read once", async () => {
    const { fake, provider, ctx } = setup();
    const c = await provider.newClient(ctx);
    await c.getSecret({ key: "app" });
    fake.valid.clear();
    await Promise.all([c.getSecret({ key: "app" }), c.getSecret({ key: "app" })]);
    expect(fake.calls.filter((x) => x.includes("login"))).toHaveLength(2);
  });

  it("does not loop when even a fresh login's token is rejected", async () => {
    const { fake, provider, ctx } = setup();
    const c = await provider.newClient(ctx);
    const realRequest = fake.request.bind(fake);
    fake.request = async (req) => {
      const res = await realRequest(req);
      if (req.path.endsWith("/login") && res.status === 200) fake.valid.clear(); // tokens die at once
      return res;
    };
    await expect(c.getSecret({ key: "app" })).rejects.toMatchObject({ code: StoreErrorCode.AuthFailed, message: 'vault: the token of store "s" is invalid or expired (read)' });
    expect(fake.calls.filter((x) => x.includes("login"))).toHaveLength(2);
  });
});

describe("vault error mapping", () => {
  it.each<[string, string | undefined, string, string]>([
    ["app", "nope", StoreErrorCode.NotFound, "404 on a data read is not-found"],
    ["forbidden", undefined, StoreErrorCode.PermissionDenied, "403 with a valid token is permission denied"],
  ])("%s → %s", async (key, _p, code) => {
    const { provider, ctx } = setup();
    const c = await provider.newClient(ctx);
    const ref = key === "app" ? { key: "missing" } : { key };
    await expect(c.getSecret(ref)).rejects.toMatchObject({ code });
  });

  it("a rejected login is STORE_AUTH_FAILED with a message naming only the store and method", async () => {
    const { provider, ctx } = setup("wrong");
    const c = await provider.newClient(ctx);
    await expect(c.getSecret({ key: "app" })).rejects.toMatchObject({ code: StoreErrorCode.AuthFailed, message: 'vault: appRole login failed for store "s"' });
  });

  it("a missing property is SECRET_PROPERTY_NOT_FOUND", async () => {
    const { provider, ctx } = setup();
    const c = await provider.newClient(ctx);
    await expect(c.getSecret({ key: "app", property: "nope" })).rejects.toMatchObject({ code: StoreErrorCode.NoSuchProperty });
  });
});

describe("vault paths and spec", () => {
  it.each<[{ path?: string; version: "v1" | "v2" }, string, string | undefined, string, string]>([
    [{ path: "secret", version: "v2" as const }, "app", undefined, "secret/data/app", "mount from spec.path"],
    [{ path: "secret", version: "v2" as const }, "secret/app", undefined, "secret/data/app", "key already carrying the mount"],
    [{ version: "v2" as const }, "kv/team/app", "3", "kv/data/team/app?version=3", "mount from the key, pinned version"],
    [{ path: "kv1", version: "v1" as const }, "app", undefined, "kv1/app", "KV v1 has no data/ segment"],
  ])("%j + %s → %s", (spec, key, version, want) => {
    expect(kvPath(spec, key, "data", version)).toBe(want);
  });

  it.each<[unknown, string, string]>([
    [{ server: "vault", auth: { tokenSecretRef: { name: "a", key: "b" } } }, "spec.provider.vault.server", "not a URL"],
    [{ server: "http://v", version: "v3", auth: { tokenSecretRef: { name: "a", key: "b" } } }, "spec.provider.vault.version", "bad version"],
    [{ server: "http://v", auth: {} }, "spec.provider.vault.auth", "no auth method"],
    [{ server: "http://v", auth: { ldap: {} } }, "spec.provider.vault.auth.ldap", "unsupported method"],
    [{ server: "http://v", auth: { kubernetes: { mountPath: "k8s" } } }, "spec.provider.vault.auth.kubernetes.role", "role required"],
  ])("rejects %j naming %s (%s)", (spec, field) => {
    expect(() => parseVaultSpec(spec)).toThrow(expect.objectContaining({ code: StoreErrorCode.InvalidConfig, details: { field } }) as Error);
  });
});
