/**
 * Whole-file operations: encrypt, decrypt (MAC always verified), rotate and update keys. Pure
 * functions of their inputs plus randomness; identities and recipients are passed in, never read
 * from the environment here.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { decryptValue, encryptValue } from "./cipher.ts";
import { emitEncrypted, emitPlain, hasMetadata, parseEncrypted, parsePlain } from "./codecs/index.ts";
import type { Format } from "./codecs/index.ts";
import { sopsError, SopsCode } from "./errors.ts";
import { unwrapWithIdentities, wrapForRecipient } from "./keys/age.ts";
import { combine, split } from "./keys/shamir.ts";
import { DEFAULT_LIMITS } from "./limits.ts";
import type { Limits } from "./limits.ts";
import { DEFAULT_UNENCRYPTED_SUFFIX, metadataFromPlain, metadataToPlain, ruleCount, SOPS_FORMAT_VERSION } from "./metadata.ts";
import type { KeyGroup, Metadata, Plain, Rules } from "./metadata.ts";
import { str } from "./tree.ts";
import type { Branches } from "./tree.ts";
import { decryptBranches, encryptBranches } from "./walk.ts";

/** Where the data key goes: age recipients per key group (one group = no Shamir). */
export interface KeyPlan {
  readonly keyGroups: readonly (readonly string[])[];
  /** Groups needed to recover the key; defaults to all groups. Ignored with one group. */
  readonly shamirThreshold?: number;
}

export interface EncryptOptions extends KeyPlan {
  readonly rules?: Rules;
  readonly macOnlyEncrypted?: boolean;
  /** The clock, injected: it becomes `lastmodified`. */
  readonly now: Date;
  readonly limits?: Limits;
}

