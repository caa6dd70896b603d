/**
 * Stable keyed digests of Secret data, for writers that have no digest of their own to report
 * (SealedSecret and SOPS Secrets; ExternalSecret-managed Secrets report their HMAC annotation).
 *
 * Rollout records outlive the operator process (decide.ts), so the digest must be the same in every
 * process: it is keyed with a key derived from the cluster-held HMAC key (the Secret
 * `kseal-externalsecret-hmac` of the operator's namespace), never a per-process one. Derived with
 * HKDF-SHA256 for this purpose only, so it never produces a value comparable with the ExternalSecret
 * annotations made under the parent key. Without the key the digest says nothing about the data.
 *
 * Canonical input (version-prefixed, unambiguous): `kseal-rollout-v1\n` then, for each data key in
 * sorted order, `len(key):key:len(value):value\n` over the decoded bytes (so two spellings of the
 * same base64 are the same content). The Secret's type, labels and annotations do not count.
 */
import { createHmac, createSecretKey, hkdfSync, type KeyObject } from "node:crypto";

const INFO = "kseal.dev/rollout secret-data digest v1";

/** The rollout digest key derived from the cluster-held HMAC key. */
export function rolloutDigestKey(clusterKey: Uint8Array): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync("sha256", clusterKey, new Uint8Array(0), INFO, 32)));
}

/** The digest of a Secret's `data` (base64 values, as the API serves them); `d1:` + base64url. */
export function secretDataDigest(key: KeyObject, data: Readonly<Record<string, string>> | undefined): string {
  const h = createHmac("sha256", key).update("kseal-rollout-v1\n");
  const d = data ?? {};
  for (const k of Object.keys(d).sort()) {
    const kb = Buffer.from(k, "utf8");
    const v = Buffer.from(d[k] ?? "", "base64");
    h.update(`${String(kb.length)}:`).update(kb).update(`:${String(v.length)}:`).update(v).update("\n");
  }
  return `d1:${h.digest("base64url")}`;
}
