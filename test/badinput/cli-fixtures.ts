/**
 * Key material and valid artefacts the CLI bad-input corpus mutates: a sealing key pair (and a
 * second, wrong one), an expired and a non-RSA certificate, a SealedSecret sealed in process, an
 * age key pair (and a wrong one) and SOPS files of every text format encrypted in process. Every
 * plaintext value contains {@link CANARY}, so a test can prove no error path prints it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import {
  generateSealingKey,
  parseSealingCertificate,
  printObject,
  sealSecret,
  selfSignedCertificate,
  type SealedSecret,
} from "../../src/sealing/index.ts";
import { encryptFile, generateAgeKey, type Format } from "../../src/sops/index.ts";
import { seeded } from "../sops/support.ts";

/** A marker inside every plaintext value of the fixtures. */
export const CANARY = "CANARY-c0ffee-4711";

export interface SopsFiles {
  readonly yaml: string;
  readonly json: string;
  readonly dotenv: string;
  readonly ini: string;
  readonly binary: string;
}

export interface CliFixtures {
  readonly certPem: string;
  readonly keyPem: string;
  readonly wrongKeyPem: string;
  readonly wrongCertPem: string;
  readonly expiredCertPem: string;
  readonly ecCertPem: string;
  /** A strict-scope SealedSecret `apps/db` with items `password` and `user` (YAML). */
  readonly sealedYaml: string;
  readonly sealed: SealedSecret;
  readonly age: { readonly identity: string; readonly recipient: string };
  readonly wrongAge: { readonly identity: string; readonly recipient: string };
  /** Encrypted for `age` (one group). */
  readonly sops: SopsFiles;
  /** The plain documents `sops` was made from. */
  readonly plain: SopsFiles;
}

export const PLAIN: SopsFiles = {
  yaml: `user: admin\npassword: ${CANARY}-pw\nnested:\n  token: ${CANARY}-tok\nlist:\n  - ${CANARY}-0\n`,
  json: `{"user": "admin", "password": "${CANARY}-pw", "n": {"token": "${CANARY}-tok"}}\n`,
  dotenv: `USER=admin\nPASSWORD=${CANARY}-pw\n`,
  ini: `[db]\nuser = admin\npassword = ${CANARY}-pw\n`,
  binary: `${CANARY} raw bytes\n`,
};

const NOW = new Date("2025-06-01T00:00:00Z");

export function secretYaml(extra = ""): string {
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\n${extra}data:\n  password: ${Buffer.from(`${CANARY}-pw`).toString("base64")}\n`;
}

export async function makeFixtures(): Promise<CliFixtures> {
  const main = generateSealingKey({ now: new Date(), bits: 2048 });
  const wrong = generateSealingKey({ now: new Date(), bits: 2048 });
  const expiredCertPem = selfSignedCertificate(main.privateKeyPem, { now: new Date("2001-01-01T00:00:00Z"), commonName: "expired", validityMs: 24 * 3600 * 1000 });
  const { publicKey, fingerprint } = parseSealingCertificate(main.certificatePem, new Date());
  const sealed = sealSecret(
    { apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "apps" }, stringData: { password: `${CANARY}-pw`, user: "admin" } },
    { publicKey, fingerprint, scope: "strict" },
  );
  const age = await generateAgeKey();
  const wrongAge = await generateAgeKey();
  const enc = async (format: Format): Promise<string> =>
    Buffer.from(await encryptFile(Buffer.from(PLAIN[format]), { inputFormat: format, keyGroups: [[age.recipient]], now: NOW })).toString("utf8");
  return {
    certPem: main.certificatePem,
    keyPem: main.privateKeyPem,
    wrongKeyPem: wrong.privateKeyPem,
    wrongCertPem: wrong.certificatePem,
    expiredCertPem,
    ecCertPem: readFileSync(join(import.meta.dirname, "..", "sealing", "fixtures", "ec-cert.pem"), "utf8"),
    sealedYaml: printObject(sealed, "yaml"),
    sealed,
    age,
    wrongAge,
    sops: { yaml: await enc("yaml"), json: await enc("json"), dotenv: await enc("dotenv"), ini: await enc("ini"), binary: await enc("binary") },
    plain: PLAIN,
  };
}

/** The SealedSecret with `mutate` applied to a deep copy, as YAML. */
export function sealedWith(fx: CliFixtures, mutate: (s: SealedSecret & Record<string, unknown>) => void): string {
  const copy = structuredClone(fx.sealed) as SealedSecret & Record<string, unknown>;
  mutate(copy);
  return stringify(copy);
}

/** A base64 blob with `f` applied to its bytes. */
export function mutateBlob(b64: string, f: (b: Buffer) => Buffer): string {
  return f(Buffer.from(b64, "base64")).toString("base64");
}

/** Replaces the `data:` part of the first `ENC[...]` after `anchor` by `f(data)`. */
export function mutateEnc(text: string, anchor: string, f: (data: string) => string): string {
  const at = text.indexOf(anchor);
  if (at === -1) throw new Error(`anchor ${anchor} not in the fixture`);
  const start = text.indexOf("data:", at) + "data:".length;
  const end = text.indexOf(",", start);
  return text.slice(0, start) + f(text.slice(start, end)) + text.slice(end);
}

/** Flips one base64 character (A<->B) at `i` from the start. */
export function flipB64(s: string, i = 0): string {
  const c = s[i] === "A" ? "B" : "A";
  return s.slice(0, i) + c + s.slice(i + 1);
}

/** Deterministic junk bytes (xorshift32), including NULs and invalid UTF-8. */
export function junk(n: number, seed = 0x1234567): Buffer {
  return Buffer.from(seeded(seed)(n));
}