/** `lastmodified` as sops writes it: RFC 3339, whole seconds, UTC. */
export function formatLastModified(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** The MAC's authenticated data: Go's `time.Format(time.RFC3339)` of `lastmodified`. */
function macAad(lastModified: string): string {
  return lastModified.replace(/\.\d+/, "");
}

function normalizeRules(r: Rules | undefined): Rules {
  const rules = Object.fromEntries(Object.entries(r ?? {}).filter(([, v]) => v !== undefined && v !== "")) as Rules;
  if (ruleCount(rules) > 1) {
    throw sopsError(SopsCode.Config, "only one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, unencrypted_comment_regex may be set");
  }
  return ruleCount(rules) === 0 ? { unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX } : rules;
}

/** Wraps `dataKey` for every recipient, splitting it with Shamir across several groups. */
export async function wrapDataKey(
  dataKey: Uint8Array,
  plan: KeyPlan,
  preserved: readonly KeyGroup[] = [],
): Promise<{ keyGroups: KeyGroup[]; shamirThreshold: number }> {
  const groups = plan.keyGroups;
  if (groups.length === 0 || groups.some((g) => g.length === 0)) {
    throw sopsError(SopsCode.NoRecipients, "no age recipients to encrypt for (use --age or .sops.yaml)");
  }
  let parts: Uint8Array[] = [dataKey];
  let shamirThreshold = 0;
  if (groups.length > 1) {
    shamirThreshold = plan.shamirThreshold ?? groups.length;
    parts = split(dataKey, groups.length, shamirThreshold);
  }
  const keyGroups: KeyGroup[] = [];
  for (const [i, g] of groups.entries()) {
    const part = parts[i] ?? dataKey;
    const age = [];
    for (const recipient of g) age.push({ recipient, enc: await wrapForRecipient(part, recipient) });
    keyGroups.push({ age, other: preserved[i]?.other ?? {} });
  }
  return { keyGroups, shamirThreshold };
}

/**
 * Recovers the data key with `identities`. Throws SOPS_NO_KEY when no identity opens enough
 * groups, SOPS_DECRYPT_FAILED when entries are malformed.
 */
export async function recoverDataKey(m: Metadata, identities: readonly string[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let malformed: unknown;
  for (const g of m.keyGroups) {
    for (const k of g.age) {
      try {
        const part = await unwrapWithIdentities(k.enc, identities);
        if (part !== null) {
          parts.push(part);
          break;
        }
      } catch (e: unknown) {
        malformed ??= e;
      }
    }
  }
  const need = m.keyGroups.length > 1 ? Math.max(m.shamirThreshold || m.keyGroups.length, 2) : 1;
  if (parts.length < need) {
    if (malformed instanceof Error && parts.length === 0) throw malformed;
    throw sopsError(SopsCode.NoKey, "no age identity available opens the data key", {
      groupsOpened: parts.length,
      groupsNeeded: need,
    });
  }
  const key = m.keyGroups.length > 1 ? combine(parts) : (parts[0] ?? new Uint8Array());
  if (key.length !== 32) throw sopsError(SopsCode.DecryptFailed, "the recovered data key has the wrong length");
  return key;
}

export interface Encrypted {
  readonly branches: Branches;
  readonly metadata: Metadata;
}

/** Encrypts a plain tree with a given data key and already-wrapped key groups. */
export function sealTree(
  branches: Branches,
  dataKey: Uint8Array,
  base: Omit<Metadata, "mac" | "lastModified" | "version">,
  now: Date,
  ivs?: ReadonlyMap<string, Uint8Array>,
): Encrypted {
  const lastModified = formatLastModified(now);
  const out = encryptBranches(branches, dataKey, { rules: base, macOnlyEncrypted: base.macOnlyEncrypted }, ivs);
  const mac = encryptValue(str(out.mac), dataKey, macAad(lastModified));
  return { branches: out.branches, metadata: { ...base, lastModified, mac, version: SOPS_FORMAT_VERSION } };
}

/** Encrypts a plain tree with a fresh data key. */
export async function encryptTree(branches: Branches, opts: EncryptOptions): Promise<Encrypted> {
  const rules = normalizeRules(opts.rules);
  const dataKey = randomBytes(32);
  const { keyGroups, shamirThreshold } = await wrapDataKey(dataKey, opts);
  return sealTree(branches, dataKey, { ...rules, keyGroups, shamirThreshold, macOnlyEncrypted: opts.macOnlyEncrypted === true }, opts.now);
}

export interface Decrypted {
  readonly branches: Branches;
  readonly metadata: Metadata;
  readonly dataKey: Uint8Array;
  /** IVs of the values as they were, so an edit re-encrypts unchanged values identically. */
  readonly ivs: Map<string, Uint8Array>;
}

/**
 * Decrypts a tree and verifies its MAC. Throws SOPS_NO_KEY, SOPS_TAMPERED (a value failed
 * authentication), SOPS_MAC_INVALID (the MAC itself failed) or SOPS_MAC_MISMATCH.
 */
export async function decryptTree(branches: Branches, metadataPlain: Plain, identities: readonly string[]): Promise<Decrypted> {
  const metadata = metadataFromPlain(metadataPlain);
  const dataKey = await recoverDataKey(metadata, identities);
  const out = decryptBranches(branches, dataKey, { rules: metadata, macOnlyEncrypted: metadata.macOnlyEncrypted });
  if (metadata.mac === "") throw sopsError(SopsCode.MacInvalid, "the file has no MAC");
  let stored: string;
  try {
    const opened = decryptValue(metadata.mac, dataKey, macAad(metadata.lastModified), "sops.mac");
    stored = opened.plain.kind === "scalar" ? opened.plain.text : "";
  } catch (e: unknown) {
    throw sopsError(SopsCode.MacInvalid, "the MAC failed authentication (changed MAC or lastmodified)", {}, e);
  }
  const a = Buffer.from(stored, "utf8");
  const b = Buffer.from(out.mac, "utf8");
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw sopsError(SopsCode.MacMismatch, "MAC mismatch: values were reordered, added, removed or changed");
  }
  return { branches: out.branches, metadata, dataKey, ivs: out.ivs };
}

export interface FileOptions {
  readonly inputFormat: Format;
  readonly outputFormat?: Format;
  readonly limits?: Limits;
}

/** Encrypts a plain file. Throws SOPS_ALREADY_ENCRYPTED for a file with sops metadata. */
export async function encryptFile(input: Uint8Array, opts: FileOptions & EncryptOptions): Promise<Uint8Array> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const branches = parsePlain(opts.inputFormat, input, limits);
  if (opts.inputFormat !== "binary" && hasMetadata(opts.inputFormat, branches)) {
    throw sopsError(SopsCode.AlreadyEncrypted, "the file already has sops metadata");
  }
  const enc = await encryptTree(branches, opts);
  const outFormat = opts.outputFormat ?? opts.inputFormat;
  return emitEncrypted(outFormat, enc.branches, metadataToPlain(forFormat(enc.metadata, outFormat)));
}

