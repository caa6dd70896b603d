import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bcryptHash } from "../../src/template/funcs/bcrypt.ts";
import { renderTemplate } from "../../src/template/index.ts";
import type { OracleRequest } from "./oracle.ts";
import { runOracle } from "./oracle.ts";

/** Deterministic bytes for passwords and salts: SHA-256 in counter mode over a fixed seed. */
function seeded(seed: string, n: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < n; i++) out.push(createHash("sha256").update(`${seed}/${String(i)}`).digest());
  return Buffer.concat(out).subarray(0, n);
}

const STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BC = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** The 16 salt bytes of a `$2a$NN$` hash (bcrypt's base64 alphabet, unpadded). */
const saltOf = (hash: string): Buffer => Buffer.from([...hash.slice(7, 29)].map((c) => STD[BC.indexOf(c)] ?? "").join("") + "==", "base64");

const BCRYPT_RE = /^\$2a\$10\$[./A-Za-z0-9]{53}$/;

/** Go's bcrypt.CompareHashAndPassword must accept each (hash, password) kseal produced. */
function goAccepts(pairs: readonly { hash: string; password: Buffer }[]): string[] {
  const reqs: OracleRequest[] = pairs.map((p) => ({ template: "", bcrypt: { hash: p.hash, passwordB64: p.password.toString("base64") } }));
  return runOracle(reqs).map((r) => (r.ok ? r.output.toString() : `error: ${r.error}`));
}

describe("bcrypt (EksBlowfish) proven by Go's golang.org/x/crypto/bcrypt", () => {
  it("Go accepts kseal's hashes for 60 seeded passwords of every length 0–72 and arbitrary bytes", () => {
    const pairs: { hash: string; password: Buffer }[] = [];
    for (let i = 0; i < 60; i++) {
      // Lengths sweep 0..72 including the 72-byte edge (where bcrypt's NUL terminator is cut off).
      const len = i === 59 ? 72 : Math.floor((i * 73) / 60);
      const password = seeded(`pw${String(i)}`, len);
      pairs.push({ hash: bcryptHash(password, 4 + (i % 3), seeded(`salt${String(i)}`, 16)), password });
    }
    const res = goAccepts(pairs);
    expect(res).toEqual(pairs.map((p) => `ok cost=${p.hash.slice(4, 6).replace(/^0/, "")}`));
  });

  it("Go rejects a hash for a different password (the check can fail)", () => {
    const hash = bcryptHash(Buffer.from("right"), 4, seeded("s", 16));
    const [res] = goAccepts([{ hash, password: Buffer.from("wrong") }]);
    expect(res).toMatch(/not the hash of the given password/);
  });

  it("template bcrypt and htpasswd use cost 10 and a fresh salt that Go verifies", () => {
    const inputs = ["", "s3cr3t!", "héllo wörld ✓", "x".repeat(72)];
    const pairs = inputs.map((pw) => ({ hash: renderTemplate("{{ bcrypt .pw }}", { pw }), password: Buffer.from(pw, "utf8") }));
    for (const p of pairs) expect(p.hash).toMatch(BCRYPT_RE);
    const ht = renderTemplate("{{ htpasswd .user .pw }}", { user: "admin", pw: "s3cr3t!" });
    expect(ht).toMatch(/^admin:\$2a\$10\$/);
    pairs.push({ hash: ht.slice("admin:".length), password: Buffer.from("s3cr3t!") });
    expect(goAccepts(pairs)).toEqual(pairs.map(() => "ok cost=10"));
    expect(renderTemplate("{{ bcrypt .pw }}", { pw: "a" })).not.toBe(renderTemplate("{{ bcrypt .pw }}", { pw: "a" }));
  });

  it("reproduces Go's own hashes byte for byte from their salt (Go → kseal)", () => {
    const inputs = ["", "hunter2", "ünïcödé", "y".repeat(72)];
    const go = runOracle(inputs.map((pw) => ({ template: "{{ bcrypt .pw }}", data: { pw } })));
    inputs.forEach((pw, i) => {
      const r = go[i];
      if (!r?.ok) throw new Error("oracle failed to hash");
      const hash = r.output.toString();
      expect(bcryptHash(Buffer.from(pw, "utf8"), 10, saltOf(hash))).toBe(hash);
    });
  });

  it("refuses bad parameters without echoing the password", () => {
    const pw = Buffer.from("p".repeat(73));
    expect(() => bcryptHash(pw, 10, Buffer.alloc(16))).toThrow(/^bcrypt: password length exceeds 72 bytes$/);
    expect(() => bcryptHash(Buffer.from("a"), 3, Buffer.alloc(16))).toThrow(/cost out of range/);
    expect(() => bcryptHash(Buffer.from("a"), 4, Buffer.alloc(15))).toThrow(/salt must be 16 bytes/);
  });
});
