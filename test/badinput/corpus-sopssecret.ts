/**
 * Bad SopsSecrets: broken and tampered MACs and values, bad age armor/headers/stanzas, documents
 * for another recipient, missing or malformed `sops` metadata, mixed formats, junk, deep nesting,
 * oversized documents, an unmet Shamir threshold. Each is refused with a condition reason of its
 * own (MacMismatch, Tampered, NoUsableKey, InvalidDocument, TooLarge, TargetNotOwned) and a
 * Warning event with that reason; sops itself refuses the same files (the MAC covers every value
 * in order, each value is authenticated with its key path, as in SOPS).
 */
import { encryptFile, type Format } from "../../src/sops/index.ts";
import { canary, type BadCase, type Manifest } from "./cases.ts";

export interface SopsCtx {
  /** The cluster's age recipient (the operator holds its identity). */
  readonly recipient: string;
  /** A recipient whose identity the operator does not hold. */
  readonly otherRecipient: string;
}

export type SopsCase = BadCase<SopsCtx>;

const NOW = new Date("2026-03-01T12:00:00Z");
const PREFIX = "cannot decrypt the SOPS document: ";
const MAC_AUTH = `${PREFIX}the MAC failed authentication (changed MAC or lastmodified)`;
const MAC_DIFF = `${PREFIX}MAC mismatch: values were reordered, added, removed or changed`;
const VALUE_AUTH = (path: string): string => `${PREFIX}value at ${path} failed authentication`;
const NOT_ENC = (path: string): string => `${PREFIX}value at ${path} should be encrypted but is not`;
const NO_KEY = `${PREFIX}no age identity available opens the data key`;
const AGE_BROKEN = `${PREFIX}age entry could not be decrypted`;
const AGE_ARMOR = `${PREFIX}age entry is not valid armor`;
const NOT_SOPS = `${PREFIX}the file has no sops metadata (not encrypted)`;

async function encrypt(ctx: SopsCtx, plain: string, format: Format = "yaml", opts: { groups?: string[][]; threshold?: number; maxDepth?: number } = {}): Promise<string> {
  const out = await encryptFile(Buffer.from(plain, "utf8"), {
    inputFormat: format,
    keyGroups: opts.groups ?? [[ctx.recipient]],
    ...(opts.threshold === undefined ? {} : { shamirThreshold: opts.threshold }),
    now: NOW,
    ...(opts.maxDepth === undefined ? {} : { limits: { maxBytes: 8 * 1024 * 1024, maxDepth: opts.maxDepth } }),
  });
  return Buffer.from(out).toString("utf8");
}

function sopsSecret(sops: string, spec: Record<string, unknown> = {}): Manifest {
  return { apiVersion: "kseal.dev/v1alpha1", kind: "SopsSecret", metadata: {}, spec: { sops, ...spec } };
}

/** The plain document of a case: two values carrying the case's canary. */
function plainYaml(name: string): string {
  return `user: ${canary("sops", name)}-u\npassword: ${canary("sops", name)}-p\n`;
}

function replaceOnce(text: string, re: RegExp, by: (m: string, ...groups: string[]) => string): string {
  const out = text.replace(re, by as (m: string, ...g: unknown[]) => string);
  if (out === text) throw new Error(`corpus mutation ${String(re)} did not apply`);
  return out;
}

/** Flips one base64 character (A↔B) at the start of a capture. */
const flipChar = (c: string): string => (c === "A" ? "B" : "A");

interface Mutation {
  readonly name: string;
  readonly why: string;
  readonly mutate: (doc: string) => string;
  readonly reason: string;
  readonly message: string | RegExp;
}

function mutated(m: Mutation): SopsCase {
  return {
    name: m.name, why: m.why, guard: null, canaries: [canary("sops", m.name)],
    object: async (ctx) => sopsSecret(m.mutate(await encrypt(ctx, plainYaml(m.name)))),
    expect: { kind: "condition", reason: m.reason, message: m.message, event: m.reason },
  };
}

