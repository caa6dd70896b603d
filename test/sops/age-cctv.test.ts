/**
 * The CCTV age test vectors through the exact path kseal uses to open a sops `enc` entry
 * (`unwrapWithIdentities`: armor when armored, Decrypter with the listed identities). Passphrase
 * vectors are outside sops' use of age and are checked to be refused, not opened.
 */
import { createHash } from "node:crypto";
import { inflateSync } from "node:zlib";
import * as cctv from "cctv-age";
import { armor } from "age-encryption";
import { describe, expect, it } from "vitest";
import { unwrapWithIdentities } from "../../src/sops/keys/age.ts";

interface Vector {
  readonly name: string;
  readonly expect: string;
  readonly payload?: string;
  readonly identities: string[];
  readonly passphrase: boolean;
  readonly armored: boolean;
  readonly body: Uint8Array;
}

function parseVector(name: string, data: Uint8Array): Vector {
  const end = Buffer.from(data).indexOf("\n\n");
  const head = Buffer.from(data.subarray(0, end)).toString("latin1");
  const v: Vector = { name, expect: "", identities: [], passphrase: false, armored: false, body: data.subarray(end + 2) };
  const out = v as { -readonly [K in keyof Vector]: Vector[K] };
  for (const line of head.split("\n")) {
    const [k = "", ...rest] = line.split(": ");
    const val = rest.join(": ");
    if (k === "expect") out.expect = val;
    if (k === "payload") out.payload = val;
    if (k === "identity") out.identities.push(val);
    if (k === "passphrase") out.passphrase = true;
    if (k === "armored") out.armored = val === "yes";
    if (k === "compressed" && val === "zlib") out.body = inflateSync(out.body);
  }
  return v;
}

const vectors = Object.entries(cctv as Record<string, Uint8Array>).map(([n, d]) => parseVector(n, d));

describe("CCTV age vectors", () => {
  it("are all present", () => {
    expect(vectors.length).toBeGreaterThan(100);
  });
  for (const v of vectors) {
    it(`${v.name}: ${v.expect}`, async () => {
      const text = Buffer.from(v.body).toString("latin1");
      let result: Uint8Array | null | "error";
      try {
        if (v.armored) {
          result = await unwrapWithIdentities(text, v.identities);
        } else {
          // binary vectors: go through the same function by armoring them first
          result = await unwrapWithIdentities(armor.encode(v.body), v.identities);
        }
      } catch {
        result = "error";
      }
      if (v.passphrase) {
        // sops never uses passphrases: kseal must not open these (no identity can match)
        expect(result === null || result === "error").toBe(true);
        return;
      }
      if (v.expect === "success") {
        expect(result).toBeInstanceOf(Uint8Array);
        expect(createHash("sha256").update(result as Uint8Array).digest("hex")).toBe(v.payload);
      } else if (v.expect === "no match") {
        expect(result).toBeNull();
      } else {
        // header/armor/payload/HMAC failures must never yield plaintext
        expect(result).toBe("error");
      }
    });
  }
});