function forFormat(m: Metadata, f: Format): Metadata {
  // sops writes no selection rule into binary files (it reads back as the default)
  if (f !== "binary") return m;
  return { keyGroups: m.keyGroups, shamirThreshold: m.shamirThreshold, lastModified: m.lastModified, mac: m.mac, macOnlyEncrypted: m.macOnlyEncrypted, version: m.version };
}

/** Opens an encrypted file and returns the decrypted tree with what re-encryption needs. */
export async function openFile(input: Uint8Array, format: Format, identities: readonly string[], limits: Limits = DEFAULT_LIMITS): Promise<Decrypted> {
  const { branches, metadata } = parseEncrypted(format, input, limits);
  return decryptTree(branches, metadata, identities);
}

/** Decrypts an encrypted file to plain output (MAC verified). */
export async function decryptFile(input: Uint8Array, opts: FileOptions & { identities: readonly string[] }): Promise<Uint8Array> {
  const d = await openFile(input, opts.inputFormat, opts.identities, opts.limits);
  return emitPlain(opts.outputFormat ?? opts.inputFormat, d.branches);
}

/** Re-encrypts an opened file (edit): same data key and keys, unchanged values keep their IVs. */
export function reseal(d: Decrypted, branches: Branches, format: Format, now: Date): Uint8Array {
  const enc = sealTree(branches, d.dataKey, baseOf(d.metadata), now, d.ivs);
  return emitEncrypted(format, enc.branches, metadataToPlain(forFormat(enc.metadata, format)));
}

function baseOf(m: Metadata): Omit<Metadata, "mac" | "lastModified" | "version"> {
  const { mac: _mac, lastModified: _lm, version: _v, ...base } = m;
  return base;
}

/** Rotates the data key: new key, every value re-encrypted, age keys re-wrapped, others kept. */
export async function rotateFile(input: Uint8Array, format: Format, identities: readonly string[], now: Date, limits?: Limits): Promise<Uint8Array> {
  const d = await openFile(input, format, identities, limits);
  const dataKey = randomBytes(32);
  const plan: KeyPlan = { keyGroups: d.metadata.keyGroups.map((g) => g.age.map((k) => k.recipient)), shamirThreshold: d.metadata.shamirThreshold || d.metadata.keyGroups.length };
  const { keyGroups, shamirThreshold } = await wrapDataKey(dataKey, plan, d.metadata.keyGroups);
  const enc = sealTree(d.branches, dataKey, { ...baseOf(d.metadata), keyGroups, shamirThreshold }, now);
  return emitEncrypted(format, enc.branches, metadataToPlain(forFormat(enc.metadata, format)));
}

/**
 * Re-wraps the existing data key for a new set of age recipients (values untouched). Returns null
 * when the recipients are already exactly those.
 */
export async function updateKeysFile(input: Uint8Array, format: Format, identities: readonly string[], plan: KeyPlan, limits: Limits = DEFAULT_LIMITS): Promise<Uint8Array | null> {
  const { branches, metadata } = parseEncrypted(format, input, limits);
  const d = await decryptTree(structuredClone(branches), metadata, identities);
  const current = d.metadata.keyGroups.map((g) => g.age.map((k) => k.recipient));
  const same = JSON.stringify(current) === JSON.stringify(plan.keyGroups) &&
    (plan.keyGroups.length <= 1 || (plan.shamirThreshold ?? plan.keyGroups.length) === d.metadata.shamirThreshold);
  if (same) return null;
  const { keyGroups, shamirThreshold } = await wrapDataKey(d.dataKey, plan, d.metadata.keyGroups);
  const m: Metadata = { ...d.metadata, keyGroups, shamirThreshold };
  return emitEncrypted(format, branches, metadataToPlain(forFormat(m, format)));
}
