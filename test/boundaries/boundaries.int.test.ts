// Boundaries between namespaces, on the real kseal-operator and the real API server. What other
// suites already prove is not repeated here:
// - test/externalsecret/store-scope.int.test.ts: an ExternalSecret naming a SecretStore of another
//   namespace gets `SecretStore "x" not found in namespace "ns"` and no Secret; every
//   ClusterSecretStore condition form (namespaces, namespaceRegexes, namespaceSelector, any-of)
//   allows or refuses with `ClusterSecretStore "x" does not allow namespace "ns"`.
// - test/operator/sealedsecret.int.test.ts: a strict blob renamed inside its namespace is refused
//   with the generic message; a tampered blob leaves the Secret untouched.
// - test/sealing/bitnami-interop.int.test.ts: /v1/verify, --validate and rotate refuse a renamed
//   blob on both kseal-operator and the Bitnami controller.
// - test/sops/sopssecret.test.ts: TargetNotOwned (an existing Secret the SopsSecret does not own).
// Added here: blobs moved to ANOTHER namespace (strict renamed, strict same name, namespace-wide:
// refused; cluster-wide: opened), SOPS (documents carry no namespace binding — docs/sops.md names
// no scoping rule — so the Secret always lands in the SopsSecret's own namespace, whatever the
// document says), and a namespaced SecretStore whose credential reference names another namespace
// (never read there; a ClusterSecretStore may, as the positive control).
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCliCaptured } from "../../cli/kseal/run.ts";
import { RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { baoApi, putKubernetesRole, putPolicy } from "../peers/openbao.ts";
import { waitFor } from "../peers/process.ts";
import { runPeer } from "../support/bins.ts";
import { createNamespace, testKube } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { enableTokenReviewAuth } from "../stores/bao-token-review.ts";
import { secretText } from "../operator/secrets.ts";
import { servedCertificate, servedRecipient } from "../operator/served.ts";

const peers = inject("peers");
const kube = testKube();
const dir = mkdtempSync(join(tmpdir(), "kseal-boundaries-"));
const rbac = kube.kc.makeApiClient(RbacAuthorizationV1Api);
const prefix = `bnd-${randomBytes(4).toString("hex")}`;
const mount = `k8s-${prefix}`;
const es = { group: "external-secrets.io", version: "v1" };
const ssGroup = { group: "bitnami.com", version: "v1alpha1", plural: "sealedsecrets" };
const sopsGroup = { group: "kseal.dev", version: "v1alpha1", plural: "sopssecrets" };
interface Ns { name: string; remove: () => Promise<void> }
let home: Ns; // the operator's namespace: its keys
let origin: Ns; // where blobs were sealed for, and where credentials live; not watched
let watched: Ns; // the only namespace the operator reconciles
let op: RunningOperatorProcess;
let certFile: string;
let recipient: string;
const clusterStore = `${prefix}-css`;

interface Cond { type: string; status: string; reason?: string; message?: string }

async function conditionOf(plural: string, group: { group: string; version: string }, name: string, type: string): Promise<Cond | undefined> {
  const o = (await kube.custom.getNamespacedCustomObject({ ...group, plural, namespace: watched.name, name })) as { status?: { conditions?: Cond[] } };
  return o.status?.conditions?.find((c) => c.type === type);
}

async function settled(plural: string, group: { group: string; version: string }, name: string, type: string): Promise<Cond> {
  return waitFor(`${plural}/${name} ${type}`, async () => {
    const c = await conditionOf(plural, group, name, type);
    return c?.status === "True" || c?.status === "False" ? c : undefined;
  }, 60_000).catch((e: unknown) => {
    throw new Error(`${String(e)}\noperator log:\n${op.lines.slice(-20).join("\n")}`);
  });
}

async function warningEvent(name: string): Promise<{ reason?: string; message?: string } | undefined> {
  const list = await kube.core.listNamespacedEvent({ namespace: watched.name, fieldSelector: `involvedObject.name=${name}` });
  return list.items.find((e) => e.type === "Warning");
}

function secretJson(namespace: string, name: string, data: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: "v1", kind: "Secret", metadata: { name, namespace },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  });
}

