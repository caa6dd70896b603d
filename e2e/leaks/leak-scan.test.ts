// The leak scan: one real kseal-operator (every controller) over a scenario that drives every path
// with canary values — stores (OpenBao with token and kubernetes auth, AWS on moto, GCP on its
// emulator), ExternalSecrets with data, dataFrom extract/find, templates, failing templates, a
// decoding error, a non-JSON extract, a rotation and a remote deletion; SealedSecrets sealed by
// `kseal seal` and by the real `kubeseal` (good, wrong scope, tampered); SopsSecrets (good, wrong
// key, broken MAC); CLI runs that fail on canary input. Then every text the run produced is
// scanned: the operator's stdout+stderr, every Event of the namespace, the status (and metadata
// annotations) of every object, the written Secrets' labels/annotations, /metrics, and the CLI
// outputs. Zero occurrences, in any form (e2e/leaks/canaries.ts). The test first proves the
// canaries really flowed: each good path's Secret holds its canary.
// The shared kube-apiserver runs without an audit log (test/peers/kube.ts), so none is scanned.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { CreateSecretCommand, DeleteSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { credentials } from "@grpc/grpc-js";
import { AppsV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCliCaptured } from "../../cli/kseal/run.ts";
import { baoApi, putKubernetesRole, putPolicy } from "../../test/peers/openbao.ts";
import { waitFor } from "../../test/peers/process.ts";
import { ageKeygen } from "../../test/sops/support.ts";
import { runPeer } from "../../test/support/bins.ts";
import { createNamespace, testKube } from "../../test/support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../../test/support/operator.ts";
import { enableTokenReviewAuth } from "../../test/stores/bao-token-review.ts";
import { canaryOf, describeFinding, newCanary, scan, type Canary, type Finding } from "./canaries.ts";
import { secretText } from "../../test/operator/secrets.ts";
import { servedCertificate, servedRecipient } from "../../test/operator/served.ts";

const peers = inject("peers");
const kube = testKube();
const apps = kube.kc.makeApiClient(AppsV1Api);
const rbac = kube.kc.makeApiClient(RbacAuthorizationV1Api);
const run = randomBytes(4).toString("hex");
const prefix = `leak-${run}`;
const mount = `k8s-leak-${run}`;
const dir = mkdtempSync(join(tmpdir(), "kseal-leak-"));
const es = { group: "external-secrets.io", version: "v1" };
const ssGroup = { group: "bitnami.com", version: "v1alpha1", plural: "sealedsecrets" };
const sopsGroup = { group: "kseal.dev", version: "v1alpha1", plural: "sopssecrets" };
const sm = new SecretsManagerClient({
  endpoint: peers.aws.endpoint, region: peers.aws.region,
  credentials: { accessKeyId: peers.aws.accessKeyId, secretAccessKey: peers.aws.secretAccessKey },
});
const gcpColon = peers.gcp.endpoint.lastIndexOf(":");
const gsm = new SecretManagerServiceClient({
  servicePath: peers.gcp.endpoint.slice(0, gcpColon), port: Number(peers.gcp.endpoint.slice(gcpColon + 1)),
  sslCreds: credentials.createInsecure(), universeDomain: "googleapis.com",
});

