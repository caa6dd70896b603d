import { readFileSync } from "node:fs";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decideRenewal,
  generateSealingKey,
  keyFingerprint,
  KeyRegistry,
  KeyRing,
  keySecret,
  parseKeySecret,
  parseSealingCertificate,
  readKeyFile,
  type KeySecretPort,
  type Secret,
} from "../../src/sealing/index.ts";
import { FIXTURES, testKey } from "./support.ts";

const DAY = 24 * 3600 * 1000;

describe("key generation", () => {
  it("makes an RSA-4096 key with a 10-year self-signed certificate and the configured CN", () => {
    const now = new Date("2025-06-01T12:00:00Z");
    const g = generateSealingKey({ now, commonName: "my-controller" });
    expect(g.privateKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/); // PKCS#1, as Bitnami stores it
    const cert = new X509Certificate(g.certificatePem);
    expect(cert.subject).toBe("CN=my-controller");
    expect(cert.issuer).toBe("CN=my-controller");
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(new Date(cert.validFrom).toISOString()).toBe(now.toISOString());
    expect(new Date(cert.validTo).getTime() - now.getTime()).toBe(10 * 365 * DAY);
    expect(cert.verify(cert.publicKey)).toBe(true);
  });

  it("stores the key Secret exactly as the Bitnami controller does", () => {
    const g = testKey();
    const s = keySecret("kseal-system", g);
    expect(s).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        generateName: "sealed-secrets-key",
        namespace: "kseal-system",
        labels: { "sealedsecrets.bitnami.com/sealed-secrets-key": "active" },
      },
      type: "kubernetes.io/tls",
      data: { "tls.crt": Buffer.from(g.certificatePem).toString("base64"), "tls.key": Buffer.from(g.privateKeyPem).toString("base64") },
    });
    const parsed = parseKeySecret({ ...s, metadata: { ...s.metadata, name: "sealed-secrets-keyabcde", creationTimestamp: "2025-02-03T00:00:00Z" } });
    expect(parsed?.fingerprint).toBe(g.key.fingerprint);
    expect(parsed?.createdAt.toISOString()).toBe("2025-02-03T00:00:00.000Z");
  });

  it("reads a key Secret list in Bitnami's shape and fingerprints it as OpenSSH does", () => {
    const keys = readKeyFile(readFileSync(join(FIXTURES, "bitnami-key-secret.yaml"), "utf8"), "bitnami-key-secret.yaml");
    expect(keys).toHaveLength(1);
    // ssh-keygen -lf of the same public key
    expect(keys[0]?.fingerprint).toBe("SHA256:gJJ7iEGd1X+uJK3q2+K3TShTfNYK3k0lFEjS8ILCOCM");
    expect(keys[0]?.createdAt.toISOString()).toBe("2024-03-01T10:00:00.000Z");
    expect(keys[0]?.secretName).toBe("sealed-secrets-keyx7k2p");
  });

  it.each([
    { reason: "not a Secret nor a PEM", content: "hello: world\n", code: "SEALING_BAD_KEY_FILE" },
    { reason: "a Secret without tls.key", content: "kind: Secret\nmetadata: {name: x}\ndata: {a: YQ==}\n", code: "SEALING_BAD_KEY_FILE" },
    { reason: "a broken tls.key", content: "kind: Secret\nmetadata: {name: x}\ndata: {tls.key: YQ==}\n", code: "SEALING_BAD_KEY" },
  ])("refuses key files: $reason", ({ content, code }) => {
    expect(() => readKeyFile(content, "f")).toThrow(expect.objectContaining({ code }));
  });
});

describe("certificates for sealing", () => {
  it("refuses an expired certificate", () => {
    const g = generateSealingKey({ now: new Date("2020-01-01T00:00:00Z"), bits: 2048, validityMs: DAY });
    expect(() => parseSealingCertificate(g.certificatePem, new Date("2020-01-03T00:00:00Z"))).toThrow(
      expect.objectContaining({ code: "SEALING_CERT_EXPIRED", message: "refusing to seal with a certificate that expired on 2020-01-02" }),
    );
  });
  it("refuses a non-RSA certificate", () => {
    const pem = readFileSync(join(FIXTURES, "ec-cert.pem"), "utf8");
    expect(() => parseSealingCertificate(pem, new Date())).toThrow(expect.objectContaining({ code: "SEALING_CERT_NOT_RSA" }));
  });
  it("refuses something that is not a certificate", () => {
    expect(() => parseSealingCertificate("nope", new Date())).toThrow(expect.objectContaining({ code: "SEALING_CERT_INVALID" }));
  });
  it("fingerprints the certificate's key like its private key", () => {
    const g = testKey();
    expect(parseSealingCertificate(g.certificatePem, new Date("2026-01-01")).fingerprint).toBe(keyFingerprint(g.key.publicKey));
  });
});