const MAC = /mac: ENC\[AES256_GCM,data:(.)/;
const mutations: Mutation[] = [
  { name: "mac-data-flipped", why: "one character of the encrypted MAC changed: the MAC's own GCM tag fails", mutate: (d) => replaceOnce(d, MAC, (_m, c) => `mac: ENC[AES256_GCM,data:${flipChar(c)}`), reason: "MacMismatch", message: MAC_AUTH },
  { name: "mac-tag-flipped", why: "the MAC's GCM tag changed", mutate: (d) => replaceOnce(d, /(mac: ENC\[[^\]]*tag:)(.)/, (_m, p, c) => `${p}${flipChar(c)}`), reason: "MacMismatch", message: MAC_AUTH },
  { name: "mac-iv-flipped", why: "the MAC's IV changed", mutate: (d) => replaceOnce(d, /(mac: ENC\[[^\]]*iv:)(.)/, (_m, p, c) => `${p}${flipChar(c)}`), reason: "MacMismatch", message: MAC_AUTH },
  { name: "mac-from-other-doc", why: "the MAC replaced by a well-formed ENC value of another key (type str of a value)", mutate: (d) => {
    const user = /user: (ENC\[[^\]]*\])/.exec(d)?.[1] ?? "";
    return replaceOnce(d, /mac: ENC\[[^\]]*\]/, () => `mac: ${user}`);
  }, reason: "MacMismatch", message: PREFIX },
  { name: "mac-removed", why: "the mac line removed: an unauthenticated file is refused (sops: no MAC)", mutate: (d) => replaceOnce(d, /\n {4}mac: [^\n]*/, () => ""), reason: "MacMismatch", message: `${PREFIX}the file has no MAC` },
  { name: "mac-not-enc", why: "the MAC is a plain string, not an ENC[] value", mutate: (d) => replaceOnce(d, /mac: ENC\[[^\]]*\]/, () => "mac: deadbeef"), reason: "MacMismatch", message: MAC_AUTH },
  { name: "lastmodified-changed", why: "lastmodified is the MAC's authenticated data: changing it breaks the MAC", mutate: (d) => replaceOnce(d, /lastmodified: "[^"]*"/, () => 'lastmodified: "2026-03-01T12:00:01Z"'), reason: "MacMismatch", message: MAC_AUTH },
  { name: "lastmodified-garbage", why: "lastmodified is not an RFC 3339 time", mutate: (d) => replaceOnce(d, /lastmodified: "[^"]*"/, () => 'lastmodified: "yesterday"'), reason: "InvalidDocument", message: `${PREFIX}invalid sops metadata: lastmodified` },
  { name: "lastmodified-missing", why: "lastmodified removed", mutate: (d) => replaceOnce(d, /\n {4}lastmodified: [^\n]*/, () => ""), reason: "InvalidDocument", message: `${PREFIX}invalid sops metadata: lastmodified` },
  { name: "value-data-flipped", why: "one character of an encrypted value changed: its GCM tag fails", mutate: (d) => replaceOnce(d, /password: ENC\[AES256_GCM,data:(.)/, (_m, c) => `password: ENC[AES256_GCM,data:${flipChar(c)}`), reason: "Tampered", message: VALUE_AUTH("password") },
  { name: "value-tag-flipped", why: "a value's GCM tag changed", mutate: (d) => replaceOnce(d, /(password: ENC\[[^\]]*tag:)(.)/, (_m, p, c) => `${p}${flipChar(c)}`), reason: "Tampered", message: VALUE_AUTH("password") },
  { name: "value-type-changed", why: "a value's type tag changed from str to int: the opened text is no int (sops fails the same way)", mutate: (d) => replaceOnce(d, /(password: ENC\[[^\]]*)type:str\]/, (_m, p) => `${p}type:int]`), reason: "InvalidDocument", message: `${PREFIX}value at password does not parse as its declared type` },
  { name: "values-swapped", why: "two encrypted values swapped between keys: each is bound to its key path", mutate: (d) => {
    const u = /user: (ENC\[[^\]]*\])/.exec(d)?.[1] ?? "";
    const p = /password: (ENC\[[^\]]*\])/.exec(d)?.[1] ?? "";
    return d.replace(`user: ${u}`, `user: ${p}`).replace(`password: ${p}`, `password: ${u}`);
  }, reason: "Tampered", message: PREFIX },
  { name: "key-renamed", why: "a key renamed: its value was authenticated under the old path", mutate: (d) => replaceOnce(d, /^password:/m, () => "passwd:"), reason: "Tampered", message: VALUE_AUTH("passwd") },
  { name: "value-removed", why: "a value removed: every remaining value opens, but the MAC over them differs", mutate: (d) => replaceOnce(d, /^user: [^\n]*\n/m, () => ""), reason: "MacMismatch", message: MAC_DIFF },
  { name: "plain-value-added", why: "an unencrypted value added: it is covered by the MAC, which now differs", mutate: (d) => `extra: injected\n${d}`, reason: "Tampered", message: NOT_ENC("extra") },
  { name: "values-reordered", why: "the two values reordered: the MAC is over values in document order", mutate: (d) => {
    const u = /^user: [^\n]*\n/m.exec(d)?.[0] ?? "";
    const p = /^password: [^\n]*\n/m.exec(d)?.[0] ?? "";
    return replaceOnce(d, /^user: [^\n]*\npassword: [^\n]*\n/m, () => `${p}${u}`);
  }, reason: "MacMismatch", message: PREFIX },
  { name: "value-not-enc", why: "a value replaced by plain text: sops refuses an unencrypted value where one was encrypted (MAC)", mutate: (d) => replaceOnce(d, /^password: [^\n]*$/m, () => "password: plaintext-now"), reason: "Tampered", message: NOT_ENC("password") },
  { name: "value-enc-malformed", why: "an ENC[] value missing its iv field", mutate: (d) => replaceOnce(d, /(password: ENC\[AES256_GCM,data:[^,]*),iv:[^,]*/, (_m, p) => p), reason: "Tampered", message: NOT_ENC("password") },
  { name: "value-enc-bad-cipher", why: "an ENC[] value naming an unknown cipher", mutate: (d) => replaceOnce(d, /password: ENC\[AES256_GCM/, () => "password: ENC[CHACHA20"), reason: "Tampered", message: NOT_ENC("password") },
  { name: "age-header-v2", why: "the age header says age-encryption.org/v2 (unknown version)", mutate: (d) => replaceOnce(d, /YWdlLWVuY3J5cHRpb24ub3JnL3Yx/, () => "YWdlLWVuY3J5cHRpb24ub3JnL3Yy"), reason: "NoUsableKey", message: AGE_BROKEN },
  { name: "age-stanza-type", why: "the age recipient stanza type changed from X25519 to X25529", mutate: (d) => replaceOnce(d, /IFgyNTUx/, () => "IFgyNTUy"), reason: "NoUsableKey", message: NO_KEY },
  { name: "age-armor-begin-missing", why: "the age armor lost its BEGIN line", mutate: (d) => replaceOnce(d, /-----BEGIN AGE ENCRYPTED FILE-----\n/, () => ""), reason: "InvalidDocument", message: `${PREFIX}invalid YAML (BAD_INDENT) at line 0` },
  { name: "age-armor-end-missing", why: "the age armor lost its END line", mutate: (d) => replaceOnce(d, /\s*-----END AGE ENCRYPTED FILE-----/, () => ""), reason: "NoUsableKey", message: AGE_ARMOR },
  { name: "age-armor-truncated", why: "the last line of the age armor body removed (payload truncated)", mutate: (d) => replaceOnce(d, /\n[^\n]*\n(\s*-----END AGE)/, (_m, e) => `\n${e}`), reason: "NoUsableKey", message: AGE_BROKEN },
  { name: "age-armor-junk", why: "the age armor body replaced by junk base64", mutate: (d) => replaceOnce(d, /(-----BEGIN AGE ENCRYPTED FILE-----\n)[\s\S]*?(\s*-----END)/, (_m, b, e) => `${b}              ${Buffer.from("junk".repeat(30)).toString("base64").slice(0, 64)}${e}`), reason: "NoUsableKey", message: AGE_BROKEN },
  { name: "age-enc-empty", why: "the age entry's enc is empty", mutate: (d) => replaceOnce(d, /enc: \|\n[\s\S]*?-----END AGE ENCRYPTED FILE-----\n/, () => 'enc: ""\n'), reason: "NoUsableKey", message: AGE_ARMOR },
  { name: "age-list-empty", why: "no master keys at all: nothing can recover the data key", mutate: (d) => replaceOnce(d, / {4}age:\n[\s\S]*?recipient: [^\n]*\n/, () => "    age: []\n"), reason: "NoUsableKey", message: NO_KEY },
  { name: "sops-block-not-map", why: "the sops key holds a string instead of the metadata map", mutate: (d) => replaceOnce(d, /^sops:\n[\s\S]*$/m, () => "sops: nope\n"), reason: "InvalidDocument", message: `${PREFIX}invalid sops metadata: not a mapping` },
];

function direct(name: string, why: string, sops: (ctx: SopsCtx) => string | Promise<string>, reason: string, message: string | RegExp, spec: Record<string, unknown> = {}): SopsCase {
  return {
    name, why, guard: null, canaries: [canary("sops", name)],
    object: async (ctx) => sopsSecret(await sops(ctx), spec),
    expect: { kind: "condition", reason, message, event: reason },
  };
}

function nested(depth: number, leaf: string): string {
  let s = `"${leaf}"`;
  for (let i = 0; i < depth; i++) s = `{"k${String(i)}": ${s}}`;
  return s;
}

const documents: SopsCase[] = [
  direct("wrong-recipient", "encrypted only for another cluster's recipient", (c) => encrypt(c, plainYaml("wrong-recipient"), "yaml", { groups: [[c.otherRecipient]] }), "NoUsableKey", NO_KEY),
  direct("shamir-threshold-unmet", "Shamir 2-of-2 where the operator holds one group's key only", (c) => encrypt(c, plainYaml("shamir-threshold-unmet"), "yaml", { groups: [[c.recipient], [c.otherRecipient]], threshold: 2 }), "NoUsableKey", NO_KEY),
  direct("not-encrypted", "a plain YAML document with no sops metadata", () => plainYaml("not-encrypted"), "InvalidDocument", NOT_SOPS),
  direct("not-encrypted-secret", "a plain Secret manifest with no sops metadata", () => `apiVersion: v1\nkind: Secret\nstringData:\n  a: ${canary("sops", "not-encrypted-secret")}\n`, "InvalidDocument", NOT_SOPS),
  direct("yaml-as-json", "a sops YAML document declared format json", (c) => encrypt(c, plainYaml("yaml-as-json")), "InvalidDocument", `${PREFIX}a JSON document must be an object`, { format: "json" }),
  direct("yaml-as-dotenv", "a sops YAML document declared format dotenv", (c) => encrypt(c, plainYaml("yaml-as-dotenv")), "InvalidDocument", `${PREFIX}invalid dotenv line 3`, { format: "dotenv" }),
  direct("yaml-as-ini", "a sops YAML document declared format ini", (c) => encrypt(c, plainYaml("yaml-as-ini")), "InvalidDocument", NOT_SOPS, { format: "ini" }),
  direct("yaml-as-binary", "a sops YAML document declared format binary (binary is sops' JSON envelope)", (c) => encrypt(c, plainYaml("yaml-as-binary")), "InvalidDocument", `${PREFIX}a JSON document must be an object`, { format: "binary" }),
  direct("dotenv-as-yaml", "a sops dotenv document declared yaml: it parses as one scalar, with no sops metadata", (c) => encrypt(c, `A=${canary("sops", "dotenv-as-yaml")}\n`, "dotenv"), "InvalidDocument", `${PREFIX}a YAML document must be a mapping`),
  direct("json-broken", "a sops JSON document cut in half", async (c) => (await encrypt(c, `{"a": "${canary("sops", "json-broken")}"}`, "json")).slice(0, 200), "InvalidDocument", `${PREFIX}invalid JSON at offset 200`, { format: "json" }),
  direct("yaml-broken", "YAML that does not parse (unclosed flow mapping)", () => "a: {b: [\n", "InvalidDocument", /invalid YAML \(BAD_INDENT\)/),
  direct("yaml-tab-indent", "YAML indented with a tab", () => "a:\n\tb: c\n", "InvalidDocument", /invalid YAML \(TAB_AS_INDENT\)/),
  direct("binary-junk", "printable junk that is no document", () => Array.from({ length: 2000 }, (_v, i) => String.fromCharCode(33 + ((i * 7919) % 90))).join(""), "InvalidDocument", /invalid YAML \(MISSING_CHAR\)/),
  direct("control-chars", "control characters in the document", () => "\u0001\u0002\u0003sops:\u0007\n", "InvalidDocument", `${PREFIX}a YAML document must be a mapping`),
  direct("multi-doc-plain", "two YAML documents without sops metadata", () => "a: 1\n---\nb: 2\n", "InvalidDocument", NOT_SOPS),
  direct("deep-nesting", "a document nested 100 levels deep (the cap is 64)", (c) => encrypt(c, nested(100, canary("sops", "deep-nesting")), "json", { maxDepth: 200 }), "TooLarge", /nests deeper than 64 levels/, { format: "json" }),
  direct("deep-nesting-yaml", "a value of YAML flow sequences nested 200 levels: refused by depth before anything else", () => `a: ${"[".repeat(200)}${"]".repeat(200)}\n`, "TooLarge", /nests deeper than 64 levels/),
  direct("alias-bomb", "YAML alias expansion bomb (billion laughs)", () => {
    const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 10; i++) lines.push(`a${String(i)}: &a${String(i)} [${Array.from({ length: 10 }, () => `*a${String(i - 1)}`).join(", ")}]`);
    return `${lines.join("\n")}\n`;
  }, "TooLarge", `${PREFIX}the YAML document contains excessive aliasing`),
];