// One canary per source; the names say where each one was planted.
const C = {
  baoDb: newCanary("openbao-token/db"),
  baoDbRotated: newCanary("openbao-token/db-rotated"),
  baoApp: newCanary("openbao-k8s/extract"),
  awsJson: newCanary("aws/json-property"),
  awsFound: newCanary("aws/find"),
  awsDoomed: newCanary("aws/deleted"),
  awsPlain: newCanary("aws/not-json"),
  awsCredential: newCanary("aws/secret-access-key"),
  gcp: newCanary("gcp/extract"),
  tmplJson: newCanary("template/mustFromJson"),
  tmplField: newCanary("template/field-of-string"),
  tmplPkcs: newCanary("template/pkcs12key"),
  tmplJwk: newCanary("template/jwkPublicKeyPem"),
  decode: newCanary("decoding/base64"),
  ssKseal: newCanary("sealed/kseal-seal"),
  ssKubeseal: newCanary("sealed/kubeseal"),
  ssWrongScope: newCanary("sealed/wrong-scope"),
  ssTampered: newCanary("sealed/tampered"),
  sopsGood: newCanary("sops/good"),
  sopsWrongKey: newCanary("sops/wrong-key"),
  sopsBadMac: newCanary("sops/broken-mac"),
  cliBadData: newCanary("cli/seal-bad-base64"),
  cliBadYaml: newCanary("cli/seal-bad-yaml"),
  cliSopsMac: newCanary("cli/sops-broken-mac"),
  cliSopsKey: newCanary("cli/sops-wrong-key"),
  cliSopsEncYaml: newCanary("cli/sops-encrypt-bad-yaml"),
  cliTemplate: newCanary("cli/template-render-failing"),
  cliTemplateData: newCanary("cli/template-render-bad-data"),
  css: newCanary("openbao-cluster-store/data"),
  ssTemplate: newCanary("sealed/failing-template"),
};
const all: Canary[] = Object.values(C);
let baoToken: Canary; // a credential is a secret too: the store's OpenBao token
let ns: { name: string; remove: () => Promise<void> };
let op: RunningOperatorProcess | undefined;
const cliOutputs: { source: string; text: string }[] = [];
const clusterStore = `${prefix}-css`;

async function condition(plural: string, group: { group: string; version: string }, name: string, type: string): Promise<{ status: string; reason?: string; message?: string } | undefined> {
  const o = (await kube.custom.getNamespacedCustomObject({ ...group, plural, namespace: ns.name, name })) as {
    status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
  };
  return o.status?.conditions?.find((c) => c.type === type);
}

async function createEs(name: string, spec: Record<string, unknown>): Promise<void> {
  await kube.custom.createNamespacedCustomObject({
    ...es, plural: "externalsecrets", namespace: ns.name,
    body: { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name }, spec: { refreshInterval: "2s", ...spec } },
  });
}

async function createStore(name: string, provider: Record<string, unknown>): Promise<void> {
  await kube.custom.createNamespacedCustomObject({
    ...es, plural: "secretstores", namespace: ns.name,
    body: { apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { name }, spec: { provider } },
  });
}

/** The operator's state for a failure report: exit code and the `msg` of its last log lines (never their fields). */
function operatorState(): string {
  const msgs = (op?.lines ?? []).slice(-15).map((l) => {
    try {
      return String((JSON.parse(l) as { msg?: unknown }).msg);
    } catch {
      return "(not JSON)";
    }
  });
  return `operator exit code ${String(op?.child.exitCode ?? "none (running)")}, last messages: ${msgs.join(" | ")}`;
}

function secretJson(name: string, data: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: "v1", kind: "Secret", metadata: { name, namespace: ns.name },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  });
}

async function cli(source: string, argv: string[], input = "", env: Record<string, string> = {}): Promise<{ code: number; stdout: string }> {
  const r = await runCliCaptured(argv, input, { cwd: dir, env: { HOME: dir, ...env } });
  cliOutputs.push({ source: `cli ${source} stderr`, text: r.stderr });
  return { code: r.code, stdout: r.stdout };
}

function sopsEncrypt(name: string, plain: string, recipients: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, plain);
  const r = runPeer("sops", ["encrypt", "--age", recipients, file], { cwd: dir });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** YAML of a document holding `value` under `password`, plus an unencrypted note (in the MAC). */
const sopsPlain = (value: string): string => `password: ${JSON.stringify(value)}\nnote_unencrypted: first\n`;

