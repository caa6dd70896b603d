// The Azure Key Vault provider's logic through its port, with a hand-written in-memory fake of the
// port (no HTTP fake of Azure). SDK error classes are the real ones, so the mapping table is
// checked against what @azure/keyvault-secrets and @azure/identity actually throw.
import { AuthenticationError, ClientAssertionCredential, ClientCertificateCredential, ClientSecretCredential, CredentialUnavailableError, ManagedIdentityCredential, WorkloadIdentityCredential } from "@azure/identity";
import { RestError } from "@azure/keyvault-secrets";
import { describe, expect, it } from "vitest";
import { SecretNotFoundError, StoreErrorCode, type SecretKeyRef, type ServiceAccountRef, type StoreContext } from "../../src/stores/contract.ts";
import {
  AzureKeyVaultClient,
  VALIDATION_PROBE,
  createAzureProvider,
  mapAzureError,
  parseAzureSpec,
  parseRemoteKey,
  resolveAzureCredential,
  versionOf,
  type AzureConnect,
  type AzureSecret,
  type AzureSecretProperties,
  type AzureSecretsPort,
} from "../../src/stores/azure/index.ts";
import { azureCredential } from "../../src/stores/azure/sdk.ts";
import { isKsealError, type KsealError } from "../../src/errors.ts";
import { getProvider, providerKeyOf } from "../../src/stores/registry.ts";

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const texts = (m: Record<string, Uint8Array>): Record<string, string> => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, text(v)]));

/** An in-memory vault: each secret has versions (last = latest), tags and an enabled flag. */
class FakeVault implements AzureSecretsPort {
  readonly secrets = new Map<string, { versions: { id: string; value: string }[]; tags: Record<string, string>; enabled: boolean }>();
  readonly calls: string[] = [];
  failNext: Error[] = [];
  listError: Error | undefined = undefined;
  #n = 0;

  set(name: string, value: string, tags: Record<string, string> = {}, enabled = true): string {
    const id = (++this.#n).toString(16).padStart(32, "0");
    const s = this.secrets.get(name) ?? { versions: [], tags, enabled };
    s.versions.push({ id, value });
    s.tags = tags;
    s.enabled = enabled;
    this.secrets.set(name, s);
    return id;
  }

  getSecret(name: string, version: string | undefined): Promise<AzureSecret> {
    this.calls.push(`get ${name}${version === undefined ? "" : `@${version}`}`);
    const fail = this.failNext.shift();
    if (fail !== undefined) return Promise.reject(fail);
    const s = this.secrets.get(name);
    const v = s === undefined ? undefined : version === undefined ? s.versions.at(-1) : s.versions.find((x) => x.id === version);
    if (s === undefined || v === undefined) return Promise.reject(new RestError(`A secret with (name/id) ${name} was not found in this key vault`, { statusCode: 404, code: "SecretNotFound" }));
    return Promise.resolve({ name, value: v.value, version: v.id, enabled: s.enabled, tags: { ...s.tags } });
  }

  listSecretProperties(): Promise<AzureSecretProperties[]> {
    this.calls.push("list");
    if (this.listError !== undefined) return Promise.reject(this.listError);
    return Promise.resolve([...this.secrets].map(([name, s]) => ({ name, enabled: s.enabled, tags: { ...s.tags } })));
  }

  close(): Promise<void> {
    this.calls.push("close");
    return Promise.resolve();
  }
}

async function caught(p: Promise<unknown>): Promise<KsealError> {
  const e: unknown = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!isKsealError(e)) throw new Error(`expected a KsealError, got ${String(e)}`);
  return e;
}

const P = "spec.provider.azurekv";
const ref = (name: string, key: string): { name: string; key: string } => ({ name, key });
const spSecret = { vaultUrl: "https://kv.vault.azure.net", tenantId: "t-1", authSecretRef: { clientId: ref("az", "id"), clientSecret: ref("az", "secret") } };

