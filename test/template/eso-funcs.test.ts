import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";
import { describe, expect, it } from "vitest";
import { isKsealError } from "../../src/errors.ts";
import { renderTemplate } from "../../src/template/index.ts";

// Fixtures from node:crypto / node-forge; expected results follow ESO's documented semantics
// (pkg/template/v2/pem.go, yaml.go), since the Go oracle has only stdlib + sprig.
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

  it("unimplemented ESO functions fail to parse with a clear message", () => {
    try {
      renderTemplate("{{ .p12 | pkcs12key }}", { p12: "x" });
      expect.unreachable();
    } catch (e: unknown) {
      expect(isKsealError(e, "TEMPLATE_PARSE")).toBe(true);
      expect((e as Error).message).toContain("not supported by kseal");
    }
  });

  it("sealed-secrets mode has no ESO functions", () => {
    expect(() => renderTemplate("{{ toYaml . }}", {}, { funcs: "sealed-secrets" })).toThrow(/not defined/);
  });
});
