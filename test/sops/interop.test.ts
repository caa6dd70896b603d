/**
 * sops → kseal and kseal → sops with the real `sops` binary, for every format and selection rule.
 * Equality is semantic (both sides parsed by kseal's plain codec) since the emitters may quote
 * differently; the MAC check inside both tools makes it strict where it matters.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { decryptFile, encryptFile, parsePlain, DEFAULT_LIMITS } from "../../src/sops/index.ts";
import type { Format, Rules } from "../../src/sops/index.ts";
import { valueToPlain } from "../../src/sops/metadata.ts";
import { ageKeygen, sops, sopsDecrypt, tempDir, write } from "./support.ts";
import type { TestKey } from "./support.ts";

let dir: string;
let k1: TestKey;
let k2: TestKey;
let k3: TestKey;

beforeAll(() => {
  dir = tempDir();
  k1 = ageKeygen(dir, "k1");
  k2 = ageKeygen(dir, "k2");
  k3 = ageKeygen(dir, "k3");
});

const YAML = `# top comment
name: kseal # inline
count: 12
ratio: 1.5
enabled: true
empty: ""
nothing: null
when: 2024-01-01T10:00:00Z
unicode: "héllo wörld ✓ 日本"
nested:
  list:
    # before x
    - x
    - 2
    - k: v
      deeper: [a, [b, c]]
  password_unencrypted: plain
  api_key: secret
multiline: |
  line one
  line two
---
second: document
pw_enc: yes
`;
const JSON_DOC = `{"name":"kseal","count":12,"ratio":1.5,"enabled":false,"empty":"","nothing":null,"unicode":"héllo ✓ <&>","nested":{"list":["x",2,{"k":"v"}],"password_unencrypted":"plain","api_key":"secret"},"10":"numeric key order"}`;
const DOTENV = `# a comment\nNAME=kseal\nEMPTY=\nMULTI=a\\nb\nUNICODE=日本\nAPI_KEY=secret\npassword_unencrypted=plain\n`;
const INI = `; head\n[db]\nuser = admin\n; the password\npassword = s3cr3t\nempty =\n[api]\napi_key = secret\nplain_unencrypted = visible\n`;
// Valid UTF-8 (sops' own decrypt replaces invalid sequences with U+FFFD, see the test below).
const BINARY = Buffer.concat([Buffer.from([0, 1, 2, 10, 13, 0x7f, 0x41]), Buffer.from("✓日本", "utf8")]);

const INPUTS: Record<Format, { name: string; data: string | Uint8Array }> = {
  yaml: { name: "doc.yaml", data: YAML },
  json: { name: "doc.json", data: JSON_DOC },
  dotenv: { name: "doc.env", data: DOTENV },
  ini: { name: "doc.ini", data: INI },
  binary: { name: "doc.bin", data: BINARY },
};

function plainOf(format: Format, bytes: Uint8Array | string): unknown {
  const b = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
  if (format === "binary") return Buffer.from(b).toString("base64");
  return parsePlain(format, b, DEFAULT_LIMITS).map((m) => valueToPlain(m));
}

interface RuleCase {
  readonly why: string;
  /** sops flags, or a creation-rule line for settings sops only takes from .sops.yaml. */
  readonly flags: readonly string[];
  readonly configLine?: string;
  readonly rules?: Rules;
  readonly macOnlyEncrypted?: boolean;
}

const RULES: readonly RuleCase[] = [
  { why: "default rule: unencrypted_suffix _unencrypted", flags: [] },
  { why: "encrypted_regex selects only matching keys", flags: ["--encrypted-regex", "^(api_key|name|NAME|password|user)$"], rules: { encryptedRegex: "^(api_key|name|NAME|password|user)$" } },
  { why: "encrypted_suffix selects keys ending in a suffix", flags: ["--encrypted-suffix", "_key"], rules: { encryptedSuffix: "_key" } },
  { why: "unencrypted_regex leaves matching keys plain", flags: ["--unencrypted-regex", "^(count|ratio|NAME|user)$"], rules: { unencryptedRegex: "^(count|ratio|NAME|user)$" } },
  { why: "a custom unencrypted_suffix", flags: ["--unencrypted-suffix", "_key"], rules: { unencryptedSuffix: "_key" } },
  { why: "mac_only_encrypted hashes only encrypted values", flags: ["--encrypted-suffix", "_key"], configLine: "mac_only_encrypted: true", rules: { encryptedSuffix: "_key" }, macOnlyEncrypted: true },
];