const specs: SopsCase[] = [
  { name: "target-not-owned", why: "the target Secret exists and is not owned by this SopsSecret: never overwritten", canaries: [canary("sops", "target-not-owned")],
    object: async (c) => sopsSecret(await encrypt(c, plainYaml("target-not-owned"))),
    expect: { kind: "condition", reason: "TargetNotOwned", message: "Secret target-not-owned exists and is not owned by this SopsSecret", event: "TargetNotOwned" } },
  { name: "target-name-not-owned", why: "spec.target.name points at an existing Secret it does not own", guard: "someone-elses", canaries: [canary("sops", "target-name-not-owned")],
    object: async (c) => sopsSecret(await encrypt(c, plainYaml("target-name-not-owned")), { target: { name: "someone-elses" } }),
    expect: { kind: "condition", reason: "TargetNotOwned", message: "Secret someone-elses exists and is not owned by this SopsSecret", event: "TargetNotOwned" } },
  { name: "target-not-owned-tampered", why: "an unowned target and a tampered document: refused either way, the Secret stays", canaries: [canary("sops", "target-not-owned-tampered")],
    object: async (c) => sopsSecret(replaceOnce(await encrypt(c, plainYaml("target-not-owned-tampered")), MAC, (_m, ch) => `mac: ENC[AES256_GCM,data:${flipChar(ch)}`)),
    expect: { kind: "condition", reason: "TargetNotOwned", message: /is not owned by this SopsSecret/, event: "TargetNotOwned" } },
];

