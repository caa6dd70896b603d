import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isKsealError } from "../../src/errors.ts";
import { renderTemplate } from "../../src/template/index.ts";
import { runOracle } from "./oracle.ts";

// Fixtures from node:crypto / node-forge; expected results follow ESO's documented semantics
// (pkg/template/v2/pem.go, yaml.go). PKCS#12 interop runs against the Go oracle.
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const forgeKeys = forge.pki.rsa.generateKeyPair(1024);
const cert = forge.pki.createCertificate();
cert.publicKey = forgeKeys.publicKey;
cert.serialNumber = "01";
cert.validity.notBefore = new Date(Date.UTC(2024, 0, 1));
cert.validity.notAfter = new Date(Date.UTC(2034, 0, 1));
cert.setSubject([{ name: "commonName", value: "kseal.test" }]);
cert.setIssuer([{ name: "commonName", value: "kseal.test" }]);
cert.sign(forgeKeys.privateKey);
const certPem = forge.pki.certificateToPem(cert).replace(/\r\n/g, "\n");

describe("ESO functions (fixtures)", () => {
  const bundle = `${keyPem}${certPem}`;
  const cases: { name: string; template: string; data: Record<string, string>; want: string | RegExp; reason: string }[] = [
    { name: "filterPEM certificate", template: '{{ .bundle | filterPEM "CERTIFICATE" }}', data: { bundle }, want: certPem, reason: "keeps only the certificate" },
    { name: "filterPEM key case-insensitive", template: '{{ .bundle | filterPEM "private key" }}', data: { bundle }, want: keyPem, reason: "type match ignores case" },
    { name: "filterPEM leading text", template: '{{ .b | filterPEM "CERTIFICATE" }}', data: { b: "junk before\n" + certPem }, want: certPem, reason: "pem.Decode skips leading text" },
    { name: "filterPEM no match", template: '{{ .bundle | filterPEM "EC PRIVATE KEY" }}', data: { bundle }, want: "", reason: "no block of that type and nothing left over" },
    { name: "toYaml dict", template: '{{ dict "b" (list 1 "x") "a" (dict "c" true) | toYaml }}', data: {}, want: "a:\n  c: true\nb:\n- 1\n- x", reason: "sorted keys, goyaml-style sequences, no trailing newline" },
    { name: "fromYaml field", template: '{{ (.doc | fromYaml).server.port }}', data: { doc: "server:\n  port: 8080\n" }, want: "8080", reason: "YAML numbers become float64 via JSON" },
    { name: "fromYaml bad", template: '{{ hasKey (.doc | fromYaml) "Error" }}', data: { doc: "a: [" }, want: "true", reason: "errors land in the Error key" },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.reason}`, () => {
      const out = renderTemplate(c.template, c.data);
      if (typeof c.want === "string") expect(out).toBe(c.want);
      else expect(out).toMatch(c.want);
    });
  }

  it("filterPEM on junk alone fails", () => {
    expect(() => renderTemplate('{{ filterPEM "CERTIFICATE" "not a pem" }}', {})).toThrow(/found junk/);
  });

  it("getSecretKey without a lookup port fails the render clearly", () => {
    try {
      renderTemplate('{{ getSecretKey "db" "ns" "password" }}', {});
      expect.unreachable();
    } catch (e: unknown) {
      expect(isKsealError(e, "TEMPLATE_EXEC")).toBe(true);
      expect((e as Error).message).toContain("no Kubernetes lookup");
    }
  });

  it("getSecretKey passes the lookup's bytes through and names its arguments in order", () => {
    const calls: string[] = [];
    const out = renderTemplate('{{ getSecretKey "db" "team-a" "password" | b64enc }}', {}, {
      lookups: { getSecretKey: (name, ns, key) => { calls.push(`${ns}/${name}/${key}`); return new Uint8Array([0, 255]); } },
    });
    expect(out).toBe("AP8=");
    expect(calls).toEqual(["team-a/db/password"]);
  });

  it("PKCS#12 interop: Go reads what kseal writes and kseal reads what Go writes", () => {
    const fx = (f: string): string => readFileSync(join(import.meta.dirname, "fixtures", f), "utf8");
    const data = { cert: fx("leaf.pem") + fx("inter.pem") + fx("root.pem"), key: fx("leaf.key") };
    const write = '{{ fullPemToPkcs12Pass .cert .key "pw" }}';
    const read = '{{ .p | b64dec | pkcs12keyPass "pw" }}{{ .p | b64dec | pkcs12certPass "pw" }}';
    const [goP12] = runOracle([{ template: write, data, funcs: "eso" }]);
    if (!goP12?.ok) throw new Error("oracle failed to write PKCS#12");
    const ksP12 = renderTemplate(write, data);
    const [goReadsKs, goReadsGo] = runOracle([
      { template: read, data: { p: ksP12 }, funcs: "eso" },
      { template: read, data: { p: goP12.output.toString("latin1") }, funcs: "eso" },
    ]);
    if (goReadsKs === undefined || !goReadsKs.ok || !goReadsGo?.ok) throw new Error("oracle failed to read PKCS#12");
    expect(renderTemplate(read, { p: goP12.output.toString("latin1") })).toBe(goReadsGo.output.toString("latin1"));
    expect(goReadsKs.output.toString("latin1")).toBe(goReadsGo.output.toString("latin1"));
    expect(goReadsGo.output.toString("latin1")).toContain("-----BEGIN PRIVATE KEY-----");
  });

  it("PKCS#12 failures never echo the password or the data", () => {
    for (const t of ['{{ .p | pkcs12keyPass .pass }}', '{{ .p | pkcs12certPass .pass }}', '{{ pemToPkcs12Pass .p .p .pass }}', '{{ jwkPrivateKeyPem .p }}']) {
      try {
        renderTemplate(t, { p: "hunter2-SECRET", pass: "hunter2-PASS" });
        expect.unreachable();
      } catch (e: unknown) {
        expect(isKsealError(e)).toBe(true);
        expect((e as Error).message).not.toContain("hunter2");
      }
    }
  });

  it("sealed-secrets mode has no ESO functions", () => {
    expect(() => renderTemplate("{{ toYaml . }}", {}, { funcs: "sealed-secrets" })).toThrow(/not defined/);
  });
});
