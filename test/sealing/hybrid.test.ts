import { createPublicKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hybridDecrypt, hybridEncrypt, tryDecrypt } from "../../src/sealing/index.ts";
import { seededRng, testKey } from "./support.ts";

const a = testKey();
const b = testKey();
const label = Buffer.from("ns/name");

describe("hybrid wire format", () => {
  it("lays out uint16be(rsa length) ‖ rsa ciphertext ‖ gcm ciphertext ‖ tag", () => {
    const blob = hybridEncrypt(seededRng("layout"), a.key.publicKey, Buffer.from("hello"), label);
    expect(blob.readUInt16BE(0)).toBe(256); // 2048-bit modulus
    expect(blob.length).toBe(2 + 256 + 5 + 16);
  });

  it("round-trips arbitrary payloads (fixed seed)", () => {
    const rng = seededRng("roundtrip");
    for (const size of [0, 1, 31, 32, 33, 1000, 70_000]) {
      const plaintext = rng(size);
      const blob = hybridEncrypt(rng, a.key.publicKey, plaintext, label);
      expect(hybridDecrypt([b.key.privateKey, a.key.privateKey], blob, label).equals(plaintext)).toBe(true);
    }
  });

  it("refuses a non-RSA key", () => {
    const ec = createPublicKey({ key: { kty: "EC", crv: "P-256", x: "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4", y: "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM" }, format: "jwk" });
    expect(() => hybridEncrypt(seededRng("ec"), ec, Buffer.from("x"), label)).toThrow(expect.objectContaining({ code: "SEALING_BAD_KEY" }));
  });

  const plaintext = Buffer.from("very secret value");
  const blob = hybridEncrypt(seededRng("cases"), a.key.publicKey, plaintext, label);
  const flip = (at: number) => {
    const c = Buffer.from(blob);
    c[at] = (c[at] ?? 0) ^ 1;
    return c;
  };
  const cases: { reason: string; blob: Buffer; label: Buffer; key: typeof a }[] = [
    { reason: "empty input", blob: Buffer.alloc(0), label, key: a },
    { reason: "one byte", blob: Buffer.from([1]), label, key: a },
    { reason: "length prefix larger than the blob", blob: blob.subarray(0, 100), label, key: a },
    { reason: "truncated GCM tag", blob: blob.subarray(0, blob.length - 1), label, key: a },
    { reason: "flipped bit in the RSA ciphertext", blob: flip(10), label, key: a },
    { reason: "flipped bit in the GCM ciphertext", blob: flip(2 + 256 + 1), label, key: a },
    { reason: "flipped bit in the GCM tag", blob: flip(blob.length - 1), label, key: a },
    { reason: "label of another name (moved strict blob)", blob, label: Buffer.from("ns/other"), key: a },
    { reason: "label of another namespace", blob, label: Buffer.from("other/name"), key: a },
    { reason: "empty (cluster-wide) label", blob, label: Buffer.alloc(0), key: a },
    { reason: "wrong private key", blob, label, key: b },
  ];
  it.each(cases)("fails generically: $reason", ({ blob: c, label: l, key }) => {
    expect(tryDecrypt(key.key.privateKey, c, l)).toBeNull();
    let caught: unknown;
    try {
      hybridDecrypt([key.key.privateKey], c, l);
    } catch (e: unknown) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: "SEALING_DECRYPT_FAILED", message: "no key could decrypt the sealed value" });
  });
});
