/**
 * Keyed drift detection. ESO stamps an unkeyed hash of the data on the Secret (anyone who can read
 * the annotation can test guesses of a low-entropy value against it, and anyone who edits the
 * Secret can recompute it). kseal stamps HMAC-SHA256 under a key kept in a Secret of the
 * operator's namespace: the annotation reveals nothing without the key and cannot be forged.
 *
 * Canonical input (version-prefixed, unambiguous): `kseal-es-v1\n` then, for each managed key in
 * sorted order, `len(key):key:len(value):value`, then `type:<type>`.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { secretKeyOf } from "../../support/secret-key.ts";

const PREFIX = "v1:";
const encoder = new TextEncoder();

function canonical(data: Readonly<Record<string, Uint8Array>>, keys: readonly string[], type: string): Buffer {
  const parts: Buffer[] = [Buffer.from("kseal-es-v1\n")];
  for (const k of [...keys].sort()) {
    const v = data[k] ?? new Uint8Array();
    const kb = encoder.encode(k);
    parts.push(Buffer.from(`${kb.length}:`), Buffer.from(kb), Buffer.from(`:${v.length}:`), Buffer.from(v), Buffer.from("\n"));
  }
  parts.push(Buffer.from(`type:${type}`));
  return Buffer.concat(parts);
}

/** The annotation value for `keys` of `data` (keys absent from data hash as empty). */
export function dataHmac(key: Uint8Array, data: Readonly<Record<string, Uint8Array>>, keys: readonly string[], type: string): string {
  return PREFIX + createHmac("sha256", secretKeyOf(key)).update(canonical(data, keys, type)).digest("base64url");
}

/** Constant-time check that `annotation` is the HMAC of the observed data. False on any mismatch or malformed value. */
export function verifyHmac(
  key: Uint8Array,
  annotation: string | undefined,
  data: Readonly<Record<string, Uint8Array>>,
  keys: readonly string[],
  type: string,
): boolean {
  if (annotation?.startsWith(PREFIX) !== true) return false;
  const want = Buffer.from(dataHmac(key, data, keys, type));
  const got = Buffer.from(annotation);
  return want.length === got.length && timingSafeEqual(want, got);
}
