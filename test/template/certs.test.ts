import { generateKeyPairSync, X509Certificate } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isKsealError } from "../../src/errors.ts";
import { renderTemplate } from "../../src/template/index.ts";
import { runOracle } from "./oracle.ts";

/** Fixed keys, in the encodings sprig's …WithKey functions accept. */
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
const ec256 = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
const ec384 = generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey;
const ed = generateKeyPairSync("ed25519").privateKey;
const pemOf = (k: KeyObject, type: "pkcs1" | "pkcs8" | "sec1"): string => k.export({ type, format: "pem" }) as string;
const KEYS: Record<string, string> = {
  rsa1: pemOf(rsa, "pkcs1"),
  rsa8: pemOf(rsa, "pkcs8"),
  ec1: pemOf(ec256, "sec1"),
  ec8: pemOf(ec384, "pkcs8"),
  ed: pemOf(ed, "pkcs8"),
};

const SEP = "\n--8<--\n";
/** Each template leaves `$c` (the certificate under test) and `$ca` (its issuer, or "") and prints both. */
const OUT = `{{ $c.Cert }}${SEP}{{ $c.Key }}${SEP}{{ if $ca }}{{ $ca.Cert }}{{ end }}`;

const CASES: { name: string; tpl: string; reason: string }[] = [
  { name: "genCA", tpl: '{{ $ca := "" }}{{ $c := genCA "my ca" 365 }}', reason: "CA flags, key usage certSign, SubjectKeyId, self-signed" },
  { name: "genCA empty CN", tpl: '{{ $ca := "" }}{{ $c := genCA "" 1 }}', reason: "empty subject is an empty RDN sequence" },
  { name: "genCA UTF-8 CN", tpl: '{{ $ca := "" }}{{ $c := genCA "héllo ✓" 10 }}', reason: "non-printable CN is a UTF8String" },
  { name: "genCA ampersand CN", tpl: '{{ $ca := "" }}{{ $c := genCA "a&b*c" 10 }}', reason: "Go's PrintableString admits * but not &" },
  { name: "genCA zero days", tpl: '{{ $ca := "" }}{{ $c := genCA "x" 0 }}', reason: "NotAfter == NotBefore" },
  { name: "genCA negative days", tpl: '{{ $ca := "" }}{{ $c := genCA "x" -5 }}', reason: "already expired, Go still writes it" },
  { name: "genCA past 2050", tpl: '{{ $ca := "" }}{{ $c := genCA "x" 20000 }}', reason: "GeneralizedTime after 2049" },
  { name: "genSelfSignedCert SANs", tpl: '{{ $ca := "" }}{{ $c := genSelfSignedCert "host" (list "10.0.0.1" "::1" "::ffff:1.2.3.4" "2001:db8::1:2") (list "a.example" "*.b.example") 30 }}', reason: "DNS then IP SANs; IPv4-mapped written as 4 bytes" },
  { name: "genSelfSignedCert no CN", tpl: '{{ $ca := "" }}{{ $c := genSelfSignedCert "" nil (list "only.example") 1 }}', reason: "SAN critical when the subject is empty" },
  { name: "genSelfSignedCert nil lists", tpl: '{{ $ca := "" }}{{ $c := genSelfSignedCert "h" nil nil 1 }}', reason: "no SAN extension" },
  { name: "genSignedCert", tpl: '{{ $ca := genCA "the ca" 100 }}{{ $c := genSignedCert "leaf" (list "192.168.1.1") (list "leaf.example") 30 $ca }}', reason: "issuer, AuthorityKeyId from the CA, signed by the CA" },
  { name: "genSignedCert same CN", tpl: '{{ $ca := genCA "same" 100 }}{{ $c := genSignedCert "same" nil nil 30 $ca }}', reason: "issuer == subject: Go writes no AuthorityKeyId" },
  { name: "genCAWithKey rsa pkcs8", tpl: '{{ $ca := "" }}{{ $c := genCAWithKey "k" 5 .rsa8 }}', reason: "PKCS#8 RSA key accepted, returned as PKCS#1" },
  { name: "genCAWithKey ec sec1", tpl: '{{ $ca := "" }}{{ $c := genCAWithKey "k" 5 .ec1 }}', reason: "ECDSA P-256 signs with SHA-256" },
  { name: "genCAWithKey ec384 pkcs8", tpl: '{{ $ca := "" }}{{ $c := genCAWithKey "k" 5 .ec8 }}', reason: "ECDSA P-384 signs with SHA-384, key back as SEC 1" },
  { name: "genSelfSignedCertWithKey ed25519", tpl: '{{ $ca := "" }}{{ $c := genSelfSignedCertWithKey "k" nil (list "e.example") 5 .ed }}', reason: "Ed25519 signatures" },
  { name: "genSignedCertWithKey", tpl: '{{ $ca := genCAWithKey "ec ca" 50 .ec1 }}{{ $c := genSignedCertWithKey "leaf" nil (list "x.example") 5 $ca .rsa1 }}', reason: "RSA leaf signed by an ECDSA CA" },
  { name: "genSignedCert via buildCustomCert", tpl: '{{ $root := genCAWithKey "custom" 50 .ed }}{{ $ca := buildCustomCert (b64enc $root.Cert) (b64enc $root.Key) }}{{ $c := genSignedCert "leaf" nil nil 5 $ca }}', reason: "a CA rebuilt from base64 PEM signs" },
];

