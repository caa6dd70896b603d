/**
 * `kseal sops …` in-process through runCli, checked against the real `sops`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/kseal/run.ts";
import { planSopsSecret } from "../../src/sops/sopssecret.ts";
import type { SopsSecret } from "../../src/sops/sopssecret.ts";
import { ageKeygen, sops, sopsDecrypt, tempDir, write } from "./support.ts";
import type { TestKey } from "./support.ts";

let dir: string;
let k1: TestKey;
let k2: TestKey;

beforeAll(() => {
  dir = tempDir();
  k1 = ageKeygen(dir, "k1");
  k2 = ageKeygen(dir, "k2");
});

async function kseal(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (c: Buffer) => out.push(c));
  stderr.on("data", (c: Buffer) => err.push(c));
  const stdin = new PassThrough();
  stdin.end();
  const code = await runCli(["sops", ...args], { stdin, stdout, stderr, env: { HOME: dir, SOPS_AGE_KEY_FILE: k1.file, PATH: process.env.PATH ?? "", ...env }, cwd: dir });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

const DOC = "user: admin\npassword: s3cr3t\nport: 5432\nnested:\n  token: abc\n";

describe("kseal sops encrypt / decrypt", () => {
  it("encrypt --age writes a file sops decrypts; decrypt reads a file sops wrote", async () => {
    write(dir, "plain.yaml", DOC);
    const r = await kseal(["encrypt", "--age", k1.recipient, "plain.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("s3cr3t");
    expect(parse(sopsDecrypt(dir, "yaml", r.stdout, k1.file))).toEqual(parse(DOC));

    const bySops = sops(dir, ["encrypt", "--age", k1.recipient, join(dir, "plain.yaml")]);
    write(dir, "by-sops.yaml", bySops);
    const d = await kseal(["decrypt", "by-sops.yaml"]);
    expect(d.code).toBe(0);
    expect(parse(d.stdout)).toEqual(parse(DOC));
  });

  it("selection flags, --output-type and -i", async () => {
    write(dir, "sel.yaml", DOC);
    const r = await kseal(["encrypt", "--age", k1.recipient, "--encrypted-regex", "^password$", "--output-type", "json", "sel.yaml"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j.user).toBe("admin");
    expect(String(j.password)).toMatch(/^ENC\[/);
    write(dir, "inplace.env", "A=1\nB=two\n");
    expect((await kseal(["encrypt", "--age", k1.recipient, "-i", "inplace.env"])).code).toBe(0);
    expect(readFileSync(join(dir, "inplace.env"), "utf8")).toMatch(/^A=ENC\[/);
    expect(sopsDecrypt(dir, "dotenv", readFileSync(join(dir, "inplace.env")), k1.file)).toBe("A=1\nB=two\n");
  });

  it(".sops.yaml creation_rules pick recipients and rules by path", async () => {
    const sub = tempDir();
    writeFileSync(join(sub, ".sops.yaml"), `creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    encrypted_regex: ^password$\n    age: ${k2.recipient}\n  - age: ${k1.recipient}\n`);
    write(sub, "other.yaml", DOC);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(sub, "secrets"));
    write(join(sub, "secrets"), "db.yaml", DOC);
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on("data", (c: Buffer) => chunks.push(c));
    const io = { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: { HOME: sub }, cwd: sub };
    expect(await runCli(["sops", "encrypt", "secrets/db.yaml"], io)).toBe(0);
    const enc = Buffer.concat(chunks).toString();
    expect(enc).toContain("user: admin");
    expect(enc).toContain(k2.recipient);
    expect(parse(sopsDecrypt(dir, "yaml", enc, k2.file))).toEqual(parse(DOC));
  });

  it("a tampered file fails with its code and exit 1; bad flags exit 2", async () => {
    write(dir, "t.yaml", DOC);
    const enc = (await kseal(["encrypt", "--age", k1.recipient, "t.yaml"])).stdout;
    write(dir, "t.enc.yaml", enc.replace("user: ENC[AES256_GCM,data:", "user: ENC[AES256_GCM,data:AA"));
    const r = await kseal(["decrypt", "t.enc.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[SOPS_TAMPERED]");
    expect(r.stderr).not.toContain("admin");
    expect((await kseal(["decrypt", "t.enc.yaml"], { SOPS_AGE_KEY_FILE: k2.file })).stderr).toContain("[SOPS_NO_KEY]");
    expect((await kseal(["decrypt", "--bogus", "x"])).code).toBe(2);
    expect((await kseal(["frobnicate", "x"])).code).toBe(2);
  });
});

describe("kseal sops edit / rotate / updatekeys", () => {
  it("edit re-encrypts through $EDITOR and keeps unchanged values' ciphertext", async () => {
    write(dir, "e.yaml", DOC);
    const enc = (await kseal(["encrypt", "--age", k1.recipient, "e.yaml"])).stdout;
    write(dir, "e.enc.yaml", enc);
    const editor = write(dir, "editor.sh", "#!/bin/sh\nsed -i 's/s3cr3t/n3w-pass/' \"$1\"\n");
    chmodSync(editor, 0o755);
    expect((await kseal(["edit", "e.enc.yaml"], { EDITOR: editor })).code).toBe(0);
    const after = readFileSync(join(dir, "e.enc.yaml"), "utf8");
    const line = (t: string, k: string): string => t.split("\n").find((l) => l.trimStart().startsWith(`${k}:`)) ?? "";
    expect(line(after, "user")).toBe(line(enc, "user"));
    expect(line(after, "token")).toBe(line(enc, "token"));
    expect(line(after, "password")).not.toBe(line(enc, "password"));
    expect(parse(sopsDecrypt(dir, "yaml", after, k1.file))).toEqual(parse(DOC.replace("s3cr3t", "n3w-pass")));
    // an editor that changes nothing leaves the file as it was
    const noop = write(dir, "noop.sh", "#!/bin/sh\ntrue\n");
    chmodSync(noop, 0o755);
    const r = await kseal(["edit", "e.enc.yaml"], { EDITOR: noop });
    expect(r.stderr).toContain("File has not changed");
    expect(readFileSync(join(dir, "e.enc.yaml"), "utf8")).toBe(after);
  });

  it("rotate changes the data key (every value) and sops still decrypts", async () => {
    write(dir, "r.yaml", DOC);
    write(dir, "r.enc.yaml", (await kseal(["encrypt", "--age", k1.recipient, "r.yaml"])).stdout);
    const before = readFileSync(join(dir, "r.enc.yaml"), "utf8");
    expect((await kseal(["rotate", "-i", "r.enc.yaml"])).code).toBe(0);
    const after = readFileSync(join(dir, "r.enc.yaml"), "utf8");
    const enc = (t: string): string => /enc: \|\n\s+-----BEGIN AGE ENCRYPTED FILE-----\n\s+(\S+)/.exec(t)?.[1] ?? "";
    expect(enc(after)).not.toBe(enc(before));
    expect(after.split("\n").find((l) => l.startsWith("user:"))).not.toBe(before.split("\n").find((l) => l.startsWith("user:")));
    expect(parse(sopsDecrypt(dir, "yaml", after, k1.file))).toEqual(parse(DOC));
  });

  it("updatekeys re-wraps for the recipients in .sops.yaml (values untouched)", async () => {
    const sub = tempDir();
    write(sub, "u.yaml", DOC);
    const enc = sops(sub, ["encrypt", "--age", k1.recipient, join(sub, "u.yaml")]);
    write(sub, "u.enc.yaml", enc);
    writeFileSync(join(sub, ".sops.yaml"), `creation_rules:\n  - age: ${k1.recipient},${k2.recipient}\n`);
    const stderr = new PassThrough();
    const errs: Buffer[] = [];
    stderr.on("data", (c: Buffer) => errs.push(c));
    const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr, env: { HOME: sub, SOPS_AGE_KEY_FILE: k1.file }, cwd: sub };
    expect(await runCli(["sops", "updatekeys", "-y", "u.enc.yaml"], io)).toBe(0);
    expect(Buffer.concat(errs).toString()).toContain("synced with new keys");
    const after = readFileSync(join(sub, "u.enc.yaml"), "utf8");
    expect(after.split("\n").find((l) => l.startsWith("user:"))).toBe(enc.split("\n").find((l) => l.startsWith("user:")));
    expect(parse(sopsDecrypt(sub, "yaml", after, k2.file))).toEqual(parse(DOC));
    expect(await runCli(["sops", "updatekeys", "-y", "u.enc.yaml"], io)).toBe(0);
    expect(Buffer.concat(errs).toString()).toContain("already up to date");
  });
});

describe("kseal sops new-sopssecret / recipients", () => {
  it("wraps a sops file into a SopsSecret whose plan decrypts to the Secret", async () => {
    const src = write(dir, "app.yaml", "DB_PASSWORD: s3cr3t\nAPI: tok\n");
    write(dir, "app.enc.yaml", sops(dir, ["encrypt", "--age", k1.recipient, src]));
    const r = await kseal(["new-sopssecret", "--name", "app", "--namespace", "prod", "app.enc.yaml"]);
    expect(r.code).toBe(0);
    const manifest = parse(r.stdout) as SopsSecret;
    expect(manifest.apiVersion).toBe("kseal.dev/v1alpha1");
    manifest.metadata.uid = "u1";
    const plan = await planSopsSecret(manifest, null, [k1.identity]);
    expect(plan.kind).toBe("write");
    if (plan.kind === "write") expect(Buffer.from(plan.secret.data?.DB_PASSWORD ?? "", "base64").toString()).toBe("s3cr3t");
    expect((await kseal(["new-sopssecret", "--name", "x", "app.yaml"])).stderr).toContain("[SOPS_NOT_ENCRYPTED]");
  });

  it("recipients collects age recipients from endpoints into .sops.yaml", async () => {
    const server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ recipients: req.url === "/a" ? [k1.recipient] : [k2.recipient, k1.recipient] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const r = await kseal(["recipients", "--url", `http://127.0.0.1:${port}/a`, "--url", `http://127.0.0.1:${port}/b`, "--path-regex", "\\.yaml$", "--output", ".sops.yaml"]);
      expect(r.code).toBe(0);
      const cfg = parse(readFileSync(join(dir, ".sops.yaml"), "utf8")) as { creation_rules: { age: string; path_regex: string }[] };
      expect(cfg.creation_rules[0]?.age).toBe(`${k1.recipient},${k2.recipient}`);
      // the written config works for the real sops
      const enc = sops(dir, ["--config", join(dir, ".sops.yaml"), "encrypt", write(dir, "multi.yaml", "a: b\n")]);
      expect(parse(sopsDecrypt(dir, "yaml", enc, k2.file))).toEqual({ a: "b" });
    } finally {
      server.close();
      const { rmSync } = await import("node:fs");
      rmSync(join(dir, ".sops.yaml"));
    }
  });
});
