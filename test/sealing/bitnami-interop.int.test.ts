// Interop with the REAL Bitnami sealed-secrets controller (v0.36.6 peer binary) on the real API server:
// kseal-sealed blobs opened by it, its keys used by kseal-operator and kseal's keys used by it, and
// both controllers' HTTP APIs (/v1/cert.pem, /v1/verify, /v1/rotate) giving the same answers.
//
// Not testable here: kubeseal's and kseal's default path to the controller, the API server's Service
// proxy (`/api/v1/namespaces/<ns>/services/http:<name>:/proxy/v1/...`). Both controllers run as
// processes on loopback, and the API server refuses Endpoints on loopback addresses, so no Service
// can point at them. The endpoints are therefore called directly, the CLI uses the URL form of
// `--cert`, and its --validate/--re-encrypt go through a loopback stand-in for that proxy hop.
import { X509Certificate } from "node:crypto";
import type { Server } from "node:http";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCliCaptured } from "../../cli/kseal/run.ts";
import { waitFor } from "../peers/process.ts";
import { BITNAMI_KEY_SELECTOR, startBitnami, type RunningBitnami } from "../support/bitnami.ts";
import { runPeer } from "../support/bins.ts";
import { createNamespace, testKube } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { startServiceProxy } from "../support/service-proxy.ts";

const kube = testKube();
const group = { group: "bitnami.com", version: "v1alpha1", plural: "sealedsecrets" };
const SCOPES = ["strict", "namespace-wide", "cluster-wide"] as const;
const dir = mkdtempSync(join(tmpdir(), "kseal-bitnami-interop-"));

interface Namespace { name: string; remove: () => Promise<void> }
interface SealedJson {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: { encryptedData: Record<string, string>; template?: { metadata?: { name?: string } } };
}

function secretJson(namespace: string, name: string, data: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: "v1", kind: "Secret", metadata: { name, namespace },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  });
}

