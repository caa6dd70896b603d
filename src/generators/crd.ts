/**
 * The `generators.external-secrets.io/v1alpha1` CustomResourceDefinitions kseal serves: Password,
 * UUID and ClusterGenerator, as data. Names, scope, categories, defaults and enums follow ESO's Go
 * API types, so users' existing generator YAML applies unchanged. A ClusterGenerator accepts every
 * ESO generator kind (its other `*Spec` fields are kept as written) so such an object applies and the
 * ExternalSecret using it reports which kind kseal lacks. `config/crd/generators.external-secrets.io_*.yaml`
 * is rendered from here (`node src/generators/crd.ts --write`); test/crd keeps them equal.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { GENERATOR_GROUP, GENERATOR_VERSION } from "./generate.ts";
import { DEFAULT_PASSWORD_LENGTH, PASSWORD_ENCODINGS } from "./password.ts";

type Schema = Record<string, unknown>;

/** ESO's GeneratorKind enum (the kinds a ClusterGenerator may wrap) → its field in `spec.generator`. */
export const ESO_GENERATOR_FIELDS: Readonly<Record<string, string>> = {
  ACRAccessToken: "acrAccessTokenSpec",
  BeyondtrustWorkloadCredentialsDynamicSecret: "beyondtrustWorkloadCredentialsDynamicSecretSpec",
  CloudsmithAccessToken: "cloudsmithAccessTokenSpec",
  ECRAuthorizationToken: "ecrAuthorizationTokenSpec",
  Fake: "fakeSpec",
  GCRAccessToken: "gcrAccessTokenSpec",
  GithubAccessToken: "githubAccessTokenSpec",
  GitlabDeployToken: "gitlabDeployTokenSpec",
  QuayAccessToken: "quayAccessTokenSpec",
  Password: "passwordSpec",
  SSHKey: "sshKeySpec",
  STSSessionToken: "stsSessionTokenSpec",
  UUID: "uuidSpec",
  VaultDynamicSecret: "vaultDynamicSecretSpec",
  Webhook: "webhookSpec",
  Grafana: "grafanaSpec",
  MFA: "mfaSpec",
};

const passwordSpec = (): Schema => ({
  type: "object",
  description: "Password generator: length, digits and symbols counts, character sets, output keys and encoding.",
  properties: {
    length: { type: "integer", default: DEFAULT_PASSWORD_LENGTH, description: "Length of the password (default 24)." },
    digits: { type: "integer", description: "Number of digits; 25% of length when omitted." },
    symbols: { type: "integer", description: "Number of symbols; 25% of length when omitted." },
    symbolCharacters: { type: "string", description: "The symbol characters to draw from." },
    noUpper: { type: "boolean", default: false, description: "No uppercase letters." },
    allowRepeat: { type: "boolean", default: false, description: "Allow a character to appear more than once." },
    secretKeys: { type: "array", minItems: 1, items: { type: "string", minLength: 1 }, description: "Output keys, each with its own password (default [password])." },
    encoding: { type: "string", enum: [...PASSWORD_ENCODINGS], default: "raw", description: "Encoding of each password." },
  },
  required: ["allowRepeat", "length", "noUpper"],
});

const uuidSpec = (): Schema => ({ type: "object", description: "UUID generator: no settings; outputs key uuid." });

function crd(kind: string, plural: string, scope: "Namespaced" | "Cluster", spec: Schema): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${GENERATOR_GROUP}`, labels: { "external-secrets.io/component": "controller" } },
    spec: {
      group: GENERATOR_GROUP,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), categories: ["external-secrets", "external-secrets-generators"] },
      scope,
      versions: [
        {
          name: GENERATOR_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" }, spec },
            },
          },
        },
      ],
    },
  };
}

/** Every generator CRD, keyed by the file it is written to under `config/crd/`. */
export function generatorCustomResourceDefinitions(): Record<string, Record<string, unknown>> {
  const generator: Record<string, Schema> = {};
  for (const [k, field] of Object.entries(ESO_GENERATOR_FIELDS)) {
    generator[field] =
      k === "Password"
        ? passwordSpec()
        : k === "UUID"
          ? uuidSpec()
          : { type: "object", description: `${k} spec (kseal does not generate ${k}; kept as written).`, "x-kubernetes-preserve-unknown-fields": true };
  }
  return {
    [`${GENERATOR_GROUP}_passwords.yaml`]: crd("Password", "passwords", "Namespaced", passwordSpec()),
    [`${GENERATOR_GROUP}_uuids.yaml`]: crd("UUID", "uuids", "Namespaced", uuidSpec()),
    [`${GENERATOR_GROUP}_clustergenerators.yaml`]: crd("ClusterGenerator", "clustergenerators", "Cluster", {
      type: "object",
      properties: {
        kind: { type: "string", enum: Object.keys(ESO_GENERATOR_FIELDS), description: "The kind of the wrapped generator." },
        generator: { type: "object", minProperties: 1, maxProperties: 1, properties: generator, description: "The wrapped generator's spec; must match kind." },
      },
      required: ["generator", "kind"],
    }),
  };
}

/** The YAML text of one generator CRD file, with a header saying where it comes from. */
export function renderGeneratorCrdYaml(crdObject: Record<string, unknown>): string {
  return `# Generated from src/generators/crd.ts — edit that file, then run:\n#   node src/generators/crd.ts --write\n---\n${stringify(crdObject, { lineWidth: 0 })}`;
}

export const GENERATOR_CRD_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "config", "crd");

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes("--write")) {
  for (const [file, c] of Object.entries(generatorCustomResourceDefinitions())) writeFileSync(join(GENERATOR_CRD_DIR, file), renderGeneratorCrdYaml(c));
}