const rejected: SopsCase[] = [
  ["schema-no-spec", "spec is required", { apiVersion: "kseal.dev/v1alpha1", kind: "SopsSecret", metadata: {} }, /spec: Required value/],
  ["schema-no-sops", "spec.sops is required", sopsSecretRaw({}), /spec.sops: Required value/],
  ["schema-sops-empty", "spec.sops must not be empty", sopsSecretRaw({ sops: "" }), /spec.sops: Invalid value: "": spec.sops in body should be at least 1 chars long/],
  ["schema-sops-number", "spec.sops must be a string", sopsSecretRaw({ sops: 42 }), /spec.sops: Invalid value: "integer"/],
  ["schema-sops-object", "spec.sops must be the document text, not a parsed map", sopsSecretRaw({ sops: { a: "b" } }), /spec.sops: Invalid value: "object"/],
  ["schema-format-enum", "spec.format must be one of yaml, json, dotenv, ini, binary", sopsSecretRaw({ sops: "a: b", format: "toml" }), /spec.format: Unsupported value: "toml"/],
  ["schema-format-case", "spec.format is case-sensitive", sopsSecretRaw({ sops: "a: b", format: "YAML" }), /spec.format: Unsupported value: "YAML"/],
  ["schema-huge-doc", "a document over the 1 MiB cap on spec.sops", sopsSecretRaw({ sops: `a: ${"x".repeat(1_048_600)}\n` }), /spec.sops: Too long/],
  ["schema-target-string", "spec.target must be an object", sopsSecretRaw({ sops: "a: b", target: "name" }), /spec.target: Invalid value: "string"/],
  ["schema-target-labels-int", "spec.target.labels values must be strings", sopsSecretRaw({ sops: "a: b", target: { labels: { a: 1 } } }), /spec.target.labels.a: Invalid value: "integer"/],
  ["schema-target-name-int", "spec.target.name must be a string", sopsSecretRaw({ sops: "a: b", target: { name: 5 } }), /spec.target.name: Invalid value: "integer"/],
].map(([name, why, object, message]): SopsCase => ({ name: name as string, why: why as string, object: object as Manifest, expect: { kind: "rejected", message: message as RegExp } }));

function sopsSecretRaw(spec: Record<string, unknown>): Manifest {
  return { apiVersion: "kseal.dev/v1alpha1", kind: "SopsSecret", metadata: {}, spec };
}

export const SOPS_CASES: readonly SopsCase[] = [...mutations.map(mutated), ...documents, ...specs, ...rejected];
