/**
 * Tree encryption and decryption with the MAC, walking exactly as sops does: mappings and
 * sequences in document order, the key path (without sequence indices) as authenticated data,
 * comments tracked on a stack for the comment-regex rules and never part of the MAC.
 */
import { createHash } from "node:crypto";
import { decryptValue, encryptValue, isEncrypted } from "./cipher.ts";
import type { Plain } from "./cipher.ts";
import { sopsError, SopsCode } from "./errors.ts";
import type { GoRegexp } from "../regex/go.ts";
import { compileGoRegexp } from "../regex/go.ts";
import type { Rules } from "./metadata.ts";
import type { Branches, Comment, Mapping, Scalar, Sequence, Value } from "./tree.ts";

/** sops' `MACOnlyEncryptedInitialization`: prefixes the MAC input when mac_only_encrypted is set. */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from(
  "8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69",
  "hex",
);

type Leaf = Scalar | Comment;
type OnLeaf = (leaf: Leaf, path: readonly string[], stack: readonly (readonly string[])[]) => Leaf;

function walkValue(v: Value | Comment, path: string[], stack: string[][], onLeaf: OnLeaf): Value | Comment {
  switch (v.kind) {
    case "scalar":
    case "comment":
      return onLeaf(v, path, stack);
    case "null":
      return v;
    case "map":
      return walkMap(v, path, stack, onLeaf);
    case "seq":
      return walkSeq(v, path, stack, onLeaf);
  }
}

function walkSeq(s: Sequence, path: string[], stack: string[][], onLeaf: OnLeaf): Sequence {
  const st = [...stack, []];
  const items = s.items.map((item) => {
    if (item.kind === "comment") st[st.length - 1]?.push(item.value);
    const out = walkValue(item, path, st, onLeaf);
    if (item.kind !== "comment") st[st.length - 1] = [];
    return out;
  });
  return { kind: "seq", items };
}

function walkMap(m: Mapping, path: string[], stack: string[][], onLeaf: OnLeaf): Mapping {
  const st = [...stack, []];
  const items = m.items.map((item) => {
    if (item.kind === "comment") {
      st[st.length - 1]?.push(item.value);
      return walkValue(item, path, st, onLeaf) as Comment;
    }
    const value = walkValue(item.value, [...path, item.key], st, onLeaf) as Value;
    st[st.length - 1] = [];
    return { kind: "pair" as const, key: item.key, value };
  });
  return { kind: "map", items };
}

// SOPS is Go: RE2 syntax, linear-time matching (compileGoRegexp caches).
function re(source: string, name: string): GoRegexp {
  try {
    return compileGoRegexp(source);
  } catch (e: unknown) {
    throw sopsError(SopsCode.Config, `${name} is not a valid regular expression`, { rule: name }, e);
  }
}

/** sops' `shouldBeEncrypted`, rule for rule. */
export function shouldBeEncrypted(
  rules: Rules,
  path: readonly string[],
  stack: readonly (readonly string[])[],
  isComment: boolean,
): boolean {
  let encrypted = true;
  const { unencryptedSuffix: us, encryptedSuffix: es, unencryptedRegex: ur, encryptedRegex: er } = rules;
  const { unencryptedCommentRegex: ucr, encryptedCommentRegex: ecr } = rules;
  if (us !== undefined && us !== "" && path.some((p) => p.endsWith(us))) encrypted = false;
  if (es !== undefined && es !== "") encrypted = path.some((p) => p.endsWith(es));
  if (ur !== undefined && ur !== "") {
    const r = re(ur, "unencrypted_regex");
    if (path.some((p) => r.test(p))) encrypted = false;
  }
  if (er !== undefined && er !== "") {
    const r = re(er, "encrypted_regex");
    encrypted = path.some((p) => r.test(p));
  }
  if (ucr !== undefined && ucr !== "") {
    const r = re(ucr, "unencrypted_comment_regex");
    if (stack.some((cs) => cs.some((c) => r.test(c)))) encrypted = false;
  }
  if (ecr !== undefined && ecr !== "") {
    const r = re(ecr, "encrypted_comment_regex");
    encrypted = false;
    const last = stack.length - 1;
    const lastLen = stack[last]?.length ?? 0;
    outer: for (let i = 0; i < stack.length; i++) {
      const cs = stack[i] ?? [];
      for (let j = 0; j < cs.length; j++) {
        // A comment is not selected by itself, only by the comments before it.
        if (isComment && i === last && j === lastLen - 1) continue;
        if (r.test(cs[j] ?? "")) {
          encrypted = true;
          break outer;
        }
      }
    }
  }
  return encrypted;
}

/** sops' `ToBytes`: what the MAC hashes for a leaf. */
export function leafBytes(leaf: Leaf): Buffer {
  if (leaf.kind === "comment") return Buffer.from(leaf.value, "utf8");
  if (leaf.type === "bytes") return Buffer.from(leaf.bytes ?? new Uint8Array());
  return Buffer.from(leaf.text, "utf8");
}

