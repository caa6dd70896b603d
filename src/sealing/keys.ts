/**
 * Sealing keys exactly as the Bitnami controller keeps them, so an existing installation's keys
 * are picked up as they are, and keys kseal creates are usable by the Bitnami controller:
 *
 * - RSA-4096 private key, stored as PKCS#1 PEM in `tls.key` of a `kubernetes.io/tls` Secret;
 * - a self-signed X.509 certificate (10-year validity, CN configurable, default `sealed-secret`)
 *   in `tls.crt`;
 * - `metadata.generateName: sealed-secrets-key`, label
 *   `sealedsecrets.bitnami.com/sealed-secrets-key: active`, in the operator's namespace.
 *
 * The fingerprint is the one Sealed Secrets uses to name keys in its logs and key map: the
 * OpenSSH SHA-256 fingerprint of the public key (`SHA256:` + unpadded base64 of the SHA-256 of
 * the `ssh-rsa` wire encoding). kseal writes it into the key-id hint annotation.
 *
 * Kubernetes I/O stays behind {@link KeySecretPort}; everything else here is pure.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from "node:crypto";
import { createRequire } from "node:module";
import type Forge from "node-forge";
import { KsealError } from "../errors.ts";
import type { Secret } from "./types.ts";

export const KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key";
export const KEY_LABEL_ACTIVE = "active";
export const KEY_GENERATE_NAME = "sealed-secrets-key";
export const DEFAULT_KEY_CN = "sealed-secret";
export const DEFAULT_KEY_BITS = 4096;
export const DEFAULT_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;
export const DEFAULT_RENEWAL_PERIOD_MS = 30 * 24 * 3600 * 1000;

/** One usable sealing key. */
export interface SealingKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly certificatePem: string;
  readonly fingerprint: string;
  /** When the key came into use: the Secret's creationTimestamp, else the certificate's notBefore. */
  readonly createdAt: Date;
  /** Name of the Secret it was read from, when known. */
  readonly secretName?: string;
}

/** A freshly generated key pair in the stored PEM forms. */
export interface GeneratedKey {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
}

export interface GenerateKeyOptions {
  readonly now: Date;
  readonly commonName?: string;
  readonly bits?: number;
  readonly validityMs?: number;
}

/**
 * Generates an RSA key (node:crypto) and a self-signed certificate for it (node-forge, which is
 * used for nothing else). Key usage and extended key usage follow Bitnami's certificate.
 */
export function generateSealingKey(options: GenerateKeyOptions): GeneratedKey {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: options.bits ?? DEFAULT_KEY_BITS });
  const privateKeyPem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const certificatePem = selfSignedCertificate(privateKeyPem, {
    now: options.now,
    commonName: options.commonName ?? DEFAULT_KEY_CN,
    validityMs: options.validityMs ?? DEFAULT_VALIDITY_MS,
  });
  return { privateKeyPem, certificatePem };
}

/**
 * node-forge, loaded on first use: only key generation needs it, and its ~40 CommonJS files cost
 * every `kseal seal` start-up otherwise.
 */
let forgeModule: typeof Forge | undefined;
function loadForge(): typeof Forge {
  forgeModule ??= createRequire(import.meta.url)("node-forge") as typeof Forge;
  return forgeModule;
}