interface SealedJson { metadata: { name: string; namespace?: string }; spec: { template?: { metadata?: { name?: string; namespace?: string } } } }

/** Moves a sealed resource to `namespace`/`name`, as someone copying it would (template included). */
function moved(sealed: SealedJson, namespace: string, name: string): SealedJson {
  const m = structuredClone(sealed);
  m.metadata.name = name;
  m.metadata.namespace = namespace;
  if (m.spec.template?.metadata !== undefined) {
    m.spec.template.metadata.name = name;
    m.spec.template.metadata.namespace = namespace;
  }
  return m;
}

beforeAll(async () => {
  home = await createNamespace(kube, "bnd-home");
  origin = await createNamespace(kube, "bnd-origin");
  watched = await createNamespace(kube, "bnd-watched");
  await applyProjectCrds(kube, "external-secrets.io_secretstores.yaml", "external-secrets.io_clustersecretstores.yaml",
    "external-secrets.io_externalsecrets.yaml", "external-secrets.io_clusterexternalsecrets.yaml",
    "bitnami.com_sealedsecrets.yaml", "kseal.dev_sopssecrets.yaml");
  // A token that can read this suite's path, kept in the ORIGIN namespace only.
  await putPolicy(peers.vault, prefix, `path "secret/data/${prefix}/*" { capabilities = ["read"] }`);
  const tok = (await baoApi(peers.vault, "POST", "auth/token/create", { policies: [prefix], ttl: "1h" })) as { auth: { client_token: string } };
  await kube.core.createNamespacedSecret({ namespace: origin.name, body: { metadata: { name: "bao-cred" }, stringData: { token: tok.auth.client_token } } });
  // Kubernetes auth that WOULD let origin/origin-only in: if a namespaced store in the watched
  // namespace ever minted that account's token, its login would succeed.
  await kube.core.createNamespacedServiceAccount({ namespace: origin.name, body: { metadata: { name: "origin-only" } } });
  await enableTokenReviewAuth(kube, { namespace: origin.name, reviewer: "reviewer", binding: `kseal-${prefix}-reviewer`, mount });
  await putKubernetesRole(peers.vault, { name: "origin", serviceAccounts: ["origin-only"], namespaces: [origin.name], policies: [prefix], mount });
  await baoApi(peers.vault, "POST", `secret/data/${prefix}/db`, { data: { password: "from-openbao" } });
  op = await startOperator({ namespace: home.name, args: [`--watch-namespace=${watched.name}`] });
  const pem = await servedCertificate(op.apiUrl);
  certFile = join(dir, "cert.pem");
  writeFileSync(certFile, pem);
  recipient = await servedRecipient(op.apiUrl);
}, 240_000);

afterAll(async () => {
  await op.stop();
  for (const suffix of ["token", "sa"]) {
    await kube.custom.deleteClusterCustomObject({ ...es, plural: "clustersecretstores", name: `${clusterStore}-${suffix}` }).catch(() => undefined);
  }
  await rbac.deleteClusterRoleBinding({ name: `kseal-${prefix}-reviewer` }).catch(() => undefined);
  for (const ns of [watched, origin, home]) await ns.remove();
});