/** The key of the IV memo: same plaintext, same type, same path. */
export function ivKey(leaf: Leaf, aad: string): string {
  const body = leaf.kind === "comment" ? leaf.value : leaf.type === "bytes" ? Buffer.from(leaf.bytes ?? []).toString("base64") : leaf.text;
  return `${aad}\u0000${leaf.kind === "comment" ? "comment" : leaf.type}\u0000${body}`;
}

export interface WalkOptions {
  readonly rules: Rules;
  readonly macOnlyEncrypted: boolean;
}

/**
 * Encrypts every selected leaf of `branches` with `dataKey` and returns the new tree and the MAC
 * (uppercase hex SHA-512). `ivs` (from a previous decrypt) makes unchanged values keep their IV.
 */
export function encryptBranches(
  branches: Branches,
  dataKey: Uint8Array,
  opts: WalkOptions,
  ivs?: ReadonlyMap<string, Uint8Array>,
): { branches: Branches; mac: string } {
  const hash = createHash("sha512");
  if (opts.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  const onLeaf: OnLeaf = (leaf, path, stack) => {
    const isComment = leaf.kind === "comment";
    const encrypted = shouldBeEncrypted(opts.rules, path, stack, isComment);
    if ((!opts.macOnlyEncrypted || encrypted) && !isComment) hash.update(leafBytes(leaf));
    if (!encrypted) return leaf;
    const aad = `${path.join(":")}:`;
    const text = encryptValue(leaf, dataKey, aad, ivs?.get(ivKey(leaf, aad)));
    if (leaf.kind === "comment") {
      if (opts.rules.unencryptedCommentRegex !== undefined && opts.rules.unencryptedCommentRegex !== "" &&
        re(opts.rules.unencryptedCommentRegex, "unencrypted_comment_regex").test(text)) {
        throw sopsError(SopsCode.Config, "an encrypted comment matches unencrypted_comment_regex");
      }
      return { kind: "comment", value: text, inline: leaf.inline };
    }
    return { kind: "scalar", type: "str", text };
  };
  const out = branches.map((b) => walkMap(b, [], [], onLeaf));
  return { branches: out, mac: hash.digest("hex").toUpperCase() };
}

/**
 * Decrypts every selected leaf and returns the plaintext tree, the MAC computed over it, and the
 * IVs seen (for `encryptBranches` on edit). A value that fails authentication throws SOPS_TAMPERED;
 * an encrypted comment that opens under none of its candidate paths is kept as written (sops does
 * the same: comments are outside the MAC).
 */
export function decryptBranches(
  branches: Branches,
  dataKey: Uint8Array,
  opts: WalkOptions,
): { branches: Branches; mac: string; ivs: Map<string, Uint8Array> } {
  const hash = createHash("sha512");
  if (opts.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  const ivs = new Map<string, Uint8Array>();
  const onLeaf: OnLeaf = (leaf, path, stack) => {
    const isComment = leaf.kind === "comment";
    const encrypted = shouldBeEncrypted(opts.rules, path, stack, isComment);
    let v: Plain = leaf;
    const where = path.length === 0 ? "(top)" : path.join(".");
    if (encrypted) {
      if (leaf.kind === "comment") {
        v = openComment(leaf, path, dataKey, ivs);
      } else if (leaf.type === "str") {
        if (leaf.text !== "") {
          if (!isEncrypted(leaf.text)) {
            throw sopsError(SopsCode.Tampered, `value at ${where} should be encrypted but is not`, { path: where });
          }
          const aad = `${path.join(":")}:`;
          const opened = decryptValue(leaf.text, dataKey, aad, where);
          v = opened.plain;
          ivs.set(ivKey(v, aad), opened.iv);
        }
      } else {
        throw sopsError(SopsCode.Tampered, `value at ${where} should be encrypted but is not`, { path: where });
      }
    }
    if ((!opts.macOnlyEncrypted || encrypted) && !isComment && v.kind !== "comment") hash.update(leafBytes(v));
    return v;
  };
  const out = branches.map((b) => walkMap(b, [], [], onLeaf));
  return { branches: out, mac: hash.digest("hex").toUpperCase(), ivs };
}

function openComment(c: Comment, path: readonly string[], key: Uint8Array, ivs: Map<string, Uint8Array>): Comment {
  if (!isEncrypted(c.value)) return c;
  // YAML parsers attach some comments one level off from go-yaml; GCM tells which path is right.
  for (let n = path.length; n >= 0; n--) {
    const aad = `${path.slice(0, n).join(":")}:`;
    try {
      const opened = decryptValue(c.value, key, aad, "comment");
      if (opened.plain.kind === "comment") {
        const out: Comment = { kind: "comment", value: opened.plain.value, inline: c.inline };
        ivs.set(ivKey(out, aad), opened.iv);
        return out;
      }
    } catch {
      // try the next candidate path
    }
  }
  return c;
}