async function kseal(args: string[], input: string): Promise<{ code: number; out: string; err: string }> {
  const r = await runCliCaptured(args, input, { cwd: dir });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

/** Seals with the kseal CLI using the URL form of --cert. */
async function ksealSealJson(certUrl: string, scope: string, secret: string): Promise<SealedJson> {
  const r = await kseal(["--cert", certUrl, "--scope", scope, "-o", "json"], secret);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as SealedJson;
}

async function secretValue(namespace: string, name: string, key: string): Promise<string | undefined> {
  const s = await kube.core.readNamespacedSecret({ namespace, name }).catch(() => undefined);
  const v = s?.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
}

async function syncedStatus(namespace: string, name: string): Promise<string | undefined> {
  const ss = (await kube.custom.getNamespacedCustomObject({ ...group, namespace, name })) as {
    status?: { conditions?: { type: string; status: string }[] };
  };
  return ss.status?.conditions?.find((c) => c.type === "Synced")?.status;
}

async function keyNames(namespace: string): Promise<string[]> {
  const keys = await kube.core.listNamespacedSecret({ namespace, labelSelector: BITNAMI_KEY_SELECTOR });
  return keys.items.map((s) => s.metadata?.name ?? "").sort();
}

async function certPem(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/cert.pem`);
  expect(res.status).toBe(200);
  return res.text();
}

/** Public-key fingerprint of a PEM certificate, so formatting differences cannot matter. */
function spki(pem: string): string {
  return new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" }).toString("base64");
}

async function ksealCert(op: RunningOperatorProcess): Promise<string> {
  return waitFor("kseal-operator's sealing certificate", async () => {
    const res = await fetch(`${op.apiUrl}/v1/cert.pem`);
    return res.status === 200 ? res.text() : undefined;
  }, 90_000).catch((e: unknown) => {
    throw new Error(`${String(e)}\noperator log:\n${op.lines.slice(-40).join("\n")}`);
  });
}

async function create(namespace: string, body: SealedJson): Promise<void> {
  await kube.custom.createNamespacedCustomObject({ ...group, namespace, body });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The Service-proxy stand-in ({@link startServiceProxy}) in front of `target`, serving HTTPS with the
 * test API server's own serving certificate (from the harness's pki directory), as the CLI's
 * Kubernetes client expects TLS.
 */
async function serviceProxy(target: string, name: string): Promise<{ kubeconfig: string; server: Server }> {
  const { caFile } = inject("peers").kube;
  const tls = { cert: readFileSync(join(dirname(caFile), "apiserver.crt")), key: readFileSync(join(dirname(caFile), "apiserver.key")), caFile };
  return startServiceProxy({ target, service: name, dir, namespace: "default", tls });
}

beforeAll(async () => {
  await applyProjectCrds(kube, "bitnami.com_sealedsecrets.yaml");
});

describe("keys generated by the Bitnami controller", () => {
  let home: Namespace; // the Bitnami controller's namespace: its keys, and the SealedSecrets it opens
  let watched: Namespace; // where kseal-operator (using Bitnami's key) opens SealedSecrets
  let bitnami: RunningBitnami;
  let op: RunningOperatorProcess;
  let bitnamiKeys: string[];

  beforeAll(async () => {
    home = await createNamespace(kube, "bitnami-home");
    watched = await createNamespace(kube, "kseal-watched");
    bitnami = await startBitnami(kube, { namespace: home.name });
    bitnamiKeys = await keyNames(home.name);
    op = await startOperator({
      namespace: home.name,
      args: [`--watch-namespace=${watched.name}`, "--controllers=sealedsecret"],
    });
    await ksealCert(op);
  });

  afterAll(async () => {
    await op.stop();
    await bitnami.stop();
    await home.remove();
    await watched.remove();
  });

  it("the Bitnami controller generated exactly one key, Bitnami's Secret layout", async () => {
    expect(bitnamiKeys).toHaveLength(1);
    const key = await kube.core.readNamespacedSecret({ namespace: home.name, name: bitnamiKeys[0] ?? "" });
    expect(key.type).toBe("kubernetes.io/tls");
    expect(Object.keys(key.data ?? {}).sort()).toEqual(["tls.crt", "tls.key"]);
  });

  it.each(SCOPES)("kseal-sealed (--cert URL of the Bitnami controller) with scope %s is opened by the real Bitnami controller", async (scope) => {
    const name = `kseal-${scope}`;
    const sealed = await ksealSealJson(`${bitnami.url}/v1/cert.pem`, scope, secretJson(home.name, name, { password: `pw-${scope}` }));
    await create(home.name, sealed);
    await waitFor(`Secret ${name} from the Bitnami controller`, async () => (await secretValue(home.name, name, "password")) === `pw-${scope}`, 60_000)
      .catch((e: unknown) => {
        throw new Error(`${String(e)}\ncontroller log:\n${bitnami.process.logTail(30)}`);
      });
    await waitFor("Bitnami's Synced=True", async () => (await syncedStatus(home.name, name)) === "True", 30_000);
  });

  it("kseal-operator started in that namespace serves the Bitnami key and creates none", async () => {
    const [fromKseal, fromBitnami] = await Promise.all([certPem(op.apiUrl), certPem(bitnami.url)]);
    expect(spki(fromKseal)).toBe(spki(fromBitnami));
    expect(await keyNames(home.name)).toEqual(bitnamiKeys);
  });

  it.each(SCOPES)("kubeseal-sealed with the Bitnami cert, scope %s, is opened by kseal-operator", async (scope) => {
    const certFile = join(dir, "bitnami-cert.pem");
    writeFileSync(certFile, await certPem(bitnami.url));
    const name = `kubeseal-${scope}`;
    const r = runPeer("kubeseal", ["--cert", certFile, "--scope", scope, "-o", "json"], { input: secretJson(watched.name, name, { token: `t-${scope}` }) });
    expect(r.status, r.stderr).toBe(0);
    await create(watched.name, JSON.parse(r.stdout) as SealedJson);
    await waitFor(`Secret ${name} from kseal-operator`, async () => (await secretValue(watched.name, name, "token")) === `t-${scope}`, 60_000);
  });

  it("`kseal --cert URL --fetch-cert` prints the same certificate from both controllers", async () => {
    const a = await kseal(["--cert", `${bitnami.url}/v1/cert.pem`, "--fetch-cert"], "");
    const b = await kseal(["--cert", `${op.apiUrl}/v1/cert.pem`, "--fetch-cert"], "");
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    expect(spki(a.out)).toBe(spki(b.out));
  });

  describe("POST /v1/verify and /v1/rotate (kseal's --validate / --re-encrypt) answer alike on both controllers", () => {
    let good: SealedJson;
    let foreign: SealedJson;

    beforeAll(async () => {
      good = await ksealSealJson(`${bitnami.url}/v1/cert.pem`, "strict", secretJson(home.name, "verify-me", { a: "b" }));
      // A key neither controller holds: one generated by a kseal-operator in a scratch namespace.
      const scratch = await createNamespace(kube, "scratch-key");
      const other = await startOperator({ namespace: scratch.name, args: ["--controllers=sealedsecret"] });
      try {
        const pem = await ksealCert(other);
        const certFile = join(dir, "foreign-cert.pem");
        writeFileSync(certFile, pem);
        const r = await kseal(["--cert", certFile, "-o", "json"], secretJson(home.name, "verify-me", { a: "b" }));
        expect(r.code, r.err).toBe(0);
        foreign = JSON.parse(r.out) as SealedJson;
      } finally {
        await other.stop();
        await scratch.remove();
      }
    });

    function moved(ss: SealedJson): SealedJson {
      const copy = structuredClone(ss);
      copy.metadata.name = "someone-else";
      if (copy.spec.template?.metadata !== undefined) copy.spec.template.metadata.name = "someone-else";
      return copy;
    }

    function tampered(ss: SealedJson): SealedJson {
      const copy = structuredClone(ss);
      const blob = Buffer.from(copy.spec.encryptedData.a ?? "", "base64");
      blob[blob.length - 3] = (blob[blob.length - 3] ?? 0) ^ 0x01;
      copy.spec.encryptedData.a = blob.toString("base64");
      return copy;
    }

    const cases: { name: string; body: () => SealedJson; verify: number; rotate: number; reason: string }[] = [
      { name: "sealed for its own name", body: () => good, verify: 200, rotate: 200, reason: "the shared key opens it" },
      { name: "moved to another name", body: () => moved(good), verify: 409, rotate: 500, reason: "the strict label no longer matches" },
      { name: "one bit flipped in the GCM tag", body: () => tampered(good), verify: 409, rotate: 500, reason: "authentication fails" },
      { name: "sealed for a key neither holds", body: () => foreign, verify: 409, rotate: 500, reason: "no key opens it" },
    ];

    it.each(cases)("$name: verify $verify, rotate $rotate ($reason)", async (c) => {
      const body = JSON.stringify(c.body());
      const post = (url: string, path: string): Promise<Response> => fetch(`${url}${path}`, { method: "POST", body });
      // Both rate-limit /v1/verify at 2/s with burst 2; one request each per case, spaced out.
      await sleep(1100);
      const [vb, vk] = await Promise.all([post(bitnami.url, "/v1/verify"), post(op.apiUrl, "/v1/verify")]);
      expect({ bitnami: vb.status, kseal: vk.status }).toEqual({ bitnami: c.verify, kseal: c.verify });
      const [rb, rk] = await Promise.all([post(bitnami.url, "/v1/rotate"), post(op.apiUrl, "/v1/rotate")]);
      expect({ bitnami: rb.status, kseal: rk.status }).toEqual({ bitnami: c.rotate, kseal: c.rotate });
      if (c.rotate !== 200) return;
      // Each controller's re-encrypted output is opened by the other one. Bitnami's reply carries no
      // apiVersion/kind (it marshals the object without its TypeMeta); kubeseal adds them when it decodes
      // the reply, so do the same here.
      const fromBitnami = JSON.stringify({ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", ...(await rb.json() as object) });
      const fromKseal = await rk.text();
      await sleep(1100);
      const [cross1, cross2] = await Promise.all([
        fetch(`${op.apiUrl}/v1/verify`, { method: "POST", body: fromBitnami }),
        fetch(`${bitnami.url}/v1/verify`, { method: "POST", body: fromKseal }),
      ]);
      expect({ ksealOpensBitnami: cross1.status, bitnamiOpensKseal: cross2.status }).toEqual({ ksealOpensBitnami: 200, bitnamiOpensKseal: 200 });
    });
  });

  describe("the kseal CLI's --validate and --re-encrypt against both controllers (through a stand-in Service proxy)", () => {
    const proxies: Server[] = [];
    let targets: { controller: string; kubeconfig: string }[];
    let good: string;

    beforeAll(async () => {
      targets = [];
      for (const [controller, url] of [["bitnami", bitnami.url], ["kseal", op.apiUrl]] as const) {
        const p = await serviceProxy(url, "sealed-secrets-controller");
        proxies.push(p.server);
        targets.push({ controller, kubeconfig: p.kubeconfig });
      }
      good = JSON.stringify(await ksealSealJson(`${bitnami.url}/v1/cert.pem`, "strict", secretJson(home.name, "cli-me", { a: "b" })));
    });

    afterAll(() => {
      for (const p of proxies) p.close();
    });

    const cli = (kubeconfig: string, flag: string, input: string): Promise<{ code: number; out: string; err: string }> =>
      kseal([flag, "--kubeconfig", kubeconfig, "--controller-namespace", "kube-system", "-o", "json"], input);

    it("--validate: 0 for a blob both can open, 1 with the generic message for a moved one, on both", async () => {
      const movedBlob = JSON.parse(good) as SealedJson;
      movedBlob.metadata.name = "elsewhere";
      const answers: Record<string, number[]> = {};
      for (const t of targets) {
        await sleep(1100);
        const ok = await cli(t.kubeconfig, "--validate", good);
        const refused = await cli(t.kubeconfig, "--validate", JSON.stringify(movedBlob));
        expect(refused.err).toContain("unable to decrypt sealed secret");
        answers[t.controller] = [ok.code, refused.code];
      }
      expect(answers).toEqual({ bitnami: [0, 1], kseal: [0, 1] });
    });

    it("--re-encrypt: both give a SealedSecret the other controller opens", async () => {
      const outputs: Record<string, string> = {};
      for (const t of targets) {
        const r = await cli(t.kubeconfig, "--re-encrypt", good);
        expect(r.code, `${t.controller}: ${r.err}`).toBe(0);
        const body = JSON.parse(r.out) as SealedJson & { kind: string };
        expect(body.kind).toBe("SealedSecret");
        expect(body.metadata.name).toBe("cli-me");
        outputs[t.controller] = r.out;
      }
      await sleep(1100);
      const [a, b] = await Promise.all([
        fetch(`${op.apiUrl}/v1/verify`, { method: "POST", body: outputs.bitnami ?? "" }),
        fetch(`${bitnami.url}/v1/verify`, { method: "POST", body: outputs.kseal ?? "" }),
      ]);
      expect({ ksealOpensBitnamis: a.status, bitnamiOpensKseals: b.status }).toEqual({ ksealOpensBitnamis: 200, bitnamiOpensKseals: 200 });
    });
  });
});

describe("keys generated by kseal-operator", () => {
  let home: Namespace; // kseal-operator's key namespace, where the Bitnami controller then runs
  let watched: Namespace; // kseal-operator's own watch namespace, kept apart so the two never race
  let op: RunningOperatorProcess;
  let bitnami: RunningBitnami;
  let ksealKeys: string[];
  let ksealPem: string;

  beforeAll(async () => {
    home = await createNamespace(kube, "kseal-home");
    watched = await createNamespace(kube, "kseal-own");
    op = await startOperator({ namespace: home.name, args: [`--watch-namespace=${watched.name}`, "--controllers=sealedsecret"] });
    ksealPem = await ksealCert(op);
    ksealKeys = await waitFor("kseal's key Secret", async () => {
      const names = await keyNames(home.name);
      return names.length > 0 ? names : undefined;
    });
    bitnami = await startBitnami(kube, { namespace: home.name, args: ["--key-renew-period=0"] });
  });

  afterAll(async () => {
    await bitnami.stop();
    await op.stop();
    await home.remove();
    await watched.remove();
  });

  it("the real Bitnami controller serves kseal's key and generates none", async () => {
    expect(ksealKeys).toHaveLength(1);
    expect(spki(await certPem(bitnami.url))).toBe(spki(ksealPem));
    expect(await keyNames(home.name)).toEqual(ksealKeys);
  });

  it.each(SCOPES)("kseal-sealed (--cert URL of kseal-operator) with scope %s is opened by the real Bitnami controller", async (scope) => {
    const name = `kseal-${scope}`;
    const sealed = await ksealSealJson(`${op.apiUrl}/v1/cert.pem`, scope, secretJson(home.name, name, { password: `pw-${scope}` }));
    expect(Object.keys(sealed.metadata.annotations ?? {})).toContain("kseal.io/sealing-key");
    await create(home.name, sealed);
    await waitFor(`Secret ${name} from the Bitnami controller`, async () => (await secretValue(home.name, name, "password")) === `pw-${scope}`, 60_000)
      .catch((e: unknown) => {
        throw new Error(`${String(e)}\ncontroller log:\n${bitnami.process.logTail(30)}`);
      });
    await waitFor("Bitnami's Synced=True", async () => (await syncedStatus(home.name, name)) === "True", 30_000);
  });

  it("both controllers answer /v1/verify alike for a kseal-sealed blob and for the same blob moved", async () => {
    const sealed = await ksealSealJson(`${bitnami.url}/v1/cert.pem`, "strict", secretJson(home.name, "v", { k: "v" }));
    const movedBlob = structuredClone(sealed);
    movedBlob.metadata.name = "elsewhere";
    for (const [body, expected] of [[sealed, 200], [movedBlob, 409]] as const) {
      await sleep(1100);
      const text = JSON.stringify(body);
      const [b, k] = await Promise.all([
        fetch(`${bitnami.url}/v1/verify`, { method: "POST", body: text }),
        fetch(`${op.apiUrl}/v1/verify`, { method: "POST", body: text }),
      ]);
      expect({ bitnami: b.status, kseal: k.status }).toEqual({ bitnami: expected, kseal: expected });
    }
  });
});