describe("SealedSecrets moved to another namespace", () => {
  it.each([
    { scope: "strict", as: "renamed", rename: true, opens: false, reason: "strict binds namespace and name: both changed" },
    { scope: "strict", as: "same-name", rename: false, opens: false, reason: "strict binds the namespace: the name alone does not carry it" },
    { scope: "namespace-wide", as: "nswide", rename: true, opens: false, reason: "namespace-wide binds the namespace" },
    { scope: "cluster-wide", as: "cwide", rename: true, opens: true, reason: "cluster-wide binds nothing (positive control)" },
  ] as const)("$scope blob from the origin namespace, $as: $reason", async ({ scope, as, rename, opens }) => {
    const sealedName = `${as}-sealed`;
    const targetName = rename ? `${as}-moved` : sealedName;
    const value = `pw-${scope}-${randomBytes(6).toString("hex")}`;
    const r = await runCliCaptured(["--cert", certFile, "--scope", scope, "-o", "json"], secretJson(origin.name, sealedName, { pw: value }), { cwd: dir, env: { HOME: dir } });
    expect(r.code, r.stderr).toBe(0);
    await kube.custom.createNamespacedCustomObject({ ...ssGroup, namespace: watched.name, body: moved(JSON.parse(r.stdout) as SealedJson, watched.name, targetName) });
    const cond = await settled("sealedsecrets", ssGroup, targetName, "Synced");
    if (opens) {
      expect(cond.status).toBe("True");
      expect(await secretText(kube, watched.name, targetName)).toEqual({ pw: value });
    } else {
      expect(cond).toMatchObject({ status: "False", message: 'no key could decrypt item "pw"' });
      const ev = await waitFor("the Warning event", () => warningEvent(targetName), 30_000);
      expect(ev).toMatchObject({ reason: "ErrUnsealFailed", message: 'Failed to unseal: no key could decrypt item "pw"' });
      expect(await secretText(kube, watched.name, targetName)).toBeUndefined();
    }
    expect(await secretText(kube, origin.name, sealedName)).toBeUndefined(); // nothing written where it was sealed for
  });

  it("a blob sealed by the real kubeseal for the origin namespace, moved: refused the same way", async () => {
    const r = runPeer("kubeseal", ["--cert", certFile, "-o", "json"], { input: secretJson(origin.name, "ks", { pw: "kubeseal-value" }) });
    expect(r.status, r.stderr).toBe(0);
    await kube.custom.createNamespacedCustomObject({ ...ssGroup, namespace: watched.name, body: moved(JSON.parse(r.stdout) as SealedJson, watched.name, "ks") });
    expect(await settled("sealedsecrets", ssGroup, "ks", "Synced")).toMatchObject({ status: "False", message: 'no key could decrypt item "pw"' });
    expect(await secretText(kube, watched.name, "ks")).toBeUndefined();
  });
});

