/**
 * Fuzzes the sealed-blob opener and the SealedSecret path around it:
 * - blobs mutated byte-wise (flips, truncations, splices, length-prefix corruption) must fail
 *   with the one generic SEALING_DECRYPT_FAILED; only the untouched blob opens, to its plaintext;
 * - base64 text of an item mutated (garbage characters, dropped padding, whitespace) must fail with
 *   SEALING_INVALID or SEALING_DECRYPT_FAILED, or open to the right plaintext when it still
 *   decodes to the same bytes;
 * - whole SealedSecret manifests mutated and fed to `kseal --recovery-unseal` must end in exit 0
 *   with the right values or exit 1 with a stable code — never an internal error, never plaintext
 *   on stderr.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCliCaptured } from "../../cli/kseal/run.ts";
import { KsealError } from "../../src/errors.ts";
import {
  DECRYPT_FAILED,
  encryptionLabel,
  generateSealingKey,
  hybridDecrypt,
  hybridEncrypt,
  KeyRing,
  openSealedSecret,
  parseSealingCertificate,
  printObject,
  sealingKeyFromPem,
  sealSecret,
  type SealedSecret,
} from "../../src/sealing/index.ts";
import { BYTE_MUTATIONS, fuzzSeed, iterations, rand, type Mutation } from "./support.ts";

const SEED = fuzzSeed(0x5ea1_ed);
const N = iterations(200);
const N_CLI = iterations(80);
const SECRET = "s3cr3t-fuzz-value";

const generated = generateSealingKey({ now: new Date(), bits: 2048 });
const key = sealingKeyFromPem(generated.privateKeyPem, { certificatePem: generated.certificatePem });
const ring = new KeyRing([key]);
const { publicKey, fingerprint } = parseSealingCertificate(generated.certificatePem, new Date());
const label = encryptionLabel("apps", "db", "strict");

const BLOB_MUTATIONS: Readonly<Record<string, Mutation>> = {
  ...BYTE_MUTATIONS,
  lengthPrefix: (r, b) => {
    const c = Buffer.from(b);
    c.writeUInt16BE(r.pick([0, 1, 255, 256, 257, 511, 512, 0xffff, r.int(0x10000)]), 0);
    return c;
  },
  extend: (r, b) => Buffer.concat([b, r.bytes(1 + r.int(32))]),
  swapHalves: (_r, b) => Buffer.concat([b.subarray(2 + 256), b.subarray(0, 2 + 256)]),
};

describe(`sealed-blob opener fuzz (seed 0x${SEED.toString(16)}, ${N} blob and ${N} base64 mutations, ${N_CLI} manifest mutations)`, () => {
  it("a mutated blob never opens and always fails with the generic SEALING_DECRYPT_FAILED", () => {
    const r = rand(SEED);
    const plaintexts = [Buffer.alloc(0), Buffer.from(SECRET), r.bytes(3000)];
    const blobs = plaintexts.map((p) => hybridEncrypt((n) => r.bytes(n), publicKey, p, label));
    const keys = [key.privateKey];
    blobs.forEach((b, i) => { expect(hybridDecrypt(keys, b, label).equals(plaintexts[i] ?? Buffer.alloc(1))).toBe(true); });
    const mutators = Object.entries(BLOB_MUTATIONS);
    const seen = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const which = r.int(blobs.length);
      const blob = blobs[which] ?? Buffer.alloc(0);
      const [how, m] = r.pick(mutators);
      const mutated = m(r, blob);
      const t0 = performance.now();
      let result: unknown;
      try {
        result = hybridDecrypt(keys, mutated, label);
      } catch (e: unknown) {
        result = e;
      }
      expect(performance.now() - t0, `iteration ${i} (${how}) too slow`).toBeLessThan(2_000);
      if (Buffer.isBuffer(result)) {
        // Only a mutation that changed nothing (e.g. a splice of equal bytes) may open.
        expect(mutated.equals(blob), `iteration ${i} (${how}): a changed blob opened`).toBe(true);
        expect(result.equals(plaintexts[which] ?? Buffer.alloc(1))).toBe(true);
        seen.set("unchanged", (seen.get("unchanged") ?? 0) + 1);
      } else {
        expect(result, `iteration ${i} (${how})`).toBeInstanceOf(KsealError);
        expect((result as KsealError).code, `iteration ${i} (${how})`).toBe(DECRYPT_FAILED);
        seen.set(how, (seen.get(how) ?? 0) + 1);
      }
    }
    expect(seen.get("lengthPrefix") ?? 0).toBeGreaterThan(0);
  }, Math.max(30_000, N * 50));

  it("a mutated base64 item fails with SEALING_INVALID or SEALING_DECRYPT_FAILED, or opens to its value", () => {
    const r = rand(SEED + 1);
    const sealed = sealSecret({ apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "apps" }, stringData: { password: SECRET } }, { publicKey, fingerprint });
    const b64 = sealed.spec.encryptedData?.password ?? "";
    const textMutations: readonly ((s: string) => string)[] = [
      (s) => { const i = r.int(s.length); return s.slice(0, i) + r.pick(["!", "*", "-", "_", ".", "\u00e9", "\u0000", "=", " ", "\n"]) + s.slice(i + 1); },
      (s) => { const i = r.int(s.length); return s.slice(0, i) + r.pick(["A", "/", "+", "z", "9"]) + s.slice(i + 1); },
      (s) => s.replace(/=+$/, ""),
      (s) => `${s}${"=".repeat(1 + r.int(3))}`,
      (s) => s.slice(0, r.int(s.length)),
      (s) => { const i = r.int(s.length); return `${s.slice(0, i)}\n  ${s.slice(i)}`; },
      (s) => Buffer.from(s, "base64").toString("base64url"),
      () => r.bytes(r.int(600)).toString("latin1"),
    ];
    const codes = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const m = r.int(textMutations.length);
      const mutated = (textMutations[m] ?? ((s: string) => s))(b64);
      const ss: SealedSecret = { ...sealed, spec: { ...sealed.spec, encryptedData: { password: mutated } } };
      let result: unknown;
      try {
        result = openSealedSecret(ss, ring);
      } catch (e: unknown) {
        result = e;
      }
      if (result instanceof KsealError) {
        expect(["SEALING_INVALID", DECRYPT_FAILED], `iteration ${i} (text mutation ${m})`).toContain(result.code);
        expect(result.message).not.toContain(SECRET);
        codes.set(result.code, (codes.get(result.code) ?? 0) + 1);
      } else {
        const opened = result as ReturnType<typeof openSealedSecret>;
        expect(opened.kind, `iteration ${i} (text mutation ${m}) threw ${String(result)}`).toBe("items");
        if (opened.kind === "items") expect(opened.items.get("password")?.toString(), `iteration ${i} (text mutation ${m})`).toBe(SECRET);
        codes.set("opened", (codes.get("opened") ?? 0) + 1);
      }
    }
    expect(codes.get("SEALING_INVALID") ?? 0, JSON.stringify(Object.fromEntries(codes))).toBeGreaterThan(0);
    expect(codes.get(DECRYPT_FAILED) ?? 0, JSON.stringify(Object.fromEntries(codes))).toBeGreaterThan(0);
  }, Math.max(30_000, N * 50));

  it("kseal --recovery-unseal on mutated manifests: the right values or a stable error, nothing else", async () => {
    const r = rand(SEED + 2);
    const dir = mkdtempSync(join(tmpdir(), "kseal-fuzz-"));
    writeFileSync(join(dir, "key.pem"), generated.privateKeyPem);
    const sealed = sealSecret(
      { apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "apps", labels: { a: "b" } }, type: "Opaque", stringData: { password: SECRET, user: "admin" } },
      { publicKey, fingerprint },
    );
    const texts = [printObject(sealed, "yaml"), printObject(sealed, "json")].map((t) => Buffer.from(t));
    const mutators = Object.entries(BYTE_MUTATIONS);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < N_CLI; i++) {
      const [how, m] = r.pick(mutators);
      const input = m(r, r.pick(texts)).toString("latin1");
      const res = await runCliCaptured(["--recovery-unseal", "--recovery-private-key", "key.pem", "-o", "json"], input, { cwd: dir, env: { HOME: dir, KUBECONFIG: join(dir, "none") } });
      const where = `iteration ${i} (${how}): exit ${res.code}, stderr ${res.stderr}`;
      expect(res.stderr, where).not.toMatch(/internal error|unexpected [A-Z]\w*Error|\n\s+at /);
      expect(res.stderr, where).not.toContain(SECRET);
      if (res.code === 0) {
        // Whatever metadata survived, an opened value is the sealed one.
        for (const doc of res.stdout.split(/\n(?=\{)/).filter((d) => d.trim() !== "")) {
          const secret = JSON.parse(doc) as { data?: Record<string, string> };
          const pw = secret.data?.password;
          if (pw !== undefined) expect(Buffer.from(pw, "base64").toString(), where).toBe(SECRET);
        }
        outcomes.set("ok", (outcomes.get("ok") ?? 0) + 1);
      } else {
        expect(res.code, where).toBe(1);
        const code = /\[([A-Z_]+)\]\n$/.exec(res.stderr)?.[1];
        expect(code, where).toMatch(/^(MANIFEST_INVALID|SEALING_[A-Z_]+|CLI_[A-Z_]+)$/);
        outcomes.set(code ?? "", (outcomes.get(code ?? "") ?? 0) + 1);
      }
    }
    expect(outcomes.get(DECRYPT_FAILED) ?? 0, JSON.stringify(Object.fromEntries(outcomes))).toBeGreaterThan(0);
  }, Math.max(30_000, N_CLI * 200));
});