const TEXT_FORMATS: readonly Format[] = ["yaml", "json", "dotenv", "ini"];

describe("sops → kseal", () => {
  for (const format of [...TEXT_FORMATS, "binary" as const]) {
    for (const rc of format === "binary" ? RULES.slice(0, 1) : RULES) {
      it(`${format}: ${rc.why}`, async () => {
        const { name, data } = INPUTS[format];
        const src = write(dir, `s-${format}-${RULES.indexOf(rc)}-${name}`, data);
        const config = rc.configLine === undefined ? [] : ["--config", write(dir, "moe.sops.yaml", `creation_rules:\n  - age: ${k1.recipient}\n    ${rc.configLine}\n`)];
        const enc = sops(dir, [...config, "encrypt", "--age", k1.recipient, ...rc.flags, src]);
        if (rc.macOnlyEncrypted === true) expect(enc).toMatch(/mac_only_encrypted/);
        const viaSops = sopsDecrypt(dir, format, enc, k1.file);
        const viaKseal = await decryptFile(Buffer.from(enc), { inputFormat: format, identities: [k1.identity] });
        expect(plainOf(format, viaKseal)).toEqual(plainOf(format, viaSops));
        expect(plainOf(format, viaKseal)).toEqual(plainOf(format, data));
      });
    }
  }
});

describe("kseal → sops", () => {
  for (const format of [...TEXT_FORMATS, "binary" as const]) {
    for (const rc of format === "binary" ? RULES.slice(0, 1) : RULES) {
      it(`${format}: ${rc.why}`, async () => {
        const { data } = INPUTS[format];
        const opts = { inputFormat: format, keyGroups: [[k1.recipient]], now: new Date("2026-01-02T03:04:05Z"), macOnlyEncrypted: rc.macOnlyEncrypted === true };
        const enc = await encryptFile(Buffer.from(data), rc.rules === undefined ? opts : { ...opts, rules: rc.rules });
        const out = sopsDecrypt(dir, format, Buffer.from(enc), k1.file);
        expect(plainOf(format, out)).toEqual(plainOf(format, data));
      });
    }
  }

  it("yaml: kseal's encrypted comments open in sops (and values the rule skips stay readable)", async () => {
    const enc = Buffer.from(await encryptFile(Buffer.from(YAML), { inputFormat: "yaml", keyGroups: [[k1.recipient]], now: new Date() })).toString();
    expect(enc).not.toContain("top comment");
    expect(enc).toContain("password_unencrypted: plain");
    const out = sopsDecrypt(dir, "yaml", enc, k1.file);
    expect(out).toContain("# top comment");
    expect(out).toContain("# before x");
  });
});

describe("comment rules", () => {
  const doc = "# sops:enc\nsecret: hidden\npublic: shown\n# keep-plain\nother: visible\nlast: x\n";
  const cases = [
    { why: "encrypted_comment_regex encrypts only values after a matching comment", flag: "encrypted_comment_regex", re: "sops:enc", rules: { encryptedCommentRegex: "sops:enc" }, hidden: ["hidden"], shown: ["shown", "visible"] },
    { why: "unencrypted_comment_regex leaves values after a matching comment plain", flag: "unencrypted_comment_regex", re: "keep-plain", rules: { unencryptedCommentRegex: "keep-plain" }, hidden: ["hidden", "shown"], shown: ["visible"] },
  ];
  for (const c of cases) {
    it(`sops → kseal: ${c.why}`, async () => {
      const src = write(dir, `cr-${c.flag}.yaml`, doc);
      // sops takes the comment rules from .sops.yaml only
      const enc = sops(dir, ["--config", write(dir, "cr.sops.yaml", `creation_rules:\n  - age: ${k1.recipient}\n    ${c.flag}: ${c.re}\n`), "encrypt", src]);
      for (const h of c.hidden) expect(enc).not.toContain(h);
      for (const s of c.shown) expect(enc).toContain(s);
      const out = await decryptFile(Buffer.from(enc), { inputFormat: "yaml", identities: [k1.identity] });
      expect(plainOf("yaml", out)).toEqual(plainOf("yaml", doc));
    });
    it(`kseal → sops: ${c.why}`, async () => {
      const enc = Buffer.from(await encryptFile(Buffer.from(doc), { inputFormat: "yaml", keyGroups: [[k1.recipient]], rules: c.rules, now: new Date() })).toString();
      for (const h of c.hidden) expect(enc).not.toContain(h);
      for (const s of c.shown) expect(enc).toContain(s);
      const out = sopsDecrypt(dir, "yaml", enc, k1.file);
      expect(plainOf("yaml", out)).toEqual(plainOf("yaml", doc));
    });
  }
});