describe("azurekv spec parsing", () => {
  it.each<[string, unknown, Record<string, unknown>]>([
    ["authType defaults to ServicePrincipal, environment to PublicCloud", spSecret, { authType: "ServicePrincipal", environmentType: "PublicCloud", tenantId: "t-1" }],
    ["service principal with a client certificate", { ...spSecret, authSecretRef: { clientId: ref("az", "id"), clientCertificate: ref("az", "pem") } }, { authType: "ServicePrincipal" }],
    ["tenant from authSecretRef.tenantId instead of tenantId", { vaultUrl: spSecret.vaultUrl, authSecretRef: { ...spSecret.authSecretRef, tenantId: ref("az", "tenant") } }, { authSecretRef: expect.objectContaining({ tenantId: ref("az", "tenant") }) }],
    ["managed identity needs nothing else", { vaultUrl: spSecret.vaultUrl, authType: "ManagedIdentity" }, { authType: "ManagedIdentity" }],
    ["managed identity with identityId", { vaultUrl: spSecret.vaultUrl, authType: "ManagedIdentity", identityId: "mi-client" }, { identityId: "mi-client" }],
    ["workload identity from the webhook's environment", { vaultUrl: spSecret.vaultUrl, authType: "WorkloadIdentity" }, { authType: "WorkloadIdentity" }],
    [
      "workload identity with a service account and extra audiences",
      { vaultUrl: spSecret.vaultUrl, authType: "WorkloadIdentity", serviceAccountRef: { name: "sa", audiences: ["x"] }, authSecretRef: { clientId: ref("az", "id") } },
      { serviceAccountRef: { name: "sa", audiences: ["x"] } },
    ],
    ["a sovereign cloud", { ...spSecret, environmentType: "ChinaCloud" }, { environmentType: "ChinaCloud" }],
    [
      "Azure Stack with its custom cloud (useAzureSDK accepted)",
      { ...spSecret, environmentType: "AzureStackCloud", useAzureSDK: true, customCloudConfig: { activeDirectoryEndpoint: "https://login.stack.example/" } },
      { customCloudConfig: { activeDirectoryEndpoint: "https://login.stack.example/" } },
    ],
  ])("accepts: %s", (_why, raw, want) => {
    expect(parseAzureSpec(raw)).toMatchObject(want);
  });

  it.each<[string, unknown, string]>([
    ["not an object", "kv", P],
    ["no vaultUrl", { tenantId: "t" }, `${P}.vaultUrl`],
    ["a plain-http vault (the SDK sends tokens over TLS only)", { ...spSecret, vaultUrl: "http://kv.local" }, `${P}.vaultUrl`],
    ["an unparsable vault URL", { ...spSecret, vaultUrl: "kv vault" }, `${P}.vaultUrl`],
    ["an unknown authType", { ...spSecret, authType: "Password" }, `${P}.authType`],
    ["an unknown environmentType", { ...spSecret, environmentType: "Mars" }, `${P}.environmentType`],
    ["service principal without a tenant", { ...spSecret, tenantId: undefined }, `${P}.tenantId`],
    ["service principal without authSecretRef", { vaultUrl: spSecret.vaultUrl, tenantId: "t" }, `${P}.authSecretRef`],
    ["service principal without clientId", { ...spSecret, authSecretRef: { clientSecret: ref("az", "s") } }, `${P}.authSecretRef.clientId`],
    ["service principal with neither secret nor certificate", { ...spSecret, authSecretRef: { clientId: ref("az", "id") } }, `${P}.authSecretRef`],
    ["service principal with both secret and certificate", { ...spSecret, authSecretRef: { ...spSecret.authSecretRef, clientCertificate: ref("az", "pem") } }, `${P}.authSecretRef`],
    ["a secret ref without its key", { ...spSecret, authSecretRef: { clientId: { name: "az" }, clientSecret: ref("az", "s") } }, `${P}.authSecretRef.clientId.key`],
    ["workload identity with a service account but no clientId (annotations are not read)", { vaultUrl: spSecret.vaultUrl, authType: "WorkloadIdentity", serviceAccountRef: { name: "sa" } }, `${P}.authSecretRef.clientId`],
    ["audiences not a list", { vaultUrl: spSecret.vaultUrl, authType: "WorkloadIdentity", serviceAccountRef: { name: "sa", audiences: "x" }, authSecretRef: { clientId: ref("az", "id") } }, `${P}.serviceAccountRef.audiences`],
    ["Azure Stack without customCloudConfig", { ...spSecret, environmentType: "AzureStackCloud" }, `${P}.customCloudConfig`],
    ["customCloudConfig without activeDirectoryEndpoint", { ...spSecret, customCloudConfig: {} }, `${P}.customCloudConfig.activeDirectoryEndpoint`],
    ["useAzureSDK not a boolean", { ...spSecret, useAzureSDK: "yes" }, `${P}.useAzureSDK`],
  ])("rejects %s naming %s", (_why, raw, field) => {
    let err: unknown;
    try {
      parseAzureSpec(raw);
    } catch (e: unknown) {
      err = e;
    }
    expect(isKsealError(err, StoreErrorCode.InvalidConfig)).toBe(true);
    expect((err as KsealError).details.field).toBe(field);
  });
});