describe("key ring", () => {
  const old = testKey(new Date("2024-01-01T00:00:00Z"));
  const recent = testKey(new Date("2025-01-01T00:00:00Z"));
  it("seals with the newest key and tries the hinted key first", () => {
    const ring = new KeyRing([old.key, recent.key]);
    expect(ring.latest()?.fingerprint).toBe(recent.key.fingerprint);
    expect(ring.candidates()).toEqual([recent.key.privateKey, old.key.privateKey]);
    expect(ring.candidates(old.key.fingerprint)).toEqual([old.key.privateKey, recent.key.privateKey]);
    expect(ring.candidates("SHA256:unknown")).toEqual([recent.key.privateKey, old.key.privateKey]);
  });
});

describe("renewal decision", () => {
  const now = new Date("2025-06-01T00:00:00Z");
  const period = 30 * DAY;
  it.each([
    { reason: "no key at all", newest: null, cutoff: null, generate: true, why: "no-key" },
    { reason: "newest is 10 days old", newest: new Date(now.getTime() - 10 * DAY), cutoff: null, generate: false, why: "fresh" },
    { reason: "newest is exactly one period old", newest: new Date(now.getTime() - period), cutoff: null, generate: true, why: "period-elapsed" },
    { reason: "newest predates a passed cutoff", newest: new Date(now.getTime() - DAY), cutoff: new Date(now.getTime() - 3600_000), generate: true, why: "before-cutoff" },
    { reason: "cutoff still in the future", newest: new Date(now.getTime() - DAY), cutoff: new Date(now.getTime() + DAY), generate: false, why: "fresh" },
    { reason: "newest created after the cutoff", newest: new Date(now.getTime() - 3600_000), cutoff: new Date(now.getTime() - DAY), generate: false, why: "fresh" },
  ])("$reason", ({ newest, cutoff, generate, why }) => {
    const d = decideRenewal({ newestCreatedAt: newest, now, renewalPeriodMs: period, cutoff });
    expect(d).toMatchObject({ generate, reason: why });
  });
  it("says when the next key is due", () => {
    const newest = new Date(now.getTime() - 10 * DAY);
    expect(decideRenewal({ newestCreatedAt: newest, now, renewalPeriodMs: period }).nextAt?.toISOString()).toBe(new Date(now.getTime() + 20 * DAY).toISOString());
  });
  it("renewal period 0 disables periodic renewal but still creates the first key", () => {
    expect(decideRenewal({ newestCreatedAt: new Date(0), now, renewalPeriodMs: 0 })).toEqual({ generate: false, reason: "fresh", nextAt: null });
    expect(decideRenewal({ newestCreatedAt: null, now, renewalPeriodMs: 0 })).toMatchObject({ generate: true });
  });
});

describe("key registry over a fake port", () => {
  function fakePort(initial: Secret[]): KeySecretPort & { secrets: Secret[] } {
    const secrets = [...initial];
    return {
      secrets,
      listKeySecrets: (ns) => Promise.resolve(secrets.filter((s) => s.metadata.namespace === ns)),
      createKeySecret: (_ns, s) => {
        const stored = { ...s, metadata: { ...s.metadata, name: `sealed-secrets-key${secrets.length}`, creationTimestamp: "2025-06-01T00:00:00Z" } };
        secrets.push(stored);
        return Promise.resolve(stored);
      },
    };
  }
  it("creates a key at start when there is none, and never deletes old ones", async () => {
    const port = fakePort([]);
    const reg = new KeyRegistry({ port, namespace: "ops", bits: 2048 });
    const d = await reg.ensureFresh(new Date("2025-06-01T00:00:00Z"), 30 * DAY);
    expect(d.generate).toBe(true);
    expect(port.secrets).toHaveLength(1);
    const again = await reg.ensureFresh(new Date("2025-06-02T00:00:00Z"), 30 * DAY);
    expect(again.generate).toBe(false);
    await reg.rotate(new Date("2025-06-03T00:00:00Z"));
    expect(port.secrets).toHaveLength(2);
    expect(reg.ring.keys).toHaveLength(2);
  });
  it("skips a broken key Secret and reports it by name only", async () => {
    const good = testKey();
    const broken: Secret = { metadata: { name: "bad", namespace: "ops" }, data: { "tls.key": Buffer.from("garbage").toString("base64") } };
    const seen: string[] = [];
    const reg = new KeyRegistry({ port: fakePort([keySecret("ops", good), broken]), namespace: "ops", onBadKey: (n) => seen.push(n) });
    const ring = await reg.load();
    expect(ring.keys.map((k) => k.fingerprint)).toEqual([good.key.fingerprint]);
    expect(seen).toEqual(["bad"]);
  });
});