type Facts = Record<string, unknown>;
function facts(out: string): Facts {
  const [cert = "", key = "", ca = ""] = out.split(SEP);
  const [r] = runOracle([{ template: "", certFacts: { cert, key, ...(ca === "" ? {} : { ca }) } }]);
  if (!r?.ok) throw new Error(`Go could not parse the certificate: ${r?.error ?? "no answer"}`);
  const f = JSON.parse(r.output.toString()) as Facts;
  // Random per certificate: compare the relations, not the values.
  const aki = f.akiHex as string;
  return { ...f, notBeforeUnix: undefined, serialBits: (f.serialBits as number) > 100, akiHex: aki === "" ? "" : aki === f.parentSkiHex, parentSkiHex: undefined };
}

describe("certificate functions vs Go's crypto/x509 (sprig semantics)", () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.reason}`, () => {
      const tpl = c.tpl + OUT;
      const ours = renderTemplate(tpl, KEYS);
      const [go] = runOracle([{ template: tpl, data: KEYS }]);
      if (!go?.ok) throw new Error(`oracle failed: ${go?.error ?? "no answer"}`);
      const goFacts = facts(go.output.toString());
      expect(facts(ours)).toEqual(goFacts);
      expect(goFacts.signedByParent).toBe("ok");
      expect(goFacts.keyMatches).toBe("ok");
    });
  }

  it("node:crypto agrees: subject, SANs, validity, CA flag and the CA's signature", () => {
    const out = renderTemplate('{{ $ca := genCA "root" 10 }}{{ $c := genSignedCert "svc" (list "10.1.2.3") (list "svc.example") 3 $ca }}{{ $c.Cert }}' + SEP + "{{ $ca.Cert }}", {});
    const [leafPem = "", caPem = ""] = out.split(SEP);
    const leaf = new X509Certificate(leafPem);
    const ca = new X509Certificate(caPem);
    expect(leaf.subject).toBe("CN=svc");
    expect(leaf.issuer).toBe("CN=root");
    expect(leaf.subjectAltName).toBe("DNS:svc.example, IP Address:10.1.2.3");
    expect(leaf.ca).toBe(false);
    expect(ca.ca).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)).toBe(3 * 86_400_000);
    expect((leaf.publicKey.asymmetricKeyDetails?.modulusLength)).toBe(2048);
  });

  const errors: { name: string; tpl: string; reason: string }[] = [
    { name: "bad ip", tpl: '{{ genSelfSignedCert "h" (list "300.1.1.1") nil 1 }}', reason: "net.ParseIP fails" },
    { name: "ip zone", tpl: '{{ genSelfSignedCert "h" (list "fe80::1%eth0") nil 1 }}', reason: "Go's ParseIP takes no zone" },
    { name: "non-string dns", tpl: '{{ genSelfSignedCert "h" nil (list 5) 1 }}', reason: "alternate names must be strings" },
    { name: "non-ascii dns", tpl: '{{ genSelfSignedCert "h" nil (list "é.example") 1 }}', reason: "a dNSName must be IA5" },
    { name: "junk key", tpl: '{{ genCAWithKey "h" 1 "nope" }}', reason: "no PEM" },
    { name: "public key", tpl: '{{ genCAWithKey "h" 1 "-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\\n" }}', reason: "not a private key block" },
    { name: "ca key mismatch", tpl: '{{ $a := genCAWithKey "a" 1 .ec1 }}{{ $b := genCAWithKey "b" 1 .rsa1 }}{{ $x := buildCustomCert (b64enc $a.Cert) (b64enc $b.Key) }}{{ genSignedCert "l" nil nil 1 $x }}', reason: "the CA's key must match its certificate" },
    { name: "buildCustomCert bad base64", tpl: '{{ buildCustomCert "!!" "!!" }}', reason: "base64 checked" },
    { name: "buildCustomCert not PEM", tpl: '{{ buildCustomCert (b64enc "x") (b64enc .rsa1) }}', reason: "certificate must be PEM" },
  ];
  for (const c of errors) {
    it(`fails like Go: ${c.name} (${c.reason}), naming no key`, () => {
      const [go] = runOracle([{ template: c.tpl, data: KEYS }]);
      expect(go?.ok).toBe(false);
      let msg = "";
      try {
        renderTemplate(c.tpl, KEYS);
      } catch (e: unknown) {
        if (!isKsealError(e)) throw e;
        msg = e.message;
      }
      expect(msg).not.toBe("");
      for (const k of Object.values(KEYS)) expect(msg).not.toContain(k.split("\n")[1]);
    });
  }
});