function kubeCtx(values: Record<string, string>, tokens: ServiceAccountRef[] = []): Pick<StoreContext, "readSecretKey" | "createServiceAccountToken"> {
  return {
    readSecretKey: (r: SecretKeyRef) => {
      const v = values[`${r.name}/${r.key}`];
      return v === undefined ? Promise.reject(new Error(`no ${r.name}/${r.key}`)) : Promise.resolve(new TextEncoder().encode(v));
    },
    createServiceAccountToken: (sa: ServiceAccountRef) => {
      tokens.push(sa);
      return Promise.resolve("sa-token");
    },
  };
}

describe("azurekv credential choice", () => {
  const values = { "az/id": "client-1\n", "az/secret": "s3cret", "az/pem": "-----BEGIN CERTIFICATE-----\n", "az/tenant": "t-from-secret" };

  it.each<[string, unknown, Record<string, unknown>]>([
    ["client secret, values trimmed, public cloud", spSecret, { kind: "ClientSecret", tenantId: "t-1", clientId: "client-1", clientSecret: "s3cret", authorityHost: "https://login.microsoftonline.com" }],
    ["client certificate PEM as stored", { ...spSecret, authSecretRef: { clientId: ref("az", "id"), clientCertificate: ref("az", "pem") } }, { kind: "ClientCertificate", certificatePem: "-----BEGIN CERTIFICATE-----\n" }],
    ["authSecretRef.tenantId wins over tenantId", { ...spSecret, authSecretRef: { ...spSecret.authSecretRef, tenantId: ref("az", "tenant") } }, { tenantId: "t-from-secret" }],
    ["US government authority", { ...spSecret, environmentType: "USGovernmentCloud" }, { authorityHost: "https://login.microsoftonline.us" }],
    ["China authority", { ...spSecret, environmentType: "ChinaCloud" }, { authorityHost: "https://login.chinacloudapi.cn" }],
    ["custom cloud authority", { ...spSecret, environmentType: "AzureStackCloud", customCloudConfig: { activeDirectoryEndpoint: "https://login.stack.example/" } }, { authorityHost: "https://login.stack.example/" }],
    ["managed identity, system-assigned", { vaultUrl: spSecret.vaultUrl, authType: "ManagedIdentity" }, { kind: "ManagedIdentity" }],
    ["managed identity, user-assigned", { vaultUrl: spSecret.vaultUrl, authType: "ManagedIdentity", identityId: "mi" }, { kind: "ManagedIdentity", identityId: "mi" }],
  ])("%s", async (_why, raw, want) => {
    expect(await resolveAzureCredential(parseAzureSpec(raw), kubeCtx(values), {})).toMatchObject(want);
  });

  it("workload identity: a TokenRequest token per exchange, for Entra's audience plus the extra ones", async () => {
    const tokens: ServiceAccountRef[] = [];
    const spec = parseAzureSpec({ vaultUrl: spSecret.vaultUrl, authType: "WorkloadIdentity", serviceAccountRef: { name: "sa", namespace: "ns", audiences: ["extra"] }, authSecretRef: { clientId: ref("az", "id") } });
    const c = await resolveAzureCredential(spec, kubeCtx(values, tokens), { AZURE_TENANT_ID: "t-env" });
    expect(c).toMatchObject({ kind: "WorkloadIdentityToken", clientId: "client-1", tenantId: "t-env" });
    if (c.kind !== "WorkloadIdentityToken") throw new Error("unreachable");
    expect(tokens).toEqual([]); // nothing minted until Entra ID asks
    expect(await c.serviceAccountToken()).toBe("sa-token");
    expect(tokens).toEqual([{ name: "sa", namespace: "ns", audiences: ["api://AzureADTokenExchange", "extra"] }]);
  });

  it("workload identity: spec tenantId wins over the operator's AZURE_TENANT_ID; none at all is a config error", async () => {
    const base = { vaultUrl: spSecret.vaultUrl, authType: "WorkloadIdentity", serviceAccountRef: { name: "sa" }, authSecretRef: { clientId: ref("az", "id") } };
    expect(await resolveAzureCredential(parseAzureSpec({ ...base, tenantId: "t-spec" }), kubeCtx(values), { AZURE_TENANT_ID: "t-env" })).toMatchObject({ tenantId: "t-spec" });
    const err = await caught(resolveAzureCredential(parseAzureSpec(base), kubeCtx(values), {}));
    expect(err).toMatchObject({ code: StoreErrorCode.InvalidConfig, details: { field: `${P}.tenantId` } });
  });

  it("workload identity without a service account needs the webhook's variables, and names the missing ones", async () => {
    const spec = parseAzureSpec({ vaultUrl: spSecret.vaultUrl, authType: "WorkloadIdentity" });
    const env = { AZURE_CLIENT_ID: "c", AZURE_TENANT_ID: "t", AZURE_FEDERATED_TOKEN_FILE: "/var/run/secrets/azure/tokens/azure-identity-token" };
    expect(await resolveAzureCredential(spec, kubeCtx(values), env)).toEqual({ kind: "WorkloadIdentityEnv", authorityHost: "https://login.microsoftonline.com" });
    const err = await caught(resolveAzureCredential(spec, kubeCtx(values), { AZURE_CLIENT_ID: "c" }));
    expect(err.code).toBe(StoreErrorCode.InvalidConfig);
    expect(err.message).toContain("AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE");
  });

  it("builds the SDK's own credential class for each kind (no network until a token is needed)", () => {
    const host = "https://login.microsoftonline.com";
    const tenantId = "00000000-0000-0000-0000-000000000001";
    expect(azureCredential({ kind: "ClientSecret", tenantId, clientId: "c", clientSecret: "s", authorityHost: host })).toBeInstanceOf(ClientSecretCredential);
    expect(azureCredential({ kind: "ClientCertificate", tenantId, clientId: "c", certificatePem: "pem", authorityHost: host })).toBeInstanceOf(ClientCertificateCredential);
    expect(azureCredential({ kind: "ManagedIdentity" })).toBeInstanceOf(ManagedIdentityCredential);
    expect(azureCredential({ kind: "ManagedIdentity", identityId: "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i" })).toBeInstanceOf(ManagedIdentityCredential);
    expect(azureCredential({ kind: "WorkloadIdentityToken", tenantId, clientId: "c", authorityHost: host, serviceAccountToken: () => Promise.resolve("t") })).toBeInstanceOf(ClientAssertionCredential);
    const prev = { ...process.env };
    Object.assign(process.env, { AZURE_CLIENT_ID: "c", AZURE_TENANT_ID: tenantId, AZURE_FEDERATED_TOKEN_FILE: "/nonexistent/token" });
    try {
      expect(azureCredential({ kind: "WorkloadIdentityEnv", authorityHost: host })).toBeInstanceOf(WorkloadIdentityCredential);
    } finally {
      for (const k of ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE"]) {
        if (prev[k] === undefined) Reflect.deleteProperty(process.env, k);
        else process.env[k] = prev[k];
      }
    }
  });
});

