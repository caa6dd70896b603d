/**
 * The value cipher, as sops' `aes` package writes it:
 *
 *   ENC[AES256_GCM,data:<b64 ciphertext>,iv:<b64 32-byte IV>,tag:<b64 16-byte tag>,type:<type>]
 *
 * AES-256-GCM with a 32-byte nonce; the authenticated data is the value's key path joined with
 * `:` plus a trailing `:` (sequence indices are not part of the path). Empty strings stay empty.
 * Decryption failures are one generic error: nothing about the value reaches the message.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { secretKeyOf } from "../support/secret-key.ts";
import { sopsError, SopsCode } from "./errors.ts";
import { isUtf8 } from "node:buffer";
import { formatGoFloat } from "./tree.ts";
import type { Comment, Scalar, ScalarType } from "./tree.ts";

const IV_SIZE = 32;
const TAG_SIZE = 16;
const ENC = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The plaintext of one leaf: a typed scalar or a comment. */
export type Plain = Scalar | Comment;

/** True when `text` looks like a sops-encrypted value. */
export function isEncrypted(text: string): boolean {
  return ENC.test(text);
}

function plainBytes(p: Plain): { bytes: Buffer; type: ScalarType | "comment" } {
  if (p.kind === "comment") return { bytes: Buffer.from(p.value, "utf8"), type: "comment" };
  if (p.type === "bytes") return { bytes: Buffer.from(p.bytes ?? new Uint8Array()), type: "str" };
  return { bytes: Buffer.from(p.text, "utf8"), type: p.type };
}

/** True for values sops leaves as they are: the empty string (and empty comments/bytes). */
export function isEmptyPlain(p: Plain): boolean {
  if (p.kind === "comment") return p.value === "";
  if (p.type === "bytes") return (p.bytes?.length ?? 0) === 0;
  return p.type === "str" && p.text === "";
}

/**
 * Encrypts one leaf. `iv` reuses a previous nonce (sops does so for unchanged values on edit, so
 * diffs stay small); it must only ever be passed for the same plaintext, path and key.
 */
export function encryptValue(p: Plain, key: Uint8Array, aad: string, iv?: Uint8Array): string {
  if (isEmptyPlain(p)) return "";
  const nonce = iv ?? randomBytes(IV_SIZE);
  const { bytes, type } = plainBytes(p);
  const c = createCipheriv("aes-256-gcm", secretKeyOf(key), nonce, { authTagLength: TAG_SIZE });
  c.setAAD(Buffer.from(aad, "utf8"));
  const data = Buffer.concat([c.update(bytes), c.final()]);
  const tag = c.getAuthTag();
  return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${Buffer.from(nonce).toString("base64")},tag:${tag.toString("base64")},type:${type}]`;
}

export interface Opened {
  readonly plain: Plain;
  readonly iv: Uint8Array;
}

/**
 * Decrypts one `ENC[...]` value. Throws SOPS_PARSE when it is not in sops' format and
 * SOPS_TAMPERED when authentication fails (changed value, other path, other key).
 * `path` names the location for the error (key names only).
 */
export function decryptValue(text: string, key: Uint8Array, aad: string, path: string): Opened {
  const m = ENC.exec(text);
  if (m === null) throw sopsError(SopsCode.Parse, `value at ${path} is not in sops' encrypted format`, { path });
  const [, d = "", i = "", t = "", type = ""] = m;
  if (!B64.test(d) || !B64.test(i) || !B64.test(t)) {
    throw sopsError(SopsCode.Parse, `value at ${path} has malformed base64`, { path });
  }
  const iv = Buffer.from(i, "base64");
  const tag = Buffer.from(t, "base64");
  if (iv.length === 0 || tag.length !== TAG_SIZE) {
    throw sopsError(SopsCode.Tampered, `value at ${path} failed authentication`, { path });
  }
  let out: Buffer;
  try {
    const dc = createDecipheriv("aes-256-gcm", secretKeyOf(key), iv, { authTagLength: TAG_SIZE });
    dc.setAAD(Buffer.from(aad, "utf8"));
    dc.setAuthTag(tag);
    out = Buffer.concat([dc.update(Buffer.from(d, "base64")), dc.final()]);
  } catch {
    throw sopsError(SopsCode.Tampered, `value at ${path} failed authentication`, { path });
  }
  const s = out.toString("utf8");
  const bad = (): never => {
    throw sopsError(SopsCode.Parse, `value at ${path} does not parse as its declared type`, { path, type });
  };
  let plain: Plain;
  switch (type) {
    case "str":
      // Binary files are stored as "str" whose bytes need not be UTF-8: keep those as bytes.
      plain = isUtf8(out)
        ? { kind: "scalar", type: "str", text: s }
        : { kind: "scalar", type: "bytes", text: "", bytes: new Uint8Array(out) };
      break;
    case "bytes":
      plain = { kind: "scalar", type: "bytes", text: "", bytes: new Uint8Array(out) };
      break;
    case "int":
      if (!/^[+-]?\d+$/.test(s)) bad();
      plain = { kind: "scalar", type: "int", text: BigInt(s).toString() };
      break;
    case "float": {
      const f = Number(s);
      if (s.trim() === "" || Number.isNaN(f) && s !== "NaN") bad();
      plain = { kind: "scalar", type: "float", text: formatGoFloat(f) };
      break;
    }
    case "bool": {
      // Go's strconv.ParseBool
      const v = ["1", "t", "T", "TRUE", "true", "True"].includes(s)
        ? true
        : ["0", "f", "F", "FALSE", "false", "False"].includes(s)
          ? false
          : bad();
      plain = { kind: "scalar", type: "bool", text: v ? "True" : "False" };
      break;
    }
    case "time":
      plain = { kind: "scalar", type: "time", text: s };
      break;
    case "comment":
      plain = { kind: "comment", value: s, inline: false };
      break;
    default:
      throw sopsError(SopsCode.Parse, `value at ${path} has an unknown type`, { path });
  }
  return { plain, iv: new Uint8Array(iv) };
}