/** A self-signed certificate for an RSA private key (PEM). */
export function selfSignedCertificate(
  privateKeyPem: string,
  options: { now: Date; commonName: string; validityMs: number },
): string {
  const forge = loadForge();
  const key = forge.pki.privateKeyFromPem(privateKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const serial = forge.random.getBytesSync(16);
  // A positive INTEGER: clear the top bit.
  cert.serialNumber = forge.util.bytesToHex(String.fromCharCode(serial.charCodeAt(0) & 0x7f) + serial.slice(1));
  cert.validity.notBefore = new Date(Math.floor(options.now.getTime() / 1000) * 1000);
  cert.validity.notAfter = new Date(cert.validity.notBefore.getTime() + options.validityMs);
  const subject = [{ name: "commonName", value: options.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** The key Secret as the Bitnami controller creates it (to be created with generateName). */
export function keySecret(namespace: string, key: GeneratedKey): Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      generateName: KEY_GENERATE_NAME,
      namespace,
      labels: { [KEY_LABEL]: KEY_LABEL_ACTIVE },
    },
    type: "kubernetes.io/tls",
    data: {
      "tls.crt": Buffer.from(key.certificatePem, "utf8").toString("base64"),
      "tls.key": Buffer.from(key.privateKeyPem, "utf8").toString("base64"),
    },
  };
}

/** The Sealed Secrets fingerprint of an RSA public key (OpenSSH SHA256 form). */
export function keyFingerprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: "jwk" });
  if (jwk.kty !== "RSA" || jwk.n === undefined || jwk.e === undefined) {
    throw new KsealError("SEALING_BAD_KEY", "fingerprints exist for RSA keys only");
  }
  const wire = Buffer.concat([
    sshString(Buffer.from("ssh-rsa")),
    sshString(mpint(Buffer.from(jwk.e, "base64url"))),
    sshString(mpint(Buffer.from(jwk.n, "base64url"))),
  ]);
  return `SHA256:${createHash("sha256").update(wire).digest("base64").replace(/=+$/, "")}`;
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function mpint(unsigned: Buffer): Buffer {
  let i = 0;
  while (i < unsigned.length - 1 && unsigned[i] === 0) i++;
  const trimmed = unsigned.subarray(i);
  return (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
}

/**
 * Parses an RSA private key in PEM (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`).
 * Throws SEALING_BAD_KEY (naming nothing of the key) when it is not one.
 */
export function parsePrivateKeyPem(pem: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch (e: unknown) {
    throw new KsealError("SEALING_BAD_KEY", "not a PEM private key", { cause: e });
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new KsealError("SEALING_BAD_KEY", "sealing keys must be RSA");
  }
  return key;
}

/** A parsed sealing certificate. */
export interface SealingCertificate {
  readonly publicKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly fingerprint: string;
}

/**
 * Parses the first certificate of a PEM bundle for sealing. Throws SEALING_CERT_INVALID when it
 * is not a certificate, SEALING_CERT_NOT_RSA when its key is not RSA, and SEALING_CERT_EXPIRED
 * when `now` is past its notAfter (kubeseal refuses the same).
 */
export function parseSealingCertificate(pem: string | Buffer, now: Date): SealingCertificate {
  const text = Buffer.isBuffer(pem) ? pem.toString("utf8") : pem;
  const block = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(text);
  if (block === null) throw new KsealError("SEALING_CERT_INVALID", "no PEM certificate found");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(block[0]);
  } catch (e: unknown) {
    throw new KsealError("SEALING_CERT_INVALID", "the certificate cannot be parsed", { cause: e });
  }
  const publicKey = cert.publicKey;
  if (publicKey.asymmetricKeyType !== "rsa") {
    throw new KsealError(
      "SEALING_CERT_NOT_RSA",
      `expected an RSA public key but the certificate holds ${publicKey.asymmetricKeyType ?? "an unknown"} key`,
    );
  }
  const notAfter = new Date(cert.validTo);
  if (now.getTime() > notAfter.getTime()) {
    throw new KsealError(
      "SEALING_CERT_EXPIRED",
      `refusing to seal with a certificate that expired on ${notAfter.toISOString().slice(0, 10)}`,
    );
  }
  return { publicKey, notBefore: new Date(cert.validFrom), notAfter, fingerprint: keyFingerprint(publicKey) };
}