describe("azurekv remote keys and versions", () => {
  it.each<[string, string, string]>([
    ["db-password", "db-password", "a bare name is a secret"],
    ["secret/db-password", "db-password", "the explicit secret/ prefix"],
    ["secret/a/ignored", "a", "segments after the second are ignored, as ESO does"],
    ["A-1", "A-1", "letters, digits and dashes"],
    ["x".repeat(127), "x".repeat(127), "the longest name Key Vault allows"],
  ])("%s → secret %s (%s)", (key, name) => {
    expect(parseRemoteKey("st", key)).toEqual({ type: "secret", name });
  });

  it.each<[string, string, string]>([
    ["cert/tls", StoreErrorCode.InvalidConfig, "certificates need @azure/keyvault-certificates"],
    ["key/signing", StoreErrorCode.InvalidConfig, "keys need @azure/keyvault-keys"],
    ["blob/x", StoreErrorCode.BadRequest, "unknown object type"],
    ["db_password", StoreErrorCode.BadRequest, "underscore is not allowed in Key Vault names"],
    ["db.password", StoreErrorCode.BadRequest, "dot is not allowed"],
    ["secret/", StoreErrorCode.BadRequest, "empty name"],
    ["", StoreErrorCode.BadRequest, "empty key"],
    ["x".repeat(128), StoreErrorCode.BadRequest, "longer than 127"],
  ])("%j → %s (%s)", (key, code) => {
    expect(() => parseRemoteKey("st", key)).toThrow(expect.objectContaining({ code }) as Error);
  });

  it("names the SDK a cert/ or key/ reference would need", () => {
    expect(() => parseRemoteKey("st", "cert/tls")).toThrow(/@azure\/keyvault-certificates/);
    expect(() => parseRemoteKey("st", "key/k")).toThrow(/@azure\/keyvault-keys/);
  });

  it.each<[string | undefined, string | undefined, string]>([
    [undefined, undefined, "no version → latest"],
    ["", undefined, "empty version → latest"],
    ["0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef", "an Azure version id"],
  ])("version %j → %j (%s)", (v, want) => {
    expect(versionOf("st", "k", v)).toBe(want);
  });

  it.each<[string, string]>([
    ["../other", "path traversal"],
    ["v1?api-version=1", "query injection"],
  ])("rejects version %j (%s)", (v) => {
    expect(() => versionOf("st", "k", v)).toThrow(expect.objectContaining({ code: StoreErrorCode.BadRequest }) as Error);
  });
});

