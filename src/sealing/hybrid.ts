/**
 * The Sealed Secrets hybrid wire format, byte for byte.
 *
 * ```
 * blob = uint16be(len(rsaCiphertext)) ‖ rsaCiphertext ‖ gcmCiphertext ‖ gcmTag(16)
 *   sessionKey    = 32 random bytes
 *   rsaCiphertext = RSA-OAEP(SHA-256 for OAEP and MGF1, label)(publicKey, sessionKey)
 *   gcm*          = AES-256-GCM(sessionKey, nonce = 12 zero bytes, no AAD)(plaintext)
 * ```
 *
 * The zero nonce is safe because every session key is fresh and used once. The label binds the
 * blob to its scope (see scope.ts): opening it under another label fails in RSA-OAEP.
 * In `spec.encryptedData` the blob is base64 (standard alphabet, padded).
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import { KsealError } from "../errors.ts";

/** A source of random bytes; injected so sealing is a function of its inputs in tests. */
export type Rng = (size: number) => Buffer;

export const defaultRng: Rng = (size) => randomBytes(size);

const SESSION_KEY_BYTES = 32;
const GCM_TAG_BYTES = 16;
const ZERO_NONCE = Buffer.alloc(12);

/** The one error every failed open raises, whatever went wrong: it says nothing about why. */
export const DECRYPT_FAILED = "SEALING_DECRYPT_FAILED";

export function decryptFailed(): KsealError {
  return new KsealError(DECRYPT_FAILED, "no key could decrypt the sealed value");
}

/**
 * Seals `plaintext` for `publicKey` under `label`. The session key comes from `rng`; the OAEP
 * seed comes from OpenSSL (Node offers no way to inject it), so two seals of the same input differ.
 * Throws KsealError SEALING_BAD_KEY when the key is not RSA.
 */
export function hybridEncrypt(
  rng: Rng,
  publicKey: KeyObject,
  plaintext: Uint8Array,
  label: Uint8Array,
): Buffer {
  if (publicKey.asymmetricKeyType !== "rsa") {
    throw new KsealError("SEALING_BAD_KEY", "sealing needs an RSA public key");
  }
  const sessionKey = rng(SESSION_KEY_BYTES);
  if (sessionKey.length !== SESSION_KEY_BYTES) {
    throw new KsealError("SEALING_BAD_RNG", "the random source returned a short read");
  }
  const rsaCiphertext = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: label },
    sessionKey,
  );
  const cipher = createCipheriv("aes-256-gcm", sessionKey, ZERO_NONCE);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  const header = Buffer.alloc(2);
  header.writeUInt16BE(rsaCiphertext.length);
  return Buffer.concat([header, rsaCiphertext, body]);
}

/**
 * Opens `blob` with one private key. Returns null when this key cannot open it (wrong key,
 * wrong label, tampered or truncated blob) — callers try the next key and finally raise
 * {@link decryptFailed}; no reason is ever reported, so nothing leaks.
 */
export function tryDecrypt(privateKey: KeyObject, blob: Uint8Array, label: Uint8Array): Buffer | null {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < 2) return null;
  const rsaLength = buf.readUInt16BE(0);
  if (buf.length < 2 + rsaLength + GCM_TAG_BYTES) return null;
  let sessionKey: Buffer;
  try {
    sessionKey = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: label },
      buf.subarray(2, 2 + rsaLength),
    );
  } catch {
    return null;
  }
  if (sessionKey.length !== SESSION_KEY_BYTES) return null;
  const body = buf.subarray(2 + rsaLength);
  try {
    const decipher = createDecipheriv("aes-256-gcm", sessionKey, ZERO_NONCE);
    decipher.setAuthTag(body.subarray(body.length - GCM_TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - GCM_TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}

/**
 * Opens `blob` with the first of `privateKeys` that can. Throws the generic
 * SEALING_DECRYPT_FAILED error when none can; never returns null.
 */
export function hybridDecrypt(privateKeys: Iterable<KeyObject>, blob: Uint8Array, label: Uint8Array): Buffer {
  for (const key of privateKeys) {
    const plaintext = tryDecrypt(key, blob, label);
    if (plaintext !== null) return plaintext;
  }
  throw decryptFailed();
}
