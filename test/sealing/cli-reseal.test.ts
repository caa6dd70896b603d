/** `kseal reseal DIR…`: re-encrypt a Git tree with the newest key, offline. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../cli/kseal/run.ts";
import { KeyRing, parseDocuments, printObject, sealSecret, unsealSealedSecret, type SealedSecret } from "../../src/sealing/index.ts";
import { kubeseal, testKey } from "./support.ts";

async function run(args: string[], cwd: string) {
  const input = new PassThrough();
  input.end("");
  const out = new PassThrough();
  const err = new PassThrough();
  const errChunks: Buffer[] = [];
  err.on("data", (c: Buffer) => errChunks.push(c));
  out.resume();
  const code = await runCli(args, { stdin: input, stdout: out, stderr: err, env: { KUBECONFIG: "/nonexistent", HOME: cwd }, cwd });
  return { code, stderr: Buffer.concat(errChunks).toString() };
}

describe("kseal reseal", () => {
  it("re-seals old-key values, leaves current files byte-identical, names failing documents", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kseal-reseal-"));
    const old = testKey(new Date("2024-01-01T00:00:00Z"));
    const cur = testKey(new Date("2025-01-01T00:00:00Z"));
    const stranger = testKey();
    writeFileSync(join(dir, "old.pem"), old.certificatePem);
    writeFileSync(join(dir, "cur.pem"), cur.certificatePem);
    writeFileSync(join(dir, "keys.pem"), old.privateKeyPem + cur.privateKeyPem);
    const secret = (name: string) => JSON.stringify({ kind: "Secret", apiVersion: "v1", metadata: { name, namespace: "apps" }, stringData: { pw: `pw-${name}` } });
    mkdirSync(join(dir, "repo/apps"), { recursive: true });
    // a: a ConfigMap and a kubeseal-sealed (old key) SealedSecret, with a comment to keep
    const a = `# app config\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n---\n# the db password\n${(await kubeseal(["--cert", join(dir, "old.pem"), "-o", "yaml"], secret("a"))).replace(/^---\n/, "")}`;
    writeFileSync(join(dir, "repo/apps/a.yaml"), a);
    // b: already sealed with the newest key (JSON)
    const b = await kubeseal(["--cert", join(dir, "cur.pem")], secret("b"));
    writeFileSync(join(dir, "repo/apps/b.json"), b);
    // c: not a SealedSecret at all
    writeFileSync(join(dir, "repo/c.yaml"), "kind: Deployment\nmetadata: {name: d}\n");
    // d: second document sealed with a key we do not hold
    const d = printObject(sealSecret(JSON.parse(secret("d")) as never, { publicKey: old.key.publicKey }), "yaml") + printObject(sealSecret(JSON.parse(secret("e")) as never, { publicKey: stranger.key.publicKey }), "yaml");
    writeFileSync(join(dir, "repo/d.yaml"), d);

    const r = await run(["reseal", "--recovery-private-key", "keys.pem", "--cert", "cur.pem", "repo"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("repo/apps/a.yaml: resealed");
    expect(r.stderr).toContain("repo/apps/b.json: unchanged");
    expect(r.stderr).toContain('repo/d.yaml document 1: no key could decrypt item "pw"');
    expect(r.stderr).toContain("reseal: 1 resealed, 1 unchanged, 1 failed");

    const aAfter = readFileSync(join(dir, "repo/apps/a.yaml"), "utf8");
    expect(aAfter).toContain("# the db password");
    expect(aAfter).toContain("# app config");
    const docs = parseDocuments(aAfter);
    expect((docs[0]?.object as { kind: string }).kind).toBe("ConfigMap");
    const ss = docs[1]?.object as SealedSecret;
    expect(ss.metadata.annotations?.["kseal.io/sealing-key"]).toBe(cur.key.fingerprint);
    expect(unsealSealedSecret(ss, new KeyRing([cur.key])).data?.pw).toBe(Buffer.from("pw-a").toString("base64"));
    expect(readFileSync(join(dir, "repo/apps/b.json"), "utf8")).toBe(b);
    expect(readFileSync(join(dir, "repo/d.yaml"), "utf8")).toBe(d);

    const again = await run(["reseal", "--recovery-private-key", "keys.pem", "--cert", "cur.pem", "repo/apps"], dir);
    expect(again.code).toBe(0);
    expect(readFileSync(join(dir, "repo/apps/a.yaml"), "utf8")).toBe(aAfter);
  });

  it("needs keys and a directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kseal-reseal-"));
    expect((await run(["reseal", "x"], dir)).code).toBe(2);
    expect((await run(["reseal", "--recovery-private-key", "k"], dir)).code).toBe(2);
  });
});