describe("azurekv client through the port", () => {
  function setup(): { vault: FakeVault; c: AzureKeyVaultClient } {
    const vault = new FakeVault();
    return { vault, c: new AzureKeyVaultClient(vault, "st") };
  }

  it("gets a value, a gjson property, an exact dotted key, a pinned version", async () => {
    const { vault, c } = setup();
    const v1 = vault.set("app", JSON.stringify({ user: "alice", pass: "one", "a.b": "dotted", nested: { list: [{ n: 1 }, { n: 2 }] } }));
    vault.set("app", JSON.stringify({ user: "alice", pass: "two" }));
    expect(JSON.parse(text(await c.getSecret({ key: "app" })))).toEqual({ user: "alice", pass: "two" });
    expect(text(await c.getSecret({ key: "secret/app", property: "pass" }))).toBe("two");
    expect(text(await c.getSecret({ key: "app", property: "pass", version: v1 }))).toBe("one");
    expect(text(await c.getSecret({ key: "app", property: "a.b", version: v1 }))).toBe("dotted");
    expect(text(await c.getSecret({ key: "app", property: "nested.list.1.n", version: v1 }))).toBe("2");
    expect(text(await c.getSecret({ key: "app", property: "nested.list.#.n", version: v1 }))).toBe("[1,2]");
    expect(text(await c.getSecret({ key: "app", property: "nested", version: v1 }))).toBe('{"list":[{"n":1},{"n":2}]}');
    expect(vault.calls).toContain(`get app@${v1}`);
  });

  it("a missing property, a non-JSON value with a property, a missing key", async () => {
    const { vault, c } = setup();
    vault.set("app", '{"user":"alice"}');
    vault.set("plain", "hunter2");
    expect(await caught(c.getSecret({ key: "app", property: "pass" }))).toMatchObject({ code: StoreErrorCode.NoSuchProperty, details: { key: "app", property: "pass" } });
    const notJson = await caught(c.getSecret({ key: "plain", property: "x" }));
    expect(notJson.code).toBe(StoreErrorCode.BadRequest);
    expect(notJson.message).not.toContain("hunter2");
    expect(text(await c.getSecret({ key: "plain" }))).toBe("hunter2");
    const missing = await caught(c.getSecret({ key: "nope" }));
    expect(missing).toBeInstanceOf(SecretNotFoundError);
    expect(missing.message).toBe('secret "nope" not found in store "st"');
  });

  it("metadataPolicy Fetch returns tags: all as JSON, one tag, a path into a JSON tag", async () => {
    const { vault, c } = setup();
    vault.set("app", "hunter2", { env: "prod", owner: '{"team":"blue","oncall":{"primary":"ann"}}' });
    expect(JSON.parse(text(await c.getSecret({ key: "app", metadataPolicy: "Fetch" })))).toEqual({ env: "prod", owner: '{"team":"blue","oncall":{"primary":"ann"}}' });
    expect(text(await c.getSecret({ key: "app", metadataPolicy: "Fetch", property: "env" }))).toBe("prod");
    expect(text(await c.getSecret({ key: "app", metadataPolicy: "Fetch", property: "owner.oncall.primary" }))).toBe("ann");
    const err = await caught(c.getSecret({ key: "app", metadataPolicy: "Fetch", property: "team" }));
    expect(err.code).toBe(StoreErrorCode.NoSuchProperty);
    expect(err.message).not.toContain("hunter2");
    expect(await caught(c.getSecret({ key: "app", metadataPolicy: "Fetch", property: "env.x" }))).toMatchObject({ code: StoreErrorCode.NoSuchProperty });
  });

  it("getSecretMap: a JSON object, a property of it, and ESO's tag map under Fetch", async () => {
    const { vault, c } = setup();
    vault.set("app", JSON.stringify({ user: "alice", port: 5432, db: { host: "h", tls: true } }), { env: "prod", owner: '{"team":"blue"}' });
    expect(texts(await c.getSecretMap({ key: "app" }))).toEqual({ user: "alice", port: "5432", db: '{"host":"h","tls":true}' });
    expect(texts(await c.getSecretMap({ key: "app", property: "db" }))).toEqual({ host: "h", tls: "true" });
    expect(texts(await c.getSecretMap({ key: "app", metadataPolicy: "Fetch" }))).toEqual({ app_env: "prod", app_owner_team: "blue" });
    expect(texts(await c.getSecretMap({ key: "secret/app", metadataPolicy: "Fetch", property: "env" }))).toEqual({ app_env: "prod" });
    expect(await caught(c.getSecretMap({ key: "app", metadataPolicy: "Fetch", property: "nope" }))).toMatchObject({ code: StoreErrorCode.NoSuchProperty });
    vault.set("list", "[1,2]");
    expect(await caught(c.getSecretMap({ key: "list" }))).toMatchObject({ code: StoreErrorCode.BadRequest });
  });

  it("cert/ and key/ are refused before any call to the vault", async () => {
    const { vault, c } = setup();
    expect(await caught(c.getSecret({ key: "cert/tls" }))).toMatchObject({ code: StoreErrorCode.InvalidConfig, details: { requires: "@azure/keyvault-certificates" } });
    expect(await caught(c.getSecretMap({ key: "key/signing" }))).toMatchObject({ code: StoreErrorCode.InvalidConfig, details: { requires: "@azure/keyvault-keys" } });
    expect(vault.calls).toEqual([]);
  });

  it("finds enabled secrets by name regexp, tags and path; keys are the secret names", async () => {
    const { vault, c } = setup();
    vault.set("dev-db", "a", { team: "blue", env: "dev" });
    vault.set("dev-api", "b", { team: "blue", env: "prod" });
    vault.set("dev-off", "c", { team: "blue", env: "dev" }, false);
    vault.set("prod-db", "d", { team: "red", env: "prod" });
    expect(texts(await c.findSecrets({ name: { regexp: "^dev-" } }))).toEqual({ "dev-api": "b", "dev-db": "a" });
    expect(texts(await c.findSecrets({ tags: { team: "blue", env: "dev" } }))).toEqual({ "dev-db": "a" });
    expect(texts(await c.findSecrets({ name: { regexp: "db$" }, tags: { env: "prod" } }))).toEqual({ "prod-db": "d" });
    expect(texts(await c.findSecrets({ path: "prod", name: { regexp: "." } }))).toEqual({ "prod-db": "d" });
    expect(await caught(c.findSecrets({ name: { regexp: "(" } }))).toMatchObject({ code: StoreErrorCode.BadRequest });
  });

  it("find leaves out a secret deleted between list and read, but fails on other read errors", async () => {
    const { vault, c } = setup();
    vault.set("a", "1");
    vault.set("b", "2");
    vault.failNext = [new RestError("gone", { statusCode: 404 })];
    expect(texts(await c.findSecrets({ name: { regexp: "." } }))).toEqual({ b: "2" });
    vault.failNext = [new RestError("denied", { statusCode: 403 })];
    expect(await caught(c.findSecrets({ name: { regexp: "." } }))).toMatchObject({ code: StoreErrorCode.PermissionDenied });
    vault.listError = new RestError("no list permission", { statusCode: 403 });
    expect(await caught(c.findSecrets({ name: { regexp: "." } }))).toMatchObject({ code: StoreErrorCode.PermissionDenied, details: { op: "ListSecretProperties" } });
  });

  it("validate probes one absent name: 404 proves reachability and credentials; 401/403/down do not", async () => {
    const { vault, c } = setup();
    expect(await c.validate()).toEqual({ ready: true, reason: "Valid", message: "store validated" });
    expect(vault.calls).toEqual([`get ${VALIDATION_PROBE}`]);
    vault.failNext = [new RestError("bad token", { statusCode: 401 })];
    expect(await c.validate()).toMatchObject({ ready: false, reason: "ValidationFailed", message: expect.stringContaining("authentication failed") as string });
    vault.failNext = [new RestError("connect ECONNREFUSED", { code: "ECONNREFUSED" })];
    expect(await c.validate()).toMatchObject({ ready: false, message: expect.stringContaining("unreachable") as string });
    await c.close();
    expect(vault.calls.at(-1)).toBe("close");
  });
});

