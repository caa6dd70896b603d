/** The kubeseal-compatible CLI, run in-process with injected IO (offline modes). */
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../cli/kseal/run.ts";
import { generateSealingKey, KeyRing, keySecret, parseDocuments, printObject, unsealSealedSecret, type SealedSecret } from "../../src/sealing/index.ts";
import { FIXTURES, kubeseal, testKey } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "kseal-cli-"));
const key = testKey();
const certPath = join(dir, "cert.pem");
writeFileSync(certPath, key.certificatePem);
const keyPath = join(dir, "key.pem");
writeFileSync(keyPath, key.privateKeyPem);
const ring = new KeyRing([key.key]);

async function run(args: string[], stdin = "", env: Record<string, string> = {}) {
  const input = new PassThrough();
  input.end(stdin);
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  err.on("data", (c: Buffer) => errChunks.push(c));
  const code = await runCli(args, { stdin: input, stdout: out, stderr: err, env: { KUBECONFIG: "/nonexistent", HOME: dir, ...env }, cwd: dir });
  return { code, stdout: Buffer.concat(chunks).toString(), stderr: Buffer.concat(errChunks).toString() };
}

const secret = (name: string, extra = "") => `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  namespace: apps
${extra}data:
  token: ${Buffer.from(`tok-${name}`).toString("base64")}
`;