beforeAll(async () => {
  ns = await createNamespace(kube, "e2e-leaks");
  await applyProjectCrds(kube, "external-secrets.io_secretstores.yaml", "external-secrets.io_clustersecretstores.yaml",
    "external-secrets.io_externalsecrets.yaml", "external-secrets.io_clusterexternalsecrets.yaml",
    "bitnami.com_sealedsecrets.yaml", "kseal.dev_sopssecrets.yaml");

  // OpenBao: a limited token (a credential canary) and kubernetes auth through TokenReview.
  await putPolicy(peers.vault, prefix, `path "secret/data/${prefix}/*" { capabilities = ["read"] }\npath "secret/metadata/${prefix}/*" { capabilities = ["read", "list"] }`);
  const tok = (await baoApi(peers.vault, "POST", "auth/token/create", { policies: [prefix], ttl: "1h" })) as { auth: { client_token: string } };
  baoToken = canaryOf("openbao/store-token", tok.auth.client_token);
  await kube.core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: "app-reader" } } });
  await enableTokenReviewAuth(kube, { namespace: ns.name, reviewer: "vault-reviewer", binding: `kseal-${prefix}-reviewer`, mount });
  await putKubernetesRole(peers.vault, { name: "app", serviceAccounts: ["app-reader"], namespaces: [ns.name], policies: [prefix], mount });
  await baoApi(peers.vault, "POST", `secret/data/${prefix}/db`, { data: { user: "app", password: C.baoDb.value } });
  await baoApi(peers.vault, "POST", `secret/data/${prefix}/app`, { data: { api_key: C.baoApp.value } });
  await baoApi(peers.vault, "POST", `secret/data/${prefix}/ces`, { data: { v: C.css.value } });
  for (const [k, c] of [["json", C.tmplJson], ["field", C.tmplField], ["pkcs", C.tmplPkcs], ["jwk", C.tmplJwk], ["decode", C.decode]] as const) {
    await baoApi(peers.vault, "POST", `secret/data/${prefix}/t-${k}`, { data: { v: c.value } });
  }

  // AWS (moto accepts any secret access key, so the store's key itself is a canary).
  await sm.send(new CreateSecretCommand({ Name: `${prefix}/json`, SecretString: JSON.stringify({ token: C.awsJson.value }) }));
  await sm.send(new CreateSecretCommand({ Name: `${prefix}/found-one`, SecretString: C.awsFound.value }));
  await sm.send(new CreateSecretCommand({ Name: `${prefix}/doomed`, SecretString: C.awsDoomed.value }));
  await sm.send(new CreateSecretCommand({ Name: `${prefix}/plain`, SecretString: C.awsPlain.value }));
  // GCP.
  const parent = `projects/${peers.gcp.projectId}`;
  await gsm.createSecret({ parent, secretId: `${prefix}-gcp`, secret: { replication: { automatic: {} } } });
  await gsm.addSecretVersion({ parent: `${parent}/secrets/${prefix}-gcp`, payload: { data: Buffer.from(JSON.stringify({ gcp_key: C.gcp.value })) } });

  await kube.core.createNamespacedSecret({ namespace: ns.name, body: { metadata: { name: "bao-cred" }, stringData: { token: baoToken.value } } });
  await kube.core.createNamespacedSecret({
    namespace: ns.name, body: { metadata: { name: "aws-cred" }, stringData: { id: peers.aws.accessKeyId, secret: C.awsCredential.value } },
  });
  await createStore("bao-token", { vault: { server: peers.vault.addr, path: "secret", version: "v2", auth: { tokenSecretRef: { name: "bao-cred", key: "token" } } } });
  await createStore("bao-k8s", {
    vault: { server: peers.vault.addr, path: "secret", version: "v2", auth: { kubernetes: { mountPath: mount, role: "app", serviceAccountRef: { name: "app-reader" } } } },
  });
  await createStore("aws", {
    aws: {
      service: "SecretsManager", region: peers.aws.region,
      auth: { secretRef: { accessKeyIDSecretRef: { name: "aws-cred", key: "id" }, secretAccessKeySecretRef: { name: "aws-cred", key: "secret" } } },
    },
  });
  await createStore("gcp", { gcpsm: { projectID: peers.gcp.projectId } });
  await kube.custom.createClusterCustomObject({
    ...es, plural: "clustersecretstores",
    body: {
      apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore", metadata: { name: clusterStore },
      spec: { provider: { vault: { server: peers.vault.addr, path: "secret", version: "v2", auth: { tokenSecretRef: { name: "bao-cred", key: "token", namespace: ns.name } } } } },
    },
  });
  await apps.createNamespacedDeployment({
    namespace: ns.name,
    body: {
      metadata: { name: "api", annotations: { "reloader.stakater.com/auto": "true" } },
      spec: {
        replicas: 0, selector: { matchLabels: { app: "api" } },
        template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "api", image: "registry.invalid/api:1", envFrom: [{ secretRef: { name: "db" } }] }] } },
      },
    },
  });
  op = await startOperator({
    namespace: ns.name, args: ["--restart-debounce=1s", "--log-level=trace"],
    env: { AWS_ENDPOINT_URL: peers.aws.endpoint, GCP_SM_ENDPOINT: peers.gcp.endpoint },
  });
}, 240_000);

