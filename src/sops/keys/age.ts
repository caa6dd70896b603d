/**
 * age master keys as sops uses them: the 32-byte data key (or a Shamir share) age-encrypted to one
 * recipient and ASCII-armored; identities read from `SOPS_AGE_KEY`, `SOPS_AGE_KEY_FILE` and
 * `$XDG_CONFIG_HOME/sops/age/keys.txt` (default `~/.config/...`). X25519 (`age1…`) and the
 * post-quantum hybrid (`age1pq1…`) are supported through the `age-encryption` package.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { Decrypter, Encrypter, armor, generateHybridIdentity, generateX25519Identity, identityToRecipient } from "age-encryption";
import { sopsError, SopsCode } from "../errors.ts";

const IDENTITY = /^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/;
const RECIPIENT = /^age1(pq1)?[0-9a-z]+$/;
// The package's message for "none of the identities matches a stanza" (checked by a test).
const NO_MATCH = "no identity matched any of the file's recipients";

/** True when `s` looks like an age recipient kseal can encrypt to. */
export function isAgeRecipient(s: string): boolean {
  return RECIPIENT.test(s);
}

/**
 * The identities in a keys file (`age-keygen` output): one per line, `#` comments and blank
 * lines ignored. With `multiplePerLine`, whitespace/comma separated (as `SOPS_AGE_KEY` allows).
 * Lines that are not age identities are skipped; nothing is echoed back.
 */
export function parseIdentities(text: string, multiplePerLine = false): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const tokens = multiplePerLine ? line.split(/[\s,]+/) : [line];
    for (const t of tokens) if (IDENTITY.test(t)) out.push(t);
  }
  return out;
}

export interface IdentitySources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Home directory for the default keys file (tests inject one). */
  readonly home?: string;
}

/** Identities from the environment, the way sops looks for them. Missing files are skipped. */
export async function loadIdentities(src: IdentitySources): Promise<string[]> {
  const ids: string[] = [];
  const key = src.env.SOPS_AGE_KEY;
  if (key !== undefined) ids.push(...parseIdentities(key, true));
  const file = src.env.SOPS_AGE_KEY_FILE;
  if (file !== undefined && file !== "") {
    try {
      ids.push(...parseIdentities(await readFile(file, "utf8")));
    } catch (e: unknown) {
      throw sopsError(SopsCode.Config, "cannot read SOPS_AGE_KEY_FILE", {}, e);
    }
  }
  const config = src.env.XDG_CONFIG_HOME !== undefined && src.env.XDG_CONFIG_HOME !== ""
    ? src.env.XDG_CONFIG_HOME
    : join(src.home ?? src.env.HOME ?? homedir(), ".config");
  try {
    ids.push(...parseIdentities(await readFile(join(config, "sops", "age", "keys.txt"), "utf8")));
  } catch {
    // no default keys file
  }
  return [...new Set(ids)];
}

/** Encrypts `part` to `recipient` and armors it, as sops writes `enc`. */
export async function wrapForRecipient(part: Uint8Array, recipient: string): Promise<string> {
  if (!isAgeRecipient(recipient)) throw sopsError(SopsCode.Config, "invalid age recipient", { recipient });
  const e = new Encrypter();
  try {
    e.addRecipient(recipient);
    return armor.encode(await e.encrypt(part));
  } catch (err: unknown) {
    throw sopsError(SopsCode.Config, "cannot encrypt to age recipient", { recipient }, err);
  }
}

/**
 * Opens an armored `enc` with any of `identities`. Returns null when none matches (wrong key);
 * throws SOPS_DECRYPT_FAILED when the entry is malformed or fails authentication.
 */
export async function unwrapWithIdentities(enc: string, identities: readonly string[]): Promise<Uint8Array | null> {
  let file: Uint8Array;
  try {
    file = armor.decode(enc);
  } catch (e: unknown) {
    throw sopsError(SopsCode.DecryptFailed, "age entry is not valid armor", {}, e);
  }
  const d = new Decrypter();
  for (const id of identities) {
    try {
      d.addIdentity(id);
    } catch {
      // not an identity this package understands; ignore it like an unrelated key
    }
  }
  try {
    return await d.decrypt(file);
  } catch (e: unknown) {
    if (e instanceof Error && e.message === NO_MATCH) return null;
    throw sopsError(SopsCode.DecryptFailed, "age entry could not be decrypted", {}, e);
  }
}

/** A fresh identity and its recipient. `hybrid` makes a post-quantum (ML-KEM + X25519) key. */
export async function generateAgeKey(hybrid = false): Promise<{ identity: string; recipient: string }> {
  const identity = hybrid ? await generateHybridIdentity() : await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** The recipient of an identity. Throws SOPS_CONFIG for something that is not one. */
export async function recipientOf(identity: string): Promise<string> {
  if (!IDENTITY.test(identity)) throw sopsError(SopsCode.Config, "not an age identity");
  try {
    return await identityToRecipient(identity);
  } catch (e: unknown) {
    throw sopsError(SopsCode.Config, "not a valid age identity", {}, e);
  }
}