/** A SealingKey from a private key PEM and optional certificate/creation time. */
export function sealingKeyFromPem(
  privateKeyPem: string | Buffer,
  extra: { certificatePem?: string; createdAt?: Date; secretName?: string } = {},
): SealingKey {
  const privateKey = parsePrivateKeyPem(privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  let createdAt = extra.createdAt;
  if (createdAt === undefined && extra.certificatePem !== undefined) {
    try {
      createdAt = new Date(new X509Certificate(extra.certificatePem).validFrom);
    } catch {
      // an unreadable certificate only costs the ordering hint
    }
  }
  return {
    privateKey,
    publicKey,
    certificatePem: extra.certificatePem ?? "",
    fingerprint: keyFingerprint(publicKey),
    createdAt: createdAt ?? new Date(0),
    ...(extra.secretName === undefined ? {} : { secretName: extra.secretName }),
  };
}

/**
 * Reads a key Secret (Bitnami's or kseal's — they are the same shape). Returns null when the
 * object is not a key Secret (no `tls.key`); throws SEALING_BAD_KEY when it is one but broken.
 */
export function parseKeySecret(secret: Secret): SealingKey | null {
  const keyB64 = secret.data?.["tls.key"];
  if (keyB64 === undefined) return null;
  const certB64 = secret.data?.["tls.crt"];
  const ts = secret.metadata.creationTimestamp;
  const createdAt = typeof ts === "string" && !Number.isNaN(Date.parse(ts)) ? new Date(ts) : undefined;
  return sealingKeyFromPem(Buffer.from(keyB64, "base64"), {
    ...(certB64 === undefined ? {} : { certificatePem: Buffer.from(certB64, "base64").toString("utf8") }),
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(secret.metadata.name === undefined ? {} : { secretName: secret.metadata.name }),
  });
}

/**
 * An immutable set of sealing keys, newest first. The newest seals; all of them open.
 */
export class KeyRing {
  readonly keys: readonly SealingKey[];

  constructor(keys: Iterable<SealingKey>) {
    const unique = new Map<string, SealingKey>();
    for (const k of keys) unique.set(k.fingerprint, k);
    this.keys = [...unique.values()].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  }

  /** The newest key, or null for an empty ring. */
  latest(): SealingKey | null {
    return this.keys[0] ?? null;
  }

  byFingerprint(fingerprint: string): SealingKey | null {
    return this.keys.find((k) => k.fingerprint === fingerprint) ?? null;
  }

  /** Private keys in the order to try them: the hinted key first (when known), then newest first. */
  candidates(hint?: string): KeyObject[] {
    const hinted = hint === undefined ? null : this.byFingerprint(hint);
    const rest = this.keys.filter((k) => k !== hinted).map((k) => k.privateKey);
    return hinted === null ? rest : [hinted.privateKey, ...rest];
  }

  with(key: SealingKey): KeyRing {
    return new KeyRing([...this.keys, key]);
  }
}

/** Whether to create a new key now, and when to look again. */
export interface RenewalDecision {
  readonly generate: boolean;
  readonly reason: "no-key" | "period-elapsed" | "before-cutoff" | "fresh";
  /** When the newest key will be due, or null when renewal is disabled (period 0). */
  readonly nextAt: Date | null;
}

/**
 * Pure renewal decision (Bitnami's rules): a key is due when there is none, when the newest is
 * older than `renewalPeriodMs` (0 disables periodic renewal), or when it was created before
 * `cutoff` (the `--key-cutoff-time` flag).
 */
export function decideRenewal(input: {
  newestCreatedAt: Date | null;
  now: Date;
  renewalPeriodMs: number;
  cutoff?: Date | null;
}): RenewalDecision {
  const { newestCreatedAt, now, renewalPeriodMs } = input;
  const afterNew = renewalPeriodMs > 0 ? new Date(now.getTime() + renewalPeriodMs) : null;
  if (newestCreatedAt === null) return { generate: true, reason: "no-key", nextAt: afterNew };
  if (input.cutoff != null && newestCreatedAt.getTime() < input.cutoff.getTime() && now.getTime() >= input.cutoff.getTime()) {
    return { generate: true, reason: "before-cutoff", nextAt: afterNew };
  }
  if (renewalPeriodMs <= 0) return { generate: false, reason: "fresh", nextAt: null };
  const due = newestCreatedAt.getTime() + renewalPeriodMs;
  if (now.getTime() >= due) return { generate: true, reason: "period-elapsed", nextAt: afterNew };
  return { generate: false, reason: "fresh", nextAt: new Date(due) };
}

/**
 * The Kubernetes I/O the key registry needs: list the labelled key Secrets of one namespace and
 * create one. The controller backs it with the API server; tests with an in-memory fake.
 * Both throw on transport/permission failures (the caller retries with backoff).
 */
export interface KeySecretPort {
  listKeySecrets(namespace: string): Promise<Secret[]>;
  /** Creates `secret` (which uses generateName) and returns the stored object. */
  createKeySecret(namespace: string, secret: Secret): Promise<Secret>;
}

/**
 * Loads, renews and serves the controller's keys. Old keys are never deleted. Key Secrets that
 * are broken are skipped and reported through `onBadKey` (by name only).
 */
export class KeyRegistry {
  #ring = new KeyRing([]);
  readonly #port: KeySecretPort;
  readonly #namespace: string;
  readonly #commonName: string;
  readonly #bits: number;
  readonly #onBadKey: (secretName: string, e: unknown) => void;

  constructor(options: {
    port: KeySecretPort;
    namespace: string;
    commonName?: string;
    bits?: number;
    onBadKey?: (secretName: string, e: unknown) => void;
  }) {
    this.#port = options.port;
    this.#namespace = options.namespace;
    this.#commonName = options.commonName ?? DEFAULT_KEY_CN;
    this.#bits = options.bits ?? DEFAULT_KEY_BITS;
    this.#onBadKey = options.onBadKey ?? (() => undefined);
  }

  get ring(): KeyRing {
    return this.#ring;
  }

  /** Re-reads every key Secret. */
  async load(): Promise<KeyRing> {
    const keys: SealingKey[] = [];
    for (const s of await this.#port.listKeySecrets(this.#namespace)) {
      try {
        const k = parseKeySecret(s);
        if (k !== null) keys.push(k);
      } catch (e: unknown) {
        this.#onBadKey(s.metadata.name ?? "(unnamed)", e);
      }
    }
    this.#ring = new KeyRing(keys);
    return this.#ring;
  }

  /** Creates a new key unconditionally (on demand or when {@link decideRenewal} says so). */
  async rotate(now: Date): Promise<SealingKey> {
    const generated = generateSealingKey({ now, commonName: this.#commonName, bits: this.#bits });
    const stored = await this.#port.createKeySecret(this.#namespace, keySecret(this.#namespace, generated));
    const key = parseKeySecret(stored) ?? sealingKeyFromPem(generated.privateKeyPem, { certificatePem: generated.certificatePem, createdAt: now });
    this.#ring = this.#ring.with(key);
    return key;
  }

  /** Loads, then creates a key when due. Returns the decision taken (with when to look again). */
  async ensureFresh(now: Date, renewalPeriodMs: number, cutoff: Date | null = null): Promise<RenewalDecision> {
    await this.load();
    const decision = decideRenewal({ newestCreatedAt: this.#ring.latest()?.createdAt ?? null, now, renewalPeriodMs, cutoff });
    if (decision.generate) await this.rotate(now);
    return decision;
  }
}
