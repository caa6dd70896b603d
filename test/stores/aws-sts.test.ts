// STS credentials cached per store until shortly before expiry: the provider with a fake STS and a
// fake Secrets Manager port, and an injected clock.
import { describe, expect, it } from "vitest";
import { StoreErrorCode, type ServiceAccountRef, type StoreContext } from "../../src/stores/contract.ts";
import { createAwsProvider, type AssumeRoleRequest, type AwsSecretsPort, type StsCredentials } from "../../src/stores/aws/index.ts";
import { StsCredentialCache } from "../../src/stores/aws/sts.ts";

const HOUR = 3_600_000;

function setup(opts: { lifetimeMs?: number; noExpiry?: boolean; failFirst?: boolean } = {}) {
  let now = 1_000_000;
  let issued = 0;
  const stsCalls: AssumeRoleRequest[] = [];
  const tokenRequests: ServiceAccountRef[] = [];
  const connects: (string | undefined)[] = [];
  let rejectKey: string | undefined;
  const assumeRole = (r: AssumeRoleRequest): Promise<StsCredentials> => {
    stsCalls.push(r);
    if (opts.failFirst === true && stsCalls.length === 1) return Promise.reject(Object.assign(new Error("no"), { name: "AccessDenied" }));
    issued++;
    return Promise.resolve({
      accessKeyId: `ASIA${String(issued)}`,
      secretAccessKey: "s",
      sessionToken: "t",
      ...(opts.noExpiry === true ? {} : { expiresAt: now + (opts.lifetimeMs ?? HOUR) }),
    });
  };
  const port = (c: { credentials?: { accessKeyId: string } }): Promise<AwsSecretsPort> => {
    const keyId = c.credentials?.accessKeyId;
    connects.push(keyId);
    const fail = (): Promise<never> => Promise.reject(Object.assign(new Error("expired"), { name: "ExpiredTokenException" }));
    return Promise.resolve({
      getSecretValue: () => (keyId === rejectKey ? fail() : Promise.resolve({ SecretString: "v" })),
      describeSecret: () => Promise.resolve({}),
      listSecrets: () => Promise.resolve({}),
      batchGetSecretValue: () => Promise.resolve({}),
      close: () => undefined,
    });
  };
  const provider = createAwsProvider({ assumeRole, port, stsCache: new StsCredentialCache() });
  const ctx = (providerSpec: unknown, namespace = "ns"): StoreContext => ({
    storeKind: "SecretStore",
    storeName: "aws",
    namespace,
    providerSpec,
    readSecretKey: (ref) => Promise.resolve(new TextEncoder().encode(ref.key === "id" ? "AKIA" : "secret")),
    readConfigMapKey: () => Promise.reject(new Error("unused")),
    createServiceAccountToken: (ref) => {
      tokenRequests.push(ref);
      return Promise.resolve(`jwt-${String(tokenRequests.length)}`);
    },
    now: () => now,
  });
  return { provider, ctx, stsCalls, tokenRequests, connects, advance: (ms: number) => (now += ms), rejectKeys: (k: string) => (rejectKey = k) };
}

const role = "arn:aws:iam::123456789012:role/reader";
const staticAuth = { secretRef: { accessKeyIDSecretRef: { name: "aws", key: "id" }, secretAccessKeySecretRef: { name: "aws", key: "secret" } } };
const roleSpec = { region: "us-east-1", role, auth: staticAuth };
const jwtSpec = { region: "us-east-1", role, auth: { jwt: { serviceAccountRef: { name: "app" } } } };

