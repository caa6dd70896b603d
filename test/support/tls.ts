/**
 * A throw-away PKI for TLS tests: a CA, a server certificate for one DNS name (by default not for
 * the IP the test server listens on, so that only a TLS server name makes it verify) and a client
 * certificate, all PEM.
 */
import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";

export interface TestPki {
  readonly caPem: string;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  /** The only name the server certificate is valid for. */
  readonly serverName: string;
  /** The client certificate's common name. */
  readonly clientName: string;
}

function rsaKey(): { pem: string; key: forge.pki.rsa.PrivateKey } {
  const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  return { pem, key: forge.pki.privateKeyFromPem(pem) };
}

let serial = 1;

function certificate(
  subjectKey: forge.pki.rsa.PrivateKey, cn: string, issuer: { key: forge.pki.rsa.PrivateKey; cn: string }, extensions: object[],
): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(subjectKey.n, subjectKey.e);
  cert.serialNumber = (serial++).toString(16).padStart(2, "0");
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: "commonName", value: cn }]);
  cert.setIssuer([{ name: "commonName", value: issuer.cn }]);
  cert.setExtensions(extensions);
  cert.sign(issuer.key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/**
 * A fresh CA with a server and a client certificate. `serverIp` adds that IP address to the server
 * certificate's names, for tests that connect by address without a TLS server name.
 */
export function testPki(options: { serverIp?: string } = {}): TestPki {
  const ca = rsaKey();
  const server = rsaKey();
  const client = rsaKey();
  const issuer = { key: ca.key, cn: "kseal test CA" };
  const serverName = "kube.kseal.test";
  const clientName = "kseal-test-client";
  return {
    caPem: certificate(ca.key, issuer.cn, issuer, [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    ]),
    serverCertPem: certificate(server.key, serverName, issuer, [
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: serverName }, ...(options.serverIp === undefined ? [] : [{ type: 7, ip: options.serverIp }])] },
    ]),
    serverKeyPem: server.pem,
    clientCertPem: certificate(client.key, clientName, issuer, [
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", clientAuth: true },
    ]),
    clientKeyPem: client.pem,
    serverName,
    clientName,
  };
}