describe("SopsSecret: no namespace binding in the document, the Secret lands in the SopsSecret's namespace", () => {
  function sopsEncrypt(name: string, plain: string): string {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, plain);
    const r = runPeer("sops", ["encrypt", "--age", recipient, "--encrypted-regex", "^(data|stringData)$", file], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  }

  it("a `kind: Secret` document naming the origin namespace writes only into the watched one", async () => {
    const doc = sopsEncrypt("aimed", `apiVersion: v1\nkind: Secret\nmetadata:\n  name: aimed\n  namespace: ${origin.name}\nstringData:\n  pw: sops-value\n`);
    await kube.custom.createNamespacedCustomObject({
      ...sopsGroup, namespace: watched.name,
      body: { apiVersion: "kseal.dev/v1alpha1", kind: "SopsSecret", metadata: { name: "aimed" }, spec: { sops: doc, target: { name: "aimed" } } },
    });
    expect(await settled("sopssecrets", sopsGroup, "aimed", "Ready")).toMatchObject({ status: "True", reason: "Decrypted" });
    expect(await secretText(kube, watched.name, "aimed")).toEqual({ pw: "sops-value" });
    expect(await secretText(kube, origin.name, "aimed")).toBeUndefined();
  });

  it("a SopsSecret created in an unwatched namespace is not decrypted there", async () => {
    const doc = sopsEncrypt("elsewhere", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: elsewhere\nstringData:\n  pw: v\n");
    await kube.custom.createNamespacedCustomObject({
      ...sopsGroup, namespace: origin.name,
      body: { apiVersion: "kseal.dev/v1alpha1", kind: "SopsSecret", metadata: { name: "elsewhere" }, spec: { sops: doc } },
    });
    // The watched-namespace case above proves the operator is live; give it the same time here.
    await new Promise((r) => setTimeout(r, 5000));
    expect(await secretText(kube, origin.name, "elsewhere")).toBeUndefined();
    const o = (await kube.custom.getNamespacedCustomObject({ ...sopsGroup, namespace: origin.name, name: "elsewhere" })) as { status?: unknown };
    expect(o.status).toBeUndefined();
  });
});

describe("store credentials in another namespace", () => {
  const esSpec = (store: string, kind: string): Record<string, unknown> => ({
    refreshInterval: "1h", secretStoreRef: { name: store, kind }, data: [{ secretKey: "pw", remoteRef: { key: `${prefix}/db`, property: "password" } }],
  });

  // As ESO's store validation ("namespace should either be empty or match the namespace of the
  // SecretStore"), a reference naming another namespace is refused outright, naming the reference,
  // rather than quietly read from the store's own namespace.
  it.each([
    {
      name: "cross-token", reason: "tokenSecretRef.namespace: the token lives only in the origin namespace",
      auth: (ns: string) => ({ tokenSecretRef: { name: "bao-cred", key: "token", namespace: ns } }),
      storeMessage: (own: string, other: string) =>
        `SecretStore "cross-token": Secret reference "bao-cred" names namespace "${other}"; a SecretStore may only use Secrets of its own namespace "${own}"`,
    },
    {
      name: "cross-sa", reason: "kubernetes serviceAccountRef.namespace: the service account exists only in the origin namespace",
      auth: (ns: string) => ({ kubernetes: { mountPath: mount, role: "origin", serviceAccountRef: { name: "origin-only", namespace: ns } } }),
      storeMessage: (own: string, other: string) =>
        `SecretStore "cross-sa": ServiceAccount reference "origin-only" names namespace "${other}"; a SecretStore may only use ServiceAccounts of its own namespace "${own}"`,
    },
  ])("a namespaced SecretStore never reads another namespace: $reason", async ({ name, auth, storeMessage }) => {
    await kube.custom.createNamespacedCustomObject({
      ...es, plural: "secretstores", namespace: watched.name,
      body: {
        apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { name },
        spec: { provider: { vault: { server: peers.vault.addr, path: "secret", version: "v2", auth: auth(origin.name) } } },
      },
    });
    await kube.custom.createNamespacedCustomObject({
      ...es, plural: "externalsecrets", namespace: watched.name,
      body: { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name }, spec: esSpec(name, "SecretStore") },
    });
    expect(await settled("secretstores", es, name, "Ready")).toMatchObject({ status: "False", reason: "ValidationFailed", message: storeMessage(watched.name, origin.name) });
    expect(await settled("externalsecrets", es, name, "Ready")).toMatchObject({
      status: "False", reason: "SecretSyncedError", message: `SecretStore "${name}" is not ready: ValidationFailed`,
    });
    expect(await secretText(kube, watched.name, name)).toBeUndefined();
  });

  it.each([
    { suffix: "token", reason: "tokenSecretRef in the origin namespace", auth: (ns: string) => ({ tokenSecretRef: { name: "bao-cred", key: "token", namespace: ns } }) },
    {
      suffix: "sa", reason: "serviceAccountRef in the origin namespace",
      auth: (ns: string) => ({ kubernetes: { mountPath: mount, role: "origin", serviceAccountRef: { name: "origin-only", namespace: ns } } }),
    },
  ])("a ClusterSecretStore may name the credential's namespace (positive control): $reason", async ({ suffix, auth }) => {
    const name = `${clusterStore}-${suffix}`;
    await kube.custom.createClusterCustomObject({
      ...es, plural: "clustersecretstores",
      body: {
        apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore", metadata: { name },
        spec: { provider: { vault: { server: peers.vault.addr, path: "secret", version: "v2", auth: auth(origin.name) } } },
      },
    });
    await kube.custom.createNamespacedCustomObject({
      ...es, plural: "externalsecrets", namespace: watched.name,
      body: { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: `via-cluster-${suffix}` }, spec: esSpec(name, "ClusterSecretStore") },
    });
    expect(await settled("externalsecrets", es, `via-cluster-${suffix}`, "Ready")).toMatchObject({ status: "True", reason: "SecretSynced" });
    expect(await secretText(kube, watched.name, `via-cluster-${suffix}`)).toEqual({ pw: "from-openbao" });
  });
});