describe("aws STS credential cache", () => {
  it("assumes the role once for many clients, with the static keys, and signs with the session", async () => {
    const { provider, ctx, stsCalls, connects } = setup();
    await Promise.all([provider.newClient(ctx(roleSpec)), provider.newClient(ctx(roleSpec)), provider.newClient(ctx(roleSpec))]);
    expect(stsCalls).toHaveLength(1);
    expect(stsCalls[0]).toMatchObject({ role, sessionName: "kseal-aws", credentials: { accessKeyId: "AKIA", secretAccessKey: "secret" } });
    expect(connects).toEqual(["ASIA1", "ASIA1", "ASIA1"]);
  });

  it.each([
    ["a 1 h session refreshes 5 min before expiry", HOUR, HOUR - 5 * 60_000],
    ["a 15 min session refreshes at 2/3 of its life", 15 * 60_000, 10 * 60_000],
  ])("%s", async (_why, lifetimeMs, refreshAfter) => {
    const { provider, ctx, stsCalls, advance } = setup({ lifetimeMs });
    await provider.newClient(ctx(roleSpec));
    advance(refreshAfter - 1);
    await provider.newClient(ctx(roleSpec));
    expect(stsCalls).toHaveLength(1);
    advance(1);
    await provider.newClient(ctx(roleSpec));
    expect(stsCalls).toHaveLength(2);
  });

  it("asks Kubernetes for a web-identity token (audience sts.amazonaws.com) only when STS is called", async () => {
    const { provider, ctx, stsCalls, tokenRequests } = setup();
    await provider.newClient(ctx(jwtSpec));
    await provider.newClient(ctx(jwtSpec));
    expect(tokenRequests).toEqual([{ name: "app", audiences: ["sts.amazonaws.com"] }]);
    expect(stsCalls).toHaveLength(1);
    expect(stsCalls[0]).toMatchObject({ role, webIdentityToken: "jwt-1" });
    expect(stsCalls[0]?.credentials).toBeUndefined();
  });

  it.each([
    ["another namespace (another SecretStore)", jwtSpec, "other"],
    ["other static keys' role", { ...roleSpec, role: `${role}2` }, "ns"],
  ])("never shares credentials with %s", async (_why, spec, namespace) => {
    const { provider, ctx, stsCalls } = setup();
    await provider.newClient(ctx(jwtSpec));
    await provider.newClient(ctx(spec, namespace));
    expect(stsCalls).toHaveLength(2);
  });

  it("does not cache a failed assumption, and reports it as STORE_AUTH_FAILED", async () => {
    const { provider, ctx, stsCalls } = setup({ failFirst: true });
    await expect(provider.newClient(ctx(roleSpec))).rejects.toMatchObject({ code: StoreErrorCode.AuthFailed, message: 'aws: could not assume role for store "aws"' });
    await provider.newClient(ctx(roleSpec));
    expect(stsCalls).toHaveLength(2);
  });

  it("drops cached credentials the store rejects, so the next client assumes the role again", async () => {
    const { provider, ctx, stsCalls, rejectKeys } = setup();
    const c = await provider.newClient(ctx(roleSpec));
    rejectKeys("ASIA1");
    await expect(c.getSecret({ key: "k" })).rejects.toMatchObject({ code: StoreErrorCode.AuthFailed });
    const c2 = await provider.newClient(ctx(roleSpec));
    expect(new TextDecoder().decode(await c2.getSecret({ key: "k" }))).toBe("v");
    expect(stsCalls).toHaveLength(2);
  });

  it("caches credentials without an expiry for 15 minutes", async () => {
    const { provider, ctx, stsCalls, advance } = setup({ noExpiry: true });
    await provider.newClient(ctx(roleSpec));
    advance(10 * 60_000 - 1);
    await provider.newClient(ctx(roleSpec));
    advance(1);
    await provider.newClient(ctx(roleSpec));
    expect(stsCalls).toHaveLength(2);
  });

  it("static keys without a role never call STS", async () => {
    const { provider, ctx, stsCalls, connects } = setup();
    await provider.newClient(ctx({ region: "us-east-1", auth: staticAuth }));
    expect(stsCalls).toHaveLength(0);
    expect(connects).toEqual(["AKIA"]);
  });
});
