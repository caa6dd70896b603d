// The SopsSecret bad-input corpus against one real kseal-operator: every case refused with a
// reason of its own, no Secret changed or created, no plaintext leaked.
import { encryptFile, generateAgeKey } from "../../src/sops/index.ts";
import { waitFor } from "../peers/process.ts";
import { secretText } from "../operator/secrets.ts";
import { badInputSuite } from "./bench.ts";
import { SOPS_CASES, type SopsCtx } from "./corpus-sopssecret.ts";
import { servedRecipient } from "../operator/served.ts";

badInputSuite<SopsCtx>({
  title: "bad SopsSecrets (real kseal-operator, real API server)",
  file: import.meta.filename,
  crds: ["kseal.dev_sopssecrets.yaml"],
  controllers: "sopssecret",
  cases: SOPS_CASES,
  setup: async ({ kube, ns, op }) => {
    const recipient = await servedRecipient(op.apiUrl);
    // Positive control: a good document syncs, so the corpus's failures are the inputs' fault.
    const doc = await encryptFile(Buffer.from("v: control-value\n"), { inputFormat: "yaml", keyGroups: [[recipient]], now: new Date() });
    await kube.custom.createNamespacedCustomObject({
      group: "kseal.dev", version: "v1alpha1", plural: "sopssecrets", namespace: ns,
      body: { apiVersion: "kseal.dev/v1alpha1", kind: "SopsSecret", metadata: { name: "control", namespace: ns }, spec: { sops: Buffer.from(doc).toString("utf8") } },
    });
    await waitFor("the control Secret", async () => (await secretText(kube, ns, "control"))?.v === "control-value", 60_000);
    return { recipient, otherRecipient: (await generateAgeKey()).recipient };
  },
});