describe("azurekv error mapping", () => {
  const leak = "request id 6f1c and value hunter2";
  it.each<[string, unknown, string]>([
    ["Key Vault 404 SecretNotFound", new RestError(leak, { statusCode: 404, code: "SecretNotFound" }), StoreErrorCode.NotFound],
    ["Key Vault 401 (token rejected)", new RestError(leak, { statusCode: 401, code: "Unauthorized" }), StoreErrorCode.AuthFailed],
    ["Key Vault 403 (no access policy / RBAC, or secret disabled)", new RestError(leak, { statusCode: 403, code: "Forbidden" }), StoreErrorCode.PermissionDenied],
    ["Key Vault 429", new RestError(leak, { statusCode: 429, code: "Throttled" }), StoreErrorCode.Throttled],
    ["Key Vault 400 (bad parameter)", new RestError(leak, { statusCode: 400, code: "BadParameter" }), StoreErrorCode.BadRequest],
    ["Key Vault 500", new RestError(leak, { statusCode: 500 }), StoreErrorCode.Unavailable],
    ["Key Vault 503", new RestError(leak, { statusCode: 503 }), StoreErrorCode.Unavailable],
    ["connection refused", new RestError(leak, { code: "ECONNREFUSED" }), StoreErrorCode.Unavailable],
    ["DNS failure", new RestError(leak, { code: "ENOTFOUND" }), StoreErrorCode.Unavailable],
    ["untrusted certificate (TLS stays on)", new RestError(leak, { code: "SELF_SIGNED_CERT_IN_CHAIN" }), StoreErrorCode.Unavailable],
    ["Entra ID rejects the client secret", new AuthenticationError(401, { error: "invalid_client", error_description: leak }), StoreErrorCode.AuthFailed],
    ["Entra ID rejects the tenant", new AuthenticationError(400, { error: "invalid_request", error_description: leak }), StoreErrorCode.AuthFailed],
    ["Entra ID down", new AuthenticationError(503, { error: "temporarily_unavailable", error_description: leak }), StoreErrorCode.Unavailable],
    ["no managed identity endpoint", new CredentialUnavailableError(leak), StoreErrorCode.AuthFailed],
    ["something unknown", new Error(leak), StoreErrorCode.Unavailable],
  ])("%s → %s", (_why, e, code) => {
    const m = mapAzureError(e, "st", "GetSecret", "k");
    expect(m.code).toBe(code);
    if (code === StoreErrorCode.NotFound) expect(m).toBeInstanceOf(SecretNotFoundError);
    expect(m.message).not.toMatch(/6f1c|hunter2/);
    expect(m.message).toContain('"st"');
    expect(m.cause).toBe(e);
  });

  it("a 404 with no key (listing) is not a missing secret", () => {
    expect(mapAzureError(new RestError("x", { statusCode: 404 }), "st", "ListSecretProperties").code).toBe(StoreErrorCode.BadRequest);
  });
});

