// Vault `kubernetes` and `jwt` auth end to end against the real kube-apiserver: service-account
// tokens from the TokenRequest API, OpenBao checking them with TokenReview (kubernetes) or against
// the API server's service-account JWKS (jwt), and a short-TTL token renewed before it expires.
import { createPublicKey, randomBytes, type JsonWebKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { StoreErrorCode, type ServiceAccountRef, type StoreContext } from "../../src/stores/contract.ts";
import { createVaultProvider, VaultTokenCache } from "../../src/stores/vault/index.ts";
import { isKsealError } from "../../src/errors.ts";
import { baoApi, enableAuth, enableKubernetesAuth, putKubernetesRole, putPolicy } from "../peers/openbao.ts";
import { sleep } from "../peers/process.ts";
import { createNamespace, testKube } from "../support/kube.ts";

const peers = inject("peers");
const kube = testKube();
const rbac = kube.kc.makeApiClient(RbacAuthorizationV1Api);
const caPem = peers.kube.caFile.startsWith("-----BEGIN") ? peers.kube.caFile : readFileSync(peers.kube.caFile, "utf8");
const run = randomBytes(4).toString("hex");
const kubeMount = `k8s-${run}`;
const jwtMount = `jwt-${run}`;
const prefix = `kube-auth-${run}`;
const policy = `kube-auth-${run}`;
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

let ns: { name: string; remove: () => Promise<void> };
const bindingName = `kseal-${prefix}-reviewer`;
/** TokenRequest calls made through the StoreContext, as `namespace/name aud=…`. */
const tokenRequests: string[] = [];

/** What the engine's StoreContext does: a TokenRequest for the SA (ESO: 10 minutes). */
async function saToken(namespace: string, ref: ServiceAccountRef): Promise<string> {
  const aud = ref.audiences === undefined ? undefined : [...ref.audiences];
  tokenRequests.push(`${namespace}/${ref.name} aud=${aud?.join(",") ?? "(default)"}`);
  const tr = await kube.core.createNamespacedServiceAccountToken({
    name: ref.name,
    namespace: ref.namespace ?? namespace,
    body: { spec: { expirationSeconds: 600, ...(aud === undefined ? {} : { audiences: aud }) } },
  });
  return tr.status?.token ?? "";
}

function ctx(providerSpec: unknown, now: () => number = () => Date.now()): StoreContext {
  return {
    storeKind: "SecretStore",
    storeName: "vault-kube",
    namespace: ns.name,
    providerSpec,
    readSecretKey: () => Promise.reject(new Error("test: no Secret reads in this suite")),
    readConfigMapKey: () => Promise.reject(new Error("test: no ConfigMap reads in this suite")),
    createServiceAccountToken: (ref) => saToken(ns.name, ref),
    now,
  };
}

/** GET on the API server with the admin credentials of the injected kubeconfig. */
async function apiGet(path: string): Promise<unknown> {
  const token = kube.kc.getCurrentUser()?.token ?? "";
  return new Promise((resolve, reject) => {
    const req = request(`${peers.kube.server}${path}`, { ca: caPem, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString("utf8")));
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${path}: HTTP ${String(res.statusCode)}`));
        else resolve(JSON.parse(body) as unknown);
      });
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  ns = await createNamespace(kube, "vault-kube-auth");
  for (const name of ["reviewer", "app", "stranger"]) {
    await kube.core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name } } });
  }
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: bindingName },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
      subjects: [{ kind: "ServiceAccount", name: "reviewer", namespace: ns.name }],
    },
  });
  const reviewerJwt = await saToken(ns.name, { name: "reviewer" });
  await putPolicy(peers.vault, policy, `path "secret/data/${prefix}/*" { capabilities = ["read"] }`);
  await baoApi(peers.vault, "POST", `secret/data/${prefix}/db`, { data: { user: "app", pass: "from-openbao" } });

  await enableKubernetesAuth(peers.vault, { kubernetesHost: peers.kube.server, caPem, reviewerJwt, mount: kubeMount });
  await putKubernetesRole(peers.vault, { name: "app", serviceAccounts: ["app"], namespaces: [ns.name], policies: [policy], mount: kubeMount });
  await baoApi(peers.vault, "POST", `auth/${kubeMount}/role/short`, {
    bound_service_account_names: ["app"],
    bound_service_account_namespaces: [ns.name],
    token_policies: [policy],
    token_ttl: "4s",
    token_max_ttl: "1m",
  });

  // jwt: OpenBao validates the token's signature with the API server's service-account keys.
  const jwks = (await apiGet("/openid/v1/jwks")) as { keys: JsonWebKey[] };
  const discovery = (await apiGet("/.well-known/openid-configuration")) as { issuer: string };
  const pems = jwks.keys.map((k) => createPublicKey({ key: k, format: "jwk" }).export({ type: "spki", format: "pem" }).toString());
  await enableAuth(peers.vault, jwtMount, "jwt");
  await baoApi(peers.vault, "POST", `auth/${jwtMount}/config`, { jwt_validation_pubkeys: pems, bound_issuer: discovery.issuer });
  await baoApi(peers.vault, "POST", `auth/${jwtMount}/role/app`, {
    role_type: "jwt",
    user_claim: "sub",
    bound_audiences: ["vault"],
    bound_subject: `system:serviceaccount:${ns.name}:app`,
    token_policies: [policy],
    token_ttl: "10m",
  });
});

afterAll(async () => {
  await rbac.deleteClusterRoleBinding({ name: bindingName }).catch(() => undefined);
  await ns.remove();
  await baoApi(peers.vault, "DELETE", `sys/auth/${kubeMount}`).catch(() => undefined);
  await baoApi(peers.vault, "DELETE", `sys/auth/${jwtMount}`).catch(() => undefined);
});

const spec = (auth: unknown): unknown => ({ server: peers.vault.addr, path: "secret", version: "v2", auth });

describe("vault kubernetes auth against the real API server", () => {
  it("logs in with a TokenRequest token checked by TokenReview and reads a KV v2 secret", async () => {
    const tokens = new VaultTokenCache();
    const provider = createVaultProvider({ tokens });
    const c = await provider.newClient(ctx(spec({ kubernetes: { mountPath: kubeMount, role: "app", serviceAccountRef: { name: "app" } } })));
    tokenRequests.length = 0;
    expect(text(await c.getSecret({ key: `${prefix}/db`, property: "pass" }))).toBe("from-openbao");
    expect(await c.validate()).toMatchObject({ ready: true, reason: "Valid" });
    const c2 = await provider.newClient(ctx(spec({ kubernetes: { mountPath: kubeMount, role: "app", serviceAccountRef: { name: "app" } } })));
    expect(text((await c2.getSecretMap({ key: `${prefix}/db` })).user ?? new Uint8Array())).toBe("app");
    // ESO's default for kubernetes auth: the API server's own audience; one login for both clients.
    expect(tokenRequests).toEqual([`${ns.name}/app aud=(default)`]);
    expect(tokens.logins).toBe(1);
  });

  it.each([
    ["a service account the role does not bind", "stranger", "app"],
    ["a role that does not exist", "app", "no-such-role"],
  ])("reports %s as STORE_AUTH_FAILED", async (_why, sa, role) => {
    const c = await createVaultProvider().newClient(ctx(spec({ kubernetes: { mountPath: kubeMount, role, serviceAccountRef: { name: sa } } })));
    const err: unknown = await c.getSecret({ key: `${prefix}/db` }).catch((e: unknown) => e);
    expect(isKsealError(err, StoreErrorCode.AuthFailed)).toBe(true);
    expect((err as Error).message).toBe('vault: kubernetes login failed for store "vault-kube"');
  });

  it("renews a short-TTL token before it expires instead of logging in again", async () => {
    const tokens = new VaultTokenCache();
    const c = await createVaultProvider({ tokens }).newClient(ctx(spec({ kubernetes: { mountPath: kubeMount, role: "short", serviceAccountRef: { name: "app" } } })));
    const key = `${prefix}/db`;
    await c.getSecret({ key });
    expect([tokens.logins, tokens.renewals]).toEqual([1, 0]);
    await sleep(3000); // past 2/3 of the 4 s TTL
    await c.getSecret({ key });
    expect([tokens.logins, tokens.renewals]).toEqual([1, 1]);
    await sleep(3000); // 6 s after login: the original lease has run out, the renewed one has not
    expect(text(await c.getSecret({ key, property: "pass" }))).toBe("from-openbao");
    expect([tokens.logins, tokens.renewals]).toEqual([1, 2]);
  });
});

describe("vault jwt auth with the API server's service-account issuer", () => {
  it("logs in with a TokenRequest token (audience vault) verified against the JWKS", async () => {
    tokenRequests.length = 0;
    const c = await createVaultProvider().newClient(
      ctx(spec({ jwt: { path: jwtMount, role: "app", kubernetesServiceAccountToken: { serviceAccountRef: { name: "app" } } } })),
    );
    expect(text(await c.getSecret({ key: `${prefix}/db`, property: "user" }))).toBe("app");
    expect(tokenRequests).toEqual([`${ns.name}/app aud=vault`]);
  });

  it("rejects a token of another subject as STORE_AUTH_FAILED", async () => {
    const c = await createVaultProvider().newClient(
      ctx(spec({ jwt: { path: jwtMount, role: "app", kubernetesServiceAccountToken: { serviceAccountRef: { name: "stranger" } } } })),
    );
    await expect(c.getSecret({ key: `${prefix}/db` })).rejects.toMatchObject({ code: StoreErrorCode.AuthFailed, message: 'vault: jwt login failed for store "vault-kube"' });
  });
});