describe("key groups with Shamir", () => {
  const doc = "a: 1\nb: [x, y]\n";
  it("sops 2-of-3 → kseal with any two of the three keys, not with one", async () => {
    const cfg = write(dir, "kg.sops.yaml", `creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n      - age: [${k1.recipient}]\n      - age: [${k2.recipient}]\n      - age: [${k3.recipient}]\n`);
    const src = write(dir, "kg.yaml", doc);
    const enc = sops(dir, ["--config", cfg, "encrypt", src]);
    for (const pair of [[k1, k2], [k2, k3], [k1, k3]] as const) {
      const out = await decryptFile(Buffer.from(enc), { inputFormat: "yaml", identities: pair.map((k) => k.identity) });
      expect(plainOf("yaml", out)).toEqual(plainOf("yaml", doc));
    }
    await expect(decryptFile(Buffer.from(enc), { inputFormat: "yaml", identities: [k2.identity] })).rejects.toMatchObject({ code: "SOPS_NO_KEY" });
  });

  it("kseal 2-of-3 → sops with two keys", async () => {
    const enc = await encryptFile(Buffer.from(doc), { inputFormat: "yaml", keyGroups: [[k1.recipient], [k2.recipient], [k3.recipient]], shamirThreshold: 2, now: new Date() });
    expect(Buffer.from(enc).toString()).toContain("shamir_threshold: 2");
    const both = write(dir, "k13.txt", `${readFileSync(k1.file, "utf8")}\n${readFileSync(k3.file, "utf8")}`);
    const out = sopsDecrypt(dir, "yaml", Buffer.from(enc), both);
    expect(plainOf("yaml", out)).toEqual(plainOf("yaml", doc));
  });
});

describe("sops-written metadata details", () => {
  it("binary bytes that are not UTF-8 come back exactly from kseal (sops' own decrypt would replace them)", async () => {
    const raw = Buffer.from([0, 255, 254, 0x80, 0xc3, 0x28, 10]);
    const enc = sops(dir, ["encrypt", "--age", k1.recipient, write(dir, "raw.bin", raw)]);
    const out = await decryptFile(Buffer.from(enc), { inputFormat: "binary", identities: [k1.identity] });
    expect(Buffer.from(out).equals(raw)).toBe(true);
  });

  it("multi-document YAML: sops writes metadata in every document; kseal reads it from the first", async () => {
    const src = write(dir, "multi.yaml", "a: 1\n---\nb: 2\n---\nc: [3]\n");
    const enc = sops(dir, ["encrypt", "--age", k1.recipient, src]);
    expect(enc.match(/^sops:/gm)?.length).toBe(3);
    const out = await decryptFile(Buffer.from(enc), { inputFormat: "yaml", identities: [k1.identity] });
    expect(Buffer.from(out).toString()).toBe("a: 1\n---\nb: 2\n---\nc:\n    - 3\n");
  });

  it("lists of comments as sops writes them (encrypted comments as list items) open and keep the MAC", async () => {
    const doc = "l:\n  # c1\n  - a\n  # c2\n  - b\n";
    const enc = sops(dir, ["encrypt", "--age", k1.recipient, write(dir, "lc.yaml", doc)]);
    const out = await decryptFile(Buffer.from(enc), { inputFormat: "yaml", identities: [k1.identity] });
    expect(Buffer.from(out).toString()).toBe("l:\n    # c1\n    - a\n    # c2\n    - b\n");
  });

  it("kseal output is byte-identical in shape to sops for a simple JSON file (tabs, sorted metadata)", async () => {
    const enc = Buffer.from(await encryptFile(Buffer.from('{"a":"b"}'), { inputFormat: "json", keyGroups: [[k1.recipient]], now: new Date("2026-01-02T03:04:05Z") })).toString();
    expect(enc).toMatch(/^\{\n\t"a": "ENC\[AES256_GCM,data:[^"]+,type:str\]",\n\t"sops": \{\n\t\t"age": \[\n\t\t\t\{\n\t\t\t\t"enc": "-----BEGIN AGE ENCRYPTED FILE-----\\n/);
    expect(enc).toContain('\t\t"lastmodified": "2026-01-02T03:04:05Z",\n\t\t"mac": "ENC[');
  });
});