afterAll(async () => {
  await op?.stop();
  await rbac.deleteClusterRoleBinding({ name: `kseal-${prefix}-reviewer` }).catch(() => undefined);
  await kube.custom.deleteClusterCustomObject({ ...es, plural: "clustersecretstores", name: clusterStore }).catch(() => undefined);
  await ns.remove();
});

describe("leak scan: no secret value in any log, event, status, metric or CLI output", () => {
  it("the scanner finds every form of a canary and names it without printing it", () => {
    const c = newCanary("self-check");
    const b64 = Buffer.from(`xx${c.value}yy`).toString("base64");
    const found = scan("self", `a\nprefix ${b64} suffix\n{"msg":${JSON.stringify(c.value)}}\n${c.value.slice(3, 13)}`, [c]);
    expect(found.map((f) => `${String(f.line)}:${f.form}`)).toEqual(expect.arrayContaining(["2:base64@2", "3:json-escaped", "3:core", "4:core-first-half"]));
    for (const f of found) expect(describeFinding(f)).not.toContain(c.value.slice(3, 13));
  });

  it("every path runs with canaries, the good paths deliver them, and no other output contains them", async () => {
    // ExternalSecrets: good paths.
    await createEs("db", {
      secretStoreRef: { name: "bao-token", kind: "SecretStore" },
      target: { name: "db", template: { engineVersion: "v2", data: { DSN: "postgres://{{ .user }}:{{ .password }}@db/app", PASSWORD: "{{ .password }}" } } },
      data: [{ secretKey: "user", remoteRef: { key: `${prefix}/db`, property: "user" } }, { secretKey: "password", remoteRef: { key: `${prefix}/db`, property: "password" } }],
    });
    await createEs("k8s-extract", { secretStoreRef: { name: "bao-k8s", kind: "SecretStore" }, dataFrom: [{ extract: { key: `${prefix}/app` } }] });
    await createEs("aws", {
      secretStoreRef: { name: "aws", kind: "SecretStore" },
      data: [{ secretKey: "token", remoteRef: { key: `${prefix}/json`, property: "token" } }],
      dataFrom: [{ find: { name: { regexp: `^${prefix}/found-` } } }],
    });
    await createEs("doomed", {
      secretStoreRef: { name: "aws", kind: "SecretStore" }, target: { deletionPolicy: "Delete" },
      data: [{ secretKey: "v", remoteRef: { key: `${prefix}/doomed` } }],
    });
    await createEs("gcp", { secretStoreRef: { name: "gcp", kind: "SecretStore" }, dataFrom: [{ extract: { key: `${prefix}-gcp` } }] });
    // Through the ClusterSecretStore. (ClusterExternalSecrets are reconciled only by an operator
    // watching every namespace, as ESO does, which a test sharing the API server cannot run.)
    await createEs("from-css", {
      secretStoreRef: { name: clusterStore, kind: "ClusterSecretStore" }, data: [{ secretKey: "v", remoteRef: { key: `${prefix}/ces`, property: "v" } }],
    });
    // ExternalSecrets: error paths, each after the value was read.
    const failing: [string, Record<string, unknown>][] = [
      ["t-json", { template: "{{ .v | mustFromJson }}" }],
      ["t-field", { template: "{{ .v.nothere }}" }],
      ["t-pkcs", { template: "{{ .v | pkcs12key }}" }],
      ["t-jwk", { template: "{{ .v | jwkPublicKeyPem }}" }],
    ];
    for (const [key, { template }] of failing) {
      await createEs(key, {
        secretStoreRef: { name: "bao-token", kind: "SecretStore" },
        target: { template: { engineVersion: "v2", data: { out: template } } },
        data: [{ secretKey: "v", remoteRef: { key: `${prefix}/${key}`, property: "v" } }],
      });
    }
    await createEs("t-decode", {
      secretStoreRef: { name: "bao-token", kind: "SecretStore" },
      data: [{ secretKey: "v", remoteRef: { key: `${prefix}/t-decode`, property: "v", decodingStrategy: "Base64" } }],
    });
    await createEs("aws-extract-plain", { secretStoreRef: { name: "aws", kind: "SecretStore" }, dataFrom: [{ extract: { key: `${prefix}/plain` } }] });
    await createEs("aws-property-plain", { secretStoreRef: { name: "aws", kind: "SecretStore" }, data: [{ secretKey: "x", remoteRef: { key: `${prefix}/plain`, property: "x" } }] });

    // SealedSecrets: the operator's certificate, then kseal and kubeseal blobs.
    const pem = await servedCertificate(op?.apiUrl ?? "").catch((e: unknown) => {
      throw new Error(`${String(e)}; ${operatorState()}`);
    });
    const certFile = join(dir, "cert.pem");
    writeFileSync(certFile, pem);
    const sealedByKseal = await cli("seal good", ["--cert", certFile, "-o", "json"], secretJson("ss-kseal", { pw: C.ssKseal.value }));
    expect(sealedByKseal.code).toBe(0);
    await kube.custom.createNamespacedCustomObject({ ...ssGroup, namespace: ns.name, body: JSON.parse(sealedByKseal.stdout) as object });
    const kubeseal = (name: string, value: string): { metadata: { name: string }; spec: { template?: { metadata?: { name?: string } } } } => {
      const r = runPeer("kubeseal", ["--cert", certFile, "-o", "json"], { input: secretJson(name, { pw: value }) });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { metadata: { name: string }; spec: { template?: { metadata?: { name?: string } } } };
    };
    await kube.custom.createNamespacedCustomObject({ ...ssGroup, namespace: ns.name, body: kubeseal("ss-kubeseal", C.ssKubeseal.value) });
    const wrongScope = kubeseal("ss-original", C.ssWrongScope.value);
    wrongScope.metadata.name = "ss-wrong-scope";
    if (wrongScope.spec.template?.metadata !== undefined) wrongScope.spec.template.metadata.name = "ss-wrong-scope";
    await kube.custom.createNamespacedCustomObject({ ...ssGroup, namespace: ns.name, body: wrongScope });
    const withTemplate = JSON.parse((await cli("seal with template", ["--cert", certFile, "-o", "json"], secretJson("ss-template", { pw: C.ssTemplate.value }))).stdout) as {
      spec: { template?: Record<string, unknown> };
    };
    withTemplate.spec.template = { ...(withTemplate.spec.template ?? {}), data: { out: "{{ .pw.nothere }}" } };
    await kube.custom.createNamespacedCustomObject({ ...ssGroup, namespace: ns.name, body: withTemplate });
    const toTamper = await cli("seal tampered", ["--cert", certFile, "-o", "json"], secretJson("ss-tampered", { pw: C.ssTampered.value }));
    await kube.custom.createNamespacedCustomObject({ ...ssGroup, namespace: ns.name, body: JSON.parse(toTamper.stdout) as object });

    // SopsSecrets: the cluster's recipient; a stranger's key; a broken MAC.
    const recipient = await servedRecipient(op?.apiUrl ?? "");
    const stranger = ageKeygen(dir, "stranger");
    const badMac = sopsEncrypt("bad-mac", sopsPlain(C.sopsBadMac.value), recipient).replace("note_unencrypted: first", "note_unencrypted: second");
    for (const [name, doc] of [
      ["sops-good", sopsEncrypt("good", sopsPlain(C.sopsGood.value), recipient)],
      ["sops-wrong-key", sopsEncrypt("wrong-key", sopsPlain(C.sopsWrongKey.value), stranger.recipient)],
      ["sops-bad-mac", badMac],
    ] as const) {
      await kube.custom.createNamespacedCustomObject({
        ...sopsGroup, namespace: ns.name, body: { apiVersion: "kseal.dev/v1alpha1", kind: "SopsSecret", metadata: { name }, spec: { sops: doc } },
      });
    }

    // CLI runs that fail with canaries in their input.
    const badData = JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "x", namespace: ns.name }, data: { k: C.cliBadData.value } });
    expect((await cli("seal invalid base64", ["--cert", certFile, "-o", "json"], badData)).code).not.toBe(0);
    const badYaml = `apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData:\n  k: ${C.cliBadYaml.value}\n  - [unbalanced: {\n`;
    const badYamlRun = await cli("seal invalid yaml", ["--cert", certFile, "-o", "yaml"], badYaml);
    expect(badYamlRun.code).not.toBe(0);
    cliOutputs.push({ source: "cli seal invalid yaml stdout", text: badYamlRun.stdout });
    const mine = ageKeygen(dir, "mine");
    const macFile = join(dir, "cli-mac.yaml");
    writeFileSync(macFile, sopsEncrypt("cli-mac", sopsPlain(C.cliSopsMac.value), mine.recipient).replace("note_unencrypted: first", "note_unencrypted: second"));
    const macRun = await cli("sops decrypt broken MAC", ["sops", "decrypt", macFile], "", { SOPS_AGE_KEY: mine.identity });
    expect(macRun.code).toBe(1);
    cliOutputs.push({ source: "cli sops decrypt broken MAC stdout", text: macRun.stdout });
    const keyFile = join(dir, "cli-key.yaml");
    writeFileSync(keyFile, sopsEncrypt("cli-key", sopsPlain(C.cliSopsKey.value), stranger.recipient));
    const keyRun = await cli("sops decrypt wrong key", ["sops", "decrypt", keyFile], "", { SOPS_AGE_KEY: mine.identity });
    expect(keyRun.code).toBe(1);
    cliOutputs.push({ source: "cli sops decrypt wrong key stdout", text: keyRun.stdout });

    const badYamlFile = join(dir, "bad.yaml");
    writeFileSync(badYamlFile, `password: ${C.cliSopsEncYaml.value}\n  - [unbalanced: {\n`);
    expect((await cli("sops encrypt invalid yaml", ["sops", "encrypt", "--age", mine.recipient, badYamlFile])).code).not.toBe(0);
    const dataFile = join(dir, "data.yaml");
    writeFileSync(dataFile, `pw: ${JSON.stringify(C.cliTemplate.value)}\n`);
    const tplFile = join(dir, "failing.tpl");
    writeFileSync(tplFile, "{{ .pw | mustFromJson }}");
    expect((await cli("template render failing", ["template", "render", "--data", dataFile, tplFile])).code).not.toBe(0);
    const badDataFile = join(dir, "bad-data.yaml");
    writeFileSync(badDataFile, `pw: ${C.cliTemplateData.value}\n  - [unbalanced: {\n`);
    expect((await cli("template render bad data", ["template", "render", "--data", badDataFile, tplFile])).code).not.toBe(0);

    // The good paths deliver: the canaries really flowed through the operator.
    const wait = (what: string, name: string, pred: (d: Record<string, string>) => boolean): Promise<unknown> =>
      waitFor(what, async () => { const d = await secretText(kube, ns.name, name); return d !== undefined && pred(d) ? true : undefined; }, 90_000).catch((e: unknown) => {
        throw new Error(`${String(e)}; ${operatorState()}`);
      });
    await wait("OpenBao token-auth Secret", "db", (d) => d.PASSWORD === C.baoDb.value && d.DSN === `postgres://app:${C.baoDb.value}@db/app`);
    await wait("OpenBao kubernetes-auth Secret", "k8s-extract", (d) => d.api_key === C.baoApp.value);
    await wait("AWS Secret (property + find)", "aws", (d) => d.token === C.awsJson.value && Object.values(d).includes(C.awsFound.value));
    await wait("AWS Secret to be deleted", "doomed", (d) => d.v === C.awsDoomed.value);
    await wait("GCP Secret", "gcp", (d) => d.gcp_key === C.gcp.value);
    await wait("kseal-sealed Secret", "ss-kseal", (d) => d.pw === C.ssKseal.value);
    await wait("kubeseal-sealed Secret", "ss-kubeseal", (d) => d.pw === C.ssKubeseal.value);
    await wait("to-be-tampered Secret", "ss-tampered", (d) => d.pw === C.ssTampered.value);
    await wait("SOPS Secret", "sops-good", (d) => d.password === C.sopsGood.value);
    await wait("ClusterSecretStore Secret", "from-css", (d) => d.v === C.css.value);

    // Rotation, remote deletion, tampering.
    await baoApi(peers.vault, "POST", `secret/data/${prefix}/db`, { data: { user: "app", password: C.baoDbRotated.value } });
    await sm.send(new DeleteSecretCommand({ SecretId: `${prefix}/doomed`, ForceDeleteWithoutRecovery: true }));
    const current = (await kube.custom.getNamespacedCustomObject({ ...ssGroup, namespace: ns.name, name: "ss-tampered" })) as { spec: { encryptedData: Record<string, string> } };
    const blob = Buffer.from(current.spec.encryptedData.pw ?? "", "base64");
    blob[blob.length - 5] = (blob[blob.length - 5] ?? 0) ^ 0xff;
    await kube.custom.patchNamespacedCustomObject({
      ...ssGroup, namespace: ns.name, name: "ss-tampered", body: [{ op: "replace", path: "/spec/encryptedData/pw", value: blob.toString("base64") }],
    });
    await wait("rotated value", "db", (d) => d.PASSWORD === C.baoDbRotated.value);
    await waitFor("Secret deleted after the remote deletion", async () => ((await secretText(kube, ns.name, "doomed")) === undefined ? true : undefined), 60_000);
    await waitFor("workload restarted after the rotation", async () =>
      (await apps.readNamespacedDeployment({ namespace: ns.name, name: "api" })).spec?.template.metadata?.annotations?.["kseal.dev/restartedAt"], 30_000);

    // The error paths were taken (not merely pending): each reports its failure.
    // The error paths were taken after the value was read, each with its own message.
    const tpl = (fn: string, why: string): string => `template data "out" failed: template: 1:9: error calling ${fn}: ${why}`;
    const esRefused: [string, string][] = [
      ["t-json", tpl("mustFromJson", "invalid JSON")],
      ["t-field", 'template data "out" failed: template: 1:4: can\'t evaluate field nothere in type string'],
      ["t-pkcs", tpl("pkcs12key", "unable to decode pkcs12 with password: pkcs12: decryption or MAC verification failed")],
      ["t-jwk", tpl("jwkPublicKeyPem", "failed to parse JWK")],
      ["t-decode", 'value of "v" is not valid base64'],
      ["aws-extract-plain", `secret "${prefix}/plain" of store "aws" is not JSON`],
      ["aws-property-plain", `secret "${prefix}/plain" of store "aws" is not JSON`],
    ];
    for (const [name, message] of esRefused) {
      const c = await waitFor(`ExternalSecret ${name} refused`, async () => {
        const got = await condition("externalsecrets", es, name, "Ready");
        return got?.status === "False" ? got : undefined;
      }, 60_000);
      expect(c, name).toMatchObject({ reason: "SecretSyncedError", message });
      expect(await secretText(kube, ns.name, name), name).toBeUndefined();
    }
    for (const name of ["ss-wrong-scope", "ss-tampered", "ss-template"]) {
      await waitFor(`SealedSecret ${name} refused`, async () => ((await condition("sealedsecrets", ssGroup, name, "Synced"))?.status === "False" ? true : undefined), 60_000);
    }
    expect(await secretText(kube, ns.name, "ss-wrong-scope")).toBeUndefined();
    expect(await secretText(kube, ns.name, "ss-template")).toBeUndefined();
    // The operator's HTTP API on the refused blobs: verify (rate limit 2/s) and rotate.
    // (verify unseals fully, as Bitnami's does: a failing template is refused there too.)
    for (const [name, path, status] of [
      ["ss-wrong-scope", "verify", 409], ["ss-tampered", "verify", 409], ["ss-tampered", "rotate", 500], ["ss-template", "verify", 409],
    ] as const) {
      const body = (await kube.custom.getNamespacedCustomObject({ ...ssGroup, namespace: ns.name, name })) as object;
      await new Promise((r) => setTimeout(r, 1100));
      const res = await fetch(`${op?.apiUrl ?? ""}/v1/${path}`, { method: "POST", body: JSON.stringify(body) });
      const text = await res.text();
      expect(res.status, `${path} ${name}`).toBe(status);
      cliOutputs.push({ source: `api /v1/${path} ${name}`, text });
    }
    expect((await secretText(kube, ns.name, "ss-tampered"))?.pw).toBe(C.ssTampered.value); // the old Secret stays
    for (const [name, reason] of [["sops-wrong-key", "NoUsableKey"], ["sops-bad-mac", "MacMismatch"]] as const) {
      const c = await waitFor(`SopsSecret ${name} refused`, async () => {
        const got = await condition("sopssecrets", sopsGroup, name, "Ready");
        return got?.status === "False" ? got : undefined;
      }, 60_000);
      expect(c.reason, name).toBe(reason);
      expect(await secretText(kube, ns.name, name), name).toBeUndefined();
    }
    // Let the failing objects retry a few times, so repeated error paths are in the logs too.
    await new Promise((r) => setTimeout(r, 5000));

    // Collect every output.
    const sources: { source: string; text: string }[] = [...cliOutputs];
    sources.push({ source: "metrics", text: await (await fetch(`${op?.metricsUrl ?? ""}/metrics`)).text() });
    const events = await kube.core.listNamespacedEvent({ namespace: ns.name });
    expect(events.items.length).toBeGreaterThan(0);
    for (const e of events.items) sources.push({ source: `event ${e.metadata.name ?? ""}`, text: JSON.stringify(e, null, 1) });
    const kinds: [string, { group: string; version: string }][] = [
      ["externalsecrets", es], ["secretstores", es], ["sealedsecrets", ssGroup], ["sopssecrets", sopsGroup],
    ];
    for (const [plural, g] of kinds) {
      const list = (await kube.custom.listNamespacedCustomObject({ ...g, plural, namespace: ns.name })) as {
        items: { metadata: { name: string; annotations?: Record<string, string> }; status?: unknown }[];
      };
      expect(list.items.length, plural).toBeGreaterThan(0);
      for (const o of list.items) {
        sources.push({ source: `${plural}/${o.metadata.name} status+annotations`, text: JSON.stringify({ status: o.status, annotations: o.metadata.annotations }, null, 1) });
      }
    }
    for (const d of (await apps.listNamespacedDeployment({ namespace: ns.name })).items) {
      sources.push({ source: `deployment ${d.metadata?.name ?? ""} status+annotations`, text: JSON.stringify({ status: d.status, annotations: d.metadata?.annotations, tpl: d.spec?.template.metadata?.annotations }, null, 1) });
    }
    for (const s of (await kube.core.listNamespacedSecret({ namespace: ns.name })).items) {
      sources.push({ source: `secret ${s.metadata?.name ?? ""} labels+annotations`, text: JSON.stringify({ labels: s.metadata?.labels, annotations: s.metadata?.annotations }, null, 1) });
    }
    await op?.stop();
    sources.push({ source: "operator stdout+stderr", text: op?.lines.join("\n") ?? "" });
    expect(op?.lines.length ?? 0).toBeGreaterThan(10);

    const findings: Finding[] = sources.flatMap((s) => scan(s.source, s.text, [...all, baoToken]));
    expect(findings.map(describeFinding)).toEqual([]);
  }, 420_000);
});
