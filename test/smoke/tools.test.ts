// Smoke tests of the real sops, age and kubeseal binaries kseal is checked against byte for byte.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runPeer } from "../support/bins.ts";

const dir = mkdtempSync(join(tmpdir(), "kseal-smoke-"));

function ageKey(): { identity: string; recipient: string; file: string } {
  const file = join(dir, `key-${String(Math.random()).slice(2)}.txt`);
  const r = runPeer("age-keygen", ["-o", file]);
  expect(r.status).toBe(0);
  const recipient = /Public key: (age1[0-9a-z]+)/.exec(r.stderr)?.[1] ?? "";
  expect(recipient).toMatch(/^age1/);
  return { identity: file, recipient, file };
}

describe("peer CLI smoke", () => {
  it("age encrypts and decrypts a message", () => {
    const key = ageKey();
    const enc = runPeer("age", ["-r", key.recipient, "-a"], { input: "hello age\n" });
    expect(enc.status).toBe(0);
    expect(enc.stdout).toContain("-----BEGIN AGE ENCRYPTED FILE-----");
    const dec = runPeer("age", ["-d", "-i", key.identity], { input: enc.stdout });
    expect(dec.status).toBe(0);
    expect(dec.stdout).toBe("hello age\n");
  });

  it("sops reports its pinned version and round-trips a YAML file with age", () => {
    expect(runPeer("sops", ["--version", "--disable-version-check"]).stdout).toMatch(/sops 3\.13\./);
    const key = ageKey();
    const plain = join(dir, "secret.yaml");
    writeFileSync(plain, "user: admin\npassword: s3cret\n");
    const env = { SOPS_AGE_KEY_FILE: key.identity };
    const enc = runPeer("sops", ["encrypt", "--age", key.recipient, plain], { env, cwd: dir });
    expect(enc.status, enc.stderr).toBe(0);
    expect(enc.stdout).toMatch(/password: ENC\[AES256_GCM,data:/);
    const encFile = join(dir, "secret.enc.yaml");
    writeFileSync(encFile, enc.stdout);
    const dec = runPeer("sops", ["decrypt", encFile], { env, cwd: dir });
    expect(dec.status, dec.stderr).toBe(0);
    expect(dec.stdout).toBe("user: admin\npassword: s3cret\n");
  });

  it("kubeseal reports its version and seals offline with a certificate, then recovery-unseals", () => {
    expect(runPeer("kubeseal", ["--version"]).stdout).toMatch(/0\.36\./);
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:4096", "-nodes", "-days", "30", "-subj", "/CN=sealed-secret",
      "-keyout", join(dir, "ss.key"), "-out", join(dir, "ss.crt")], { stdio: "ignore" });
    const secret = JSON.stringify({
      apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "app" }, data: { pw: Buffer.from("hunter2").toString("base64") },
    });
    const sealed = runPeer("kubeseal", ["--cert", join(dir, "ss.crt"), "-o", "json"], { input: secret });
    expect(sealed.status, sealed.stderr).toBe(0);
    const ss = JSON.parse(sealed.stdout) as { kind: string; spec: { encryptedData: Record<string, string> } };
    expect(ss.kind).toBe("SealedSecret");
    writeFileSync(join(dir, "ss.json"), sealed.stdout);
    const open = runPeer("kubeseal", ["--recovery-unseal", "--recovery-private-key", join(dir, "ss.key"), "-o", "json", "-f", join(dir, "ss.json")]);
    expect(open.status, open.stderr).toBe(0);
    const back = JSON.parse(open.stdout) as { data: Record<string, string> };
    expect(Buffer.from(back.data.pw ?? "", "base64").toString()).toBe("hunter2");
  });
});
