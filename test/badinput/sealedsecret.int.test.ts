// The SealedSecret bad-input corpus against one real kseal-operator: every case reported with
// Bitnami's generic message and event, no Secret changed or created, nothing leaked.
import { X509Certificate, randomBytes } from "node:crypto";
import { encryptionLabel, hybridEncrypt } from "../../src/sealing/index.ts";
import { waitFor } from "../peers/process.ts";
import { secretText } from "../operator/secrets.ts";
import { badInputSuite } from "./bench.ts";
import { SEALED_CASES, otherControllerKey, type SealedCtx } from "./corpus-sealedsecret.ts";
import { servedCertificate } from "../operator/served.ts";

badInputSuite<SealedCtx>({
  title: "bad SealedSecrets (real kseal-operator, real API server)",
  file: import.meta.filename,
  crds: ["bitnami.com_sealedsecrets.yaml"],
  controllers: "sealedsecret",
  cases: SEALED_CASES,
  setup: async ({ kube, ns, op }) => {
    const pem = await servedCertificate(op.apiUrl);
    const pub = new X509Certificate(pem).publicKey;
    // Positive control: a good SealedSecret syncs, so the corpus's failures are the inputs' fault.
    const blob = hybridEncrypt((n) => randomBytes(n), pub, Buffer.from("control-value"), encryptionLabel(ns, "control", "strict"));
    await kube.custom.createNamespacedCustomObject({
      group: "bitnami.com", version: "v1alpha1", plural: "sealedsecrets", namespace: ns,
      body: { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: { name: "control", namespace: ns }, spec: { encryptedData: { v: blob.toString("base64") } } },
    });
    await waitFor("the control Secret", async () => (await secretText(kube, ns, "control"))?.v === "control-value", 60_000);
    return { ns, pub, otherPub: otherControllerKey() };
  },
});
