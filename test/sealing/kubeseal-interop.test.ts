/**
 * Interop vectors against the real `kubeseal` binary (offline modes: --cert, --raw,
 * --recovery-unseal), in both directions.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  encryptionLabel,
  hybridEncrypt,
  KeyRing,
  keySecret,
  parseDocuments,
  printObject,
  readKeyFile,
  sealSecret,
  unsealSealedSecret,
  type SealedSecret,
  type Secret,
} from "../../src/sealing/index.ts";
import { FIXTURES, kubeseal, seededRng, testKey } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "kseal-interop-"));
const older = testKey(new Date("2024-01-01T00:00:00Z"));
const newer = testKey(new Date("2025-01-01T00:00:00Z"));
const certFile = (pem: string, name: string) => {
  const p = join(dir, name);
  writeFileSync(p, pem);
  return p;
};
const olderCert = certFile(older.certificatePem, "older.pem");
const newerCert = certFile(newer.certificatePem, "newer.pem");
const ring = new KeyRing([older.key, newer.key]);

const input: Secret = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "db", namespace: "apps", labels: { team: "a" }, annotations: { note: "n" } },
  type: "kubernetes.io/basic-auth",
  data: { password: Buffer.from("hunter2").toString("base64") },
  stringData: { username: "admin" },
};
const yamlOf = (o: unknown) => printObject(o, "yaml");
const parse = (s: string) => parseDocuments(s)[0]?.object as SealedSecret;

describe("kubeseal seals, kseal opens", () => {
  it.each([
    { scope: "strict", reason: "label ns/name" },
    { scope: "namespace-wide", reason: "label ns" },
    { scope: "cluster-wide", reason: "empty label" },
  ])("$scope ($reason), with the newest of two keys", async ({ scope }) => {
    const ss = parse(await kubeseal(["--cert", newerCert, "--scope", scope, "-o", "yaml"], yamlOf(input)));
    const secret = unsealSealedSecret(ss, ring);
    expect(secret.data).toEqual({ password: Buffer.from("hunter2").toString("base64"), username: Buffer.from("admin").toString("base64") });
    expect(secret.type).toBe("kubernetes.io/basic-auth");
    expect(secret.metadata).toMatchObject({ name: "db", namespace: "apps", labels: { team: "a" }, annotations: { note: "n" } });
  });

  it("opens blobs sealed with an older key (multi-key, no hint)", async () => {
    const ss = parse(await kubeseal(["--cert", olderCert], JSON.stringify(input)));
    expect(ss.metadata.annotations).toBeUndefined();
    expect(unsealSealedSecret(ss, ring).data?.password).toBe(Buffer.from("hunter2").toString("base64"));
  });

  it("opens a --raw value placed into a SealedSecret", async () => {
    const blob = await kubeseal(["--cert", newerCert, "--raw", "--scope", "namespace-wide", "--namespace", "apps", "--from-file", `v=${certFile("raw!", "raw.txt")}`], "");
    const ss: SealedSecret = {
      apiVersion: "bitnami.com/v1alpha1",
      kind: "SealedSecret",
      metadata: { name: "anything", namespace: "apps", annotations: { "sealedsecrets.bitnami.com/namespace-wide": "true" } },
      spec: { encryptedData: { v: blob } },
    };
    expect(unsealSealedSecret(ss, ring).data?.v).toBe(Buffer.from("raw!").toString("base64"));
  });

  it("lays the SealedSecret out as kubeseal does (same fields, same order)", async () => {
    const theirs = JSON.parse(await kubeseal(["--cert", newerCert], JSON.stringify(input))) as SealedSecret;
    const ours = sealSecret(input, { publicKey: newer.key.publicKey });
    const shape = (o: SealedSecret) => JSON.stringify({ ...o, spec: { ...o.spec, encryptedData: Object.keys(o.spec.encryptedData ?? {}) } });
    expect(shape(ours)).toBe(shape(theirs));
  });

  describe("moved, tampered, truncated and wrong-key blobs fail with the one generic error", async () => {
    const ss = parse(await kubeseal(["--cert", newerCert, "-o", "yaml"], yamlOf(input)));
    const pw = ss.spec.encryptedData?.password ?? "";
    const raw = Buffer.from(pw, "base64");
    const tampered = Buffer.from(raw);
    tampered[raw.length - 20] = (tampered[raw.length - 20] ?? 0) ^ 0xff;
    const only = (blob: string) => ({ ...ss, spec: { ...ss.spec, encryptedData: { password: blob } } });
    const cases: { reason: string; ss: SealedSecret; keys: KeyRing }[] = [
      { reason: "strict blob moved to another name", ss: { ...only(pw), metadata: { ...ss.metadata, name: "db2" } }, keys: ring },
      { reason: "strict blob moved to another namespace", ss: { ...only(pw), metadata: { ...ss.metadata, namespace: "other" } }, keys: ring },
      { reason: "strict blob relabelled cluster-wide", ss: { ...only(pw), metadata: { ...ss.metadata, annotations: { "sealedsecrets.bitnami.com/cluster-wide": "true" } } }, keys: ring },
      { reason: "tampered ciphertext", ss: only(tampered.toString("base64")), keys: ring },
      { reason: "truncated blob", ss: only(raw.subarray(0, 200).toString("base64")), keys: ring },
      { reason: "wrong key", ss: only(pw), keys: new KeyRing([older.key]) },
    ];
    it.each(cases)("$reason", ({ ss: bad, keys }) => {
      let caught: unknown;
      try {
        unsealSealedSecret(bad, keys);
      } catch (e: unknown) {
        caught = e;
      }
      expect(caught).toMatchObject({ code: "SEALING_DECRYPT_FAILED", message: 'no key could decrypt item "password"' });
      expect((caught as Error).message).not.toContain("hunter2");
    });
  });
});

describe("kseal seals, kubeseal --recovery-unseal opens", () => {
  it.each([
    { scope: "strict" as const },
    { scope: "namespace-wide" as const },
    { scope: "cluster-wide" as const },
  ])("$scope, with a PEM private key", async ({ scope }) => {
    const ss = sealSecret(input, { publicKey: newer.key.publicKey, fingerprint: newer.key.fingerprint, scope });
    const keyFile = certFile(newer.privateKeyPem, "newer.key");
    const out = JSON.parse(await kubeseal(["--recovery-unseal", "--recovery-private-key", keyFile], JSON.stringify(ss))) as Secret;
    expect(out.data).toEqual({ password: Buffer.from("hunter2").toString("base64"), username: Buffer.from("admin").toString("base64") });
    expect(out.type).toBe("kubernetes.io/basic-auth");
  });

  it("with a key Secret backup in the shape kseal's controller stores (YAML)", async () => {
    const backup = { ...keySecret("kseal-system", older), metadata: { ...keySecret("kseal-system", older).metadata, name: "sealed-secrets-keyq1w2e" } };
    const keyFile = certFile(printObject(backup, "yaml"), "backup.yaml");
    const ss = sealSecret(input, { publicKey: older.key.publicKey });
    const out = JSON.parse(await kubeseal(["--recovery-unseal", "--recovery-private-key", keyFile], JSON.stringify(ss))) as Secret;
    expect(out.data?.username).toBe(Buffer.from("admin").toString("base64"));
  });

  it("a Bitnami-shaped key backup: kubeseal seals with its cert, kseal opens with the backup", async () => {
    const backup = readFileSync(join(FIXTURES, "bitnami-key-secret.yaml"), "utf8");
    const items = (parseDocuments(backup)[0]?.object as { items: Secret[] }).items;
    const crt = Buffer.from(items[0]?.data?.["tls.crt"] ?? "", "base64").toString();
    const ss = parse(await kubeseal(["--cert", certFile(crt, "bitnami.pem"), "-o", "yaml"], yamlOf(input)));
    const keys = new KeyRing(readKeyFile(backup, "bitnami-key-secret.yaml"));
    expect(unsealSealedSecret(ss, keys).data?.password).toBe(Buffer.from("hunter2").toString("base64"));
  });
});

describe("deprecated v1 spec.data", () => {
  it("opens a whole-Secret blob and forces name/namespace", () => {
    const inner = { kind: "Secret", apiVersion: "v1", metadata: { name: "db", namespace: "apps", labels: { v: "1" } }, data: { k: "dg==" }, type: "Opaque" };
    const blob = hybridEncrypt(seededRng("v1"), newer.key.publicKey, Buffer.from(JSON.stringify(inner)), encryptionLabel("apps", "db", "strict"));
    const ss: SealedSecret = { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: { name: "db", namespace: "apps", uid: "u1" }, spec: { data: blob.toString("base64") } };
    const s = unsealSealedSecret(ss, ring);
    expect(s.data).toEqual({ k: "dg==" });
    expect(s.metadata.labels).toEqual({ v: "1" });
    expect(s.metadata.ownerReferences).toEqual([{ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", name: "db", uid: "u1", controller: true }]);
    expect(() => unsealSealedSecret({ ...ss, metadata: { ...ss.metadata, name: "x" } }, ring)).toThrow(expect.objectContaining({ code: "SEALING_DECRYPT_FAILED" }));
  });
});
