import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../cli/kseal/run.ts";

async function run(args: string[], stdin = ""): Promise<{ code: number; out: string; err: string }> {
  const dir = DIR;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  const errs: Buffer[] = [];
  stdout.on("data", (c: Buffer) => chunks.push(c));
  stderr.on("data", (c: Buffer) => errs.push(c));
  const code = await runCli(args, { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr, env: {}, cwd: dir });
  return { code, out: Buffer.concat(chunks).toString(), err: Buffer.concat(errs).toString() };
}

const DIR = mkdtempSync(join(tmpdir(), "kseal-template-"));
writeFileSync(join(DIR, "data.json"), JSON.stringify({ user: "admin", pass: "p@ss w" }));
writeFileSync(join(DIR, "data.yaml"), "user: admin\npass: 'p@ss w'\n");
writeFileSync(join(DIR, "secret.yaml"), "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  user: YWRtaW4=\nstringData:\n  pass: p@ss w\n");
writeFileSync(join(DIR, "t.tmpl"), "{{ .user }}:{{ .pass | urlquery }}");
writeFileSync(join(DIR, "missing.tmpl"), "x\n{{ .nope }}");

describe("kseal template render", () => {
  const ok: { name: string; args: string[]; stdin?: string; out: string; reason: string }[] = [
    { name: "json data", args: ["--data", "data.json", "t.tmpl"], out: "admin:p%40ss+w", reason: "JSON data file" },
    { name: "yaml data", args: ["--data", "data.yaml", "t.tmpl"], out: "admin:p%40ss+w", reason: "YAML data file" },
    { name: "secret manifest", args: ["--data", "secret.yaml", "t.tmpl"], out: "admin:p%40ss+w", reason: "a Secret's base64 data is decoded" },
    { name: "stdin data", args: ["--data", "-", "t.tmpl"], stdin: '{"user":"u","pass":"p"}', out: "u:p", reason: "- reads data from stdin" },
    { name: "stdin template", args: ["--data", "data.json", "-"], stdin: "{{ .user | upper }}", out: "ADMIN", reason: "- reads the template from stdin" },
    { name: "sealed-secrets funcs", args: ["--funcs", "sealed-secrets", "--data", "data.json", "missing.tmpl"], out: "x\n<no value>", reason: "Sealed Secrets' default missingkey" },
  ];
  for (const c of ok) {
    it(`${c.name}: ${c.reason}`, async () => {
      const r = await run(["template", "render", ...c.args], c.stdin);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(r.out).toBe(c.out);
    });
  }

  it("fails with the position and no value on a template error", async () => {
    const r = await run(["template", "render", "--data", "data.json", "missing.tmpl"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("2:4");
    expect(r.err).toContain("TEMPLATE_EXEC");
    expect(r.err).not.toContain("p@ss");
  });

  it("rejects bad usage with exit code 2", async () => {
    expect((await run(["template", "render", "t.tmpl"])).code).toBe(2);
    expect((await run(["template", "render", "--data", "-", "-"])).code).toBe(2);
    expect((await run(["template", "render", "--funcs", "helm", "--data", "data.json", "t.tmpl"])).code).toBe(2);
  });
});