describe("kseal (kubeseal mode)", () => {
  it("seals stdin to stdout (JSON by default) and kubeseal opens it", async () => {
    const r = await run(["--cert", certPath], secret("a"));
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const opened = JSON.parse(await kubeseal(["--recovery-unseal", "--recovery-private-key", keyPath], r.stdout)) as { data: Record<string, string> };
    expect(opened.data.token).toBe(Buffer.from("tok-a").toString("base64"));
  });

  it("takes the certificate from SEALED_SECRETS_CERT", async () => {
    const r = await run(["-o", "yaml"], secret("a"), { SEALED_SECRETS_CERT: certPath });
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith("---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\n")).toBe(true);
  });

  it("seals every document of a multi-document input", async () => {
    const r = await run(["--cert", certPath, "-o", "yaml"], `${secret("a")}---\n${secret("b")}`);
    expect(r.code).toBe(0);
    const docs = parseDocuments(r.stdout).map((d) => unsealSealedSecret(d.object as SealedSecret, ring));
    expect(docs.map((s) => s.metadata.name)).toEqual(["a", "b"]);
  });

  it.each([
    { reason: "second document has no data", input: `${secret("a")}---\napiVersion: v1\nkind: Secret\nmetadata: {name: b, namespace: apps}\n`, msg: "stdin document 1: secret.data is empty", code: 1 },
    { reason: "second document is not a Secret", input: `${secret("a")}---\nkind: ConfigMap\nmetadata: {name: c}\n`, msg: "stdin document 1: the input is not a v1 Secret", code: 1 },
    { reason: "second document has no name", input: `${secret("a")}---\nkind: Secret\nmetadata: {namespace: x}\ndata: {a: YQ==}\n`, msg: "stdin document 1: missing metadata.name", code: 1 },
    { reason: "broken YAML", input: `${secret("a")}---\nfoo: [\n`, msg: "stdin document 1: document 1 is not valid", code: 1 },
    { reason: "no namespace and no kubeconfig", input: "kind: Secret\nmetadata: {name: x}\ndata: {a: YQ==}\n", msg: "stdin document 0: the input Secret has no namespace", code: 1 },
  ])("names the failing document: $reason", async ({ input, msg, code }) => {
    const r = await run(["--cert", certPath], input);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(msg);
  });

  it("refuses an expired certificate with exit code 1 and a clear message", async () => {
    const expired = generateSealingKey({ now: new Date("2015-01-01T00:00:00Z"), bits: 2048, validityMs: 24 * 3600 * 1000 });
    const p = join(dir, "expired.pem");
    writeFileSync(p, expired.certificatePem);
    const r = await run(["--cert", p], secret("a"));
    expect(r).toMatchObject({ code: 1, stdout: "" });
    expect(r.stderr).toContain("refusing to seal with a certificate that expired on 2015-01-02 [SEALING_CERT_EXPIRED]");
  });

  it("refuses a non-RSA certificate with exit code 1 and a clear message", async () => {
    const r = await run(["--cert", join(FIXTURES, "ec-cert.pem")], secret("a"));
    expect(r).toMatchObject({ code: 1, stdout: "" });
    expect(r.stderr).toContain("expected an RSA public key but the certificate holds ec key [SEALING_CERT_NOT_RSA]");
  });

  it("exits 2 on usage errors", async () => {
    expect((await run(["--bogus"], "")).code).toBe(2);
    expect((await run(["--cert", certPath, "--scope", "galaxy"], secret("a"))).code).toBe(1);
    expect((await run(["--cert", certPath, "-o", "xml"], secret("a"))).code).toBe(2);
  });

  it("-w replaces the output atomically on success and leaves it untouched on failure", async () => {
    const outPath = join(dir, "out.json");
    writeFileSync(outPath, "previous\n");
    const bad = await run(["--cert", certPath, "-w", outPath], `${secret("a")}---\nkind: Secret\nmetadata: {name: b, namespace: x}\n`);
    expect(bad.code).toBe(1);
    expect(readFileSync(outPath, "utf8")).toBe("previous\n");
    const good = await run(["--cert", certPath, "-w", outPath], secret("a"));
    expect(good).toMatchObject({ code: 0, stdout: "" });
    expect(unsealSealedSecret(JSON.parse(readFileSync(outPath, "utf8")) as SealedSecret, ring).metadata.name).toBe("a");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("--raw seals one value with --from-file key=path", async () => {
    const p = join(dir, "value.txt");
    writeFileSync(p, "raw-value");
    const r = await run(["--cert", certPath, "--raw", "--name", "n", "--namespace", "apps", "--from-file", `k=${p}`]);
    expect(r.code).toBe(0);
    const ss: SealedSecret = { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: { name: "n", namespace: "apps" }, spec: { encryptedData: { k: r.stdout } } };
    expect(unsealSealedSecret(ss, ring).data?.k).toBe(Buffer.from("raw-value").toString("base64"));
  });

  it("--merge-into adds items to an existing SealedSecret file in place", async () => {
    const file = join(dir, "merge.yaml");
    const first = await run(["--cert", certPath, "-o", "yaml"], secret("m"));
    writeFileSync(file, first.stdout);
    const extra = "apiVersion: v1\nkind: Secret\nmetadata: {name: ignored}\nstringData: {extra: more}\n";
    const r = await run(["--cert", certPath, "-o", "yaml", "--merge-into", file], extra);
    expect(r.code).toBe(0);
    const merged = unsealSealedSecret(parseDocuments(readFileSync(file, "utf8"))[0]?.object as SealedSecret, ring);
    expect(merged.data).toEqual({ extra: Buffer.from("more").toString("base64"), token: Buffer.from("tok-m").toString("base64") });
  });

  it("--recovery-unseal opens with comma-separated PEM keys and key-Secret backups", async () => {
    const other = testKey();
    const backup = join(dir, "backup.yaml");
    writeFileSync(backup, printObject({ ...keySecret("ops", other), metadata: { name: "k1", namespace: "ops" } }, "yaml"));
    const sealedByOther = await kubeseal(["--cert", join(dir, "other.pem")], secret("z")).catch(() => null);
    expect(sealedByOther).toBeNull(); // other.pem does not exist yet: kubeseal must fail
    writeFileSync(join(dir, "other.pem"), other.certificatePem);
    const sealed = await kubeseal(["--cert", join(dir, "other.pem"), "-o", "yaml"], secret("z"));
    const r = await run(["--recovery-unseal", "--recovery-private-key", `${keyPath},${backup}`, "-o", "yaml"], sealed);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`token: ${Buffer.from("tok-z").toString("base64")}`);
    const wrong = await run(["--recovery-unseal", "--recovery-private-key", keyPath], sealed);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('stdin document 0: no key could decrypt item "token" [SEALING_DECRYPT_FAILED]');
  });
});