describe("azurekv provider", () => {
  it("is registered under spec.provider.azurekv and loaded lazily", async () => {
    expect(providerKeyOf({ azurekv: spSecret })).toBe("azurekv");
    const p = await getProvider("azurekv");
    expect(p.key).toBe("azurekv");
    expect(() => {
      p.validateSpec(spSecret);
    }).not.toThrow();
  });

  const ctx = (providerSpec: unknown, values: Record<string, string>): StoreContext => ({
    storeKind: "SecretStore",
    storeName: "st",
    namespace: "ns",
    providerSpec,
    ...kubeCtx(values),
    readConfigMapKey: () => Promise.reject(new Error("test: azurekv reads no ConfigMap")),
    now: () => 0,
  });

  it("hands the port the vault, the credential, the pinned API version and the CA", async () => {
    const seen: AzureConnect[] = [];
    const p = createAzureProvider({ serviceVersion: "7.4", ca: "PEM", port: (c) => (seen.push(c), Promise.resolve(new FakeVault())) });
    expect(p.key).toBe("azurekv");
    const c = await p.newClient(ctx(spSecret, { "az/id": "c", "az/secret": "s" }));
    expect(seen).toEqual([{ vaultUrl: spSecret.vaultUrl, serviceVersion: "7.4", ca: "PEM", credential: expect.objectContaining({ kind: "ClientSecret", clientId: "c" }) as unknown }]);
    expect(await c.validate()).toMatchObject({ ready: true });
  });

  it("a fixed credential replaces the spec's and no Secret is read", async () => {
    const seen: AzureConnect[] = [];
    const credential = { getToken: () => Promise.resolve({ token: "t", expiresOnTimestamp: 0 }) };
    const p = createAzureProvider({ credential, port: (c) => (seen.push(c), Promise.resolve(new FakeVault())) });
    await p.newClient(ctx(spSecret, {}));
    expect(seen[0]?.credential).toEqual({ kind: "Static", credential });
  });

  it("rejects a bad spec statically, and a credential the SDK cannot build as STORE_INVALID_CONFIG", async () => {
    const p = createAzureProvider();
    expect(() => {
      p.validateSpec({ vaultUrl: "https://kv.vault.azure.net", authType: "Nope" });
    }).toThrow(expect.objectContaining({ code: StoreErrorCode.InvalidConfig }) as Error);
    // @azure/identity checks the tenant id's characters when the credential is built.
    const err = await caught(p.newClient(ctx({ ...spSecret, tenantId: "bad tenant!" }, { "az/id": "c", "az/secret": "s3cret-value" })));
    expect(err.code).toBe(StoreErrorCode.InvalidConfig);
    expect(err.message).not.toContain("s3cret-value");
  });
});
