/**
 * A stand-in for isindir/sops-secrets-operator's CRD (not shipped by kseal): same group, version and
 * kind, open schema. kseal reconciles these SopsSecrets whenever the CRD is served (docs/migration.md).
 */
export const ISINDIR_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "sopssecrets.isindir.github.com" },
  spec: {
    group: "isindir.github.com",
    names: { kind: "SopsSecret", plural: "sopssecrets", singular: "sopssecret", listKind: "SopsSecretList" },
    scope: "Namespaced",
    versions: [{
      name: "v1alpha3", served: true, storage: true, subresources: { status: {} },
      schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
    }],
  },
};
