/**
 * The four `external-secrets.io/v1` CustomResourceDefinitions as data: ExternalSecret, SecretStore,
 * ClusterSecretStore and ClusterExternalSecret. Field names, enums, defaults, printer columns and
 * short names follow ESO's Go API types; ESO's admission-webhook rules are CEL
 * `x-kubernetes-validations` so no webhook has to run. `config/crd/external-secrets.io_*.yaml` is
 * rendered from here (`node src/operator/externalsecret/crd.ts --write`); a unit test keeps them equal.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

export const GROUP = "external-secrets.io";
export const VERSION = "v1";

type Schema = Record<string, unknown>;

const DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
const DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const SECRET_KEY = "^[-._a-zA-Z0-9]+$";
/** Go `time.ParseDuration` syntax (what `metav1.Duration` accepts), or a bare `0`. */
export const DURATION_PATTERN = "^(0|([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$";
/** Five-field cron or a `@`-descriptor, as ESO's syncWindows pattern. */
const CRON_PATTERN = "^(@(annually|yearly|monthly|weekly|daily|midnight|hourly)|@every [^\\s]+.*|[^\\s]+( [^\\s]+){4,5})$";

const str = (extra: Schema = {}): Schema => ({ type: "string", ...extra });
const bool = (): Schema => ({ type: "boolean" });
const int = (): Schema => ({ type: "integer" });
const enumOf = (values: readonly string[], extra: Schema = {}): Schema => ({ type: "string", enum: [...values], ...extra });
const arr = (items: Schema, extra: Schema = {}): Schema => ({ type: "array", items, ...extra });
const strMap = (): Schema => ({ type: "object", additionalProperties: { type: "string" } });
const obj = (properties: Record<string, Schema>, required: readonly string[] = [], extra: Schema = {}): Schema => ({
  type: "object",
  properties,
  ...(required.length > 0 ? { required: [...required] } : {}),
  ...extra,
});
/** An object kseal does not model field by field (yet): kept as written. */
const opaque = (description: string): Schema => ({ type: "object", description, "x-kubernetes-preserve-unknown-fields": true });
const rule = (r: string, message: string): { rule: string; message: string } => ({ rule: r, message });
/** CEL: exactly one of these fields is set. */
const exactlyOne = (fields: readonly string[]): string => `${fields.map((f) => `(has(self.${f}) ? 1 : 0)`).join(" + ")} == 1`;
const name253 = (): Schema => str({ minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN });
const namespace63 = (): Schema => str({ minLength: 1, maxLength: 63, pattern: DNS_LABEL });
const duration = (extra: Schema = {}): Schema => str({ pattern: DURATION_PATTERN, ...extra });

const secretKeySelector = (): Schema =>
  obj({ name: name253(), namespace: namespace63(), key: str({ minLength: 1, maxLength: 253, pattern: SECRET_KEY }) });
const serviceAccountSelector = (): Schema =>
  obj({ name: name253(), namespace: namespace63(), audiences: arr(str()) }, ["name"]);
const labelSelector = (): Schema =>
  obj(
    {
      matchLabels: strMap(),
      matchExpressions: arr(
        obj(
          { key: str(), operator: enumOf(["In", "NotIn", "Exists", "DoesNotExist"]), values: arr(str()) },
          ["key", "operator"],
        ),
      ),
    },
    [],
    { "x-kubernetes-map-type": "atomic" },
  );
const condition = (types: readonly string[] | null): Schema =>
  obj(
    {
      type: types === null ? str() : enumOf(types),
      status: str(),
      reason: str(),
      message: str(),
      lastTransitionTime: str({ format: "date-time" }),
    },
    ["status", "type"],
  );

// ---------------------------------------------------------------------------------------------
// ExternalSecret spec (shared with ClusterExternalSecret.spec.externalSecretSpec)

const storeRef = (): Schema => obj({ name: name253(), kind: enumOf(["SecretStore", "ClusterSecretStore"]) });
const generatorRef = (): Schema =>
  obj(
    {
      apiVersion: str({ default: "generators.external-secrets.io/v1alpha1" }),
      kind: str({ minLength: 1 }),
      name: name253(),
    },
    ["kind", "name"],
  );

const decoding = (): Schema => enumOf(["Auto", "Base64", "Base64URL", "None"], { default: "None" });
const conversion = (): Schema => enumOf(["Default", "Unicode"], { default: "Default" });
const nullBytes = (): Schema => enumOf(["Ignore", "Fail"], { default: "Ignore" });

const remoteRef = (): Schema =>
  obj(
    {
      key: str({ minLength: 1 }),
      property: str(),
      version: str(),
      metadataPolicy: enumOf(["None", "Fetch"], { default: "None" }),
      decodingStrategy: decoding(),
      conversionStrategy: conversion(),
      nullBytePolicy: nullBytes(),
    },
    ["key"],
  );

const templateRef = (): Schema =>
  obj(
    {
      name: name253(),
      items: arr(
        obj(
          {
            key: str({ minLength: 1, maxLength: 253, pattern: SECRET_KEY }),
            templateAs: enumOf(["Values", "KeysAndValues"], { default: "Values" }),
          },
          ["key"],
        ),
      ),
    },
    ["name", "items"],
  );

const template = (): Schema =>
  obj(
    {
      type: str({ maxLength: 253 }),
      engineVersion: enumOf(["v2"], { default: "v2" }),
      mergePolicy: enumOf(["Replace", "Merge"], { default: "Replace" }),
      metadata: obj({ annotations: strMap(), labels: strMap(), finalizers: arr(str()) }),
      data: strMap(),
      templateFrom: arr(
        obj(
          {
            configMap: templateRef(),
            secret: templateRef(),
            literal: str(),
            target: str({ default: "Data", maxLength: 253 }),
            valuesDecodingStrategy: enumOf(["Auto", "Base64", "Base64URL", "None"]),
          },
          [],
          {
            "x-kubernetes-validations": [
              rule(
                "!has(self.target) || self.target == '' || self.target.lowerAscii() in ['data', 'annotations', 'labels']",
                "templateFrom target must be one of Data, Annotations or Labels when targeting a Secret",
              ),
            ],
          },
        ),
        { maxItems: 100 },
      ),
    },
    [],
    {
      "x-kubernetes-validations": [
        rule("!has(self.type) || self.type != 'bootstrap.kubernetes.io/token'", 'template.type="bootstrap.kubernetes.io/token" is not allowed'),
        rule(
          "!has(self.type) || self.type != 'kubernetes.io/service-account-token' || !has(self.metadata) || !has(self.metadata.annotations) || !('kubernetes.io/service-account.name' in self.metadata.annotations)",
          'template.type="kubernetes.io/service-account-token" with annotation "kubernetes.io/service-account.name" is not allowed',
        ),
      ],
    },
  );

const target = (): Schema =>
  obj(
    {
      name: name253(),
      creationPolicy: enumOf(["Owner", "Orphan", "Merge", "None", "CreateOrMerge"], { default: "Owner" }),
      deletionPolicy: enumOf(["Delete", "Merge", "Retain"], { default: "Retain" }),
      template: template(),
      manifest: obj({ apiVersion: str({ minLength: 1 }), kind: str({ minLength: 1 }) }, ["apiVersion", "kind"]),
      immutable: bool(),
    },
    [],
    {
      "x-kubernetes-validations": [
        rule(
          "!has(self.deletionPolicy) || self.deletionPolicy != 'Delete' || !has(self.creationPolicy) || self.creationPolicy in ['Owner', 'Orphan']",
          "deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner",
        ),
        rule(
          "!has(self.deletionPolicy) || self.deletionPolicy != 'Merge' || !has(self.creationPolicy) || self.creationPolicy != 'None'",
          "deletionPolicy=Merge must not be used with creationPolicy=None. There is no Secret to merge with",
        ),
      ],
    },
  );

const rewrite = (): Schema =>
  obj(
    {
      regexp: obj({ source: str(), target: str() }, ["source", "target"]),
      transform: obj({ template: str() }, ["template"]),
      merge: obj({
        into: str({ default: "" }),
        priority: arr(str()),
        priorityPolicy: enumOf(["IgnoreNotFound", "Strict"], { default: "Strict" }),
        conflictPolicy: enumOf(["Ignore", "Error"], { default: "Error" }),
        strategy: enumOf(["Extract", "JSON"], { default: "Extract" }),
      }),
    },
    [],
    { "x-kubernetes-validations": [rule(exactlyOne(["regexp", "transform", "merge"]), "a rewrite sets exactly one of regexp, transform or merge")] },
  );

const dataFromItem = (): Schema =>
  obj(
    {
      extract: remoteRef(),
      find: obj({
        path: str(),
        name: obj({ regexp: str() }),
        tags: strMap(),
        decodingStrategy: decoding(),
        conversionStrategy: conversion(),
        nullBytePolicy: nullBytes(),
      }),
      rewrite: arr(rewrite()),
      sourceRef: obj({ storeRef: storeRef(), generatorRef: generatorRef() }, [], {
        "x-kubernetes-validations": [
          rule(exactlyOne(["storeRef", "generatorRef"]), "generatorRef or storeRef must be set when using sourceRef in dataFrom (exactly one)"),
        ],
      }),
    },
    [],
    {
      "x-kubernetes-validations": [
        rule("has(self.extract) || has(self.find) || has(self.sourceRef)", "either extract, find, or sourceRef must be set to dataFrom"),
        rule(
          "(has(self.extract) ? 1 : 0) + (has(self.find) ? 1 : 0) + (has(self.sourceRef) && has(self.sourceRef.generatorRef) ? 1 : 0) <= 1",
          "extract, find, or generatorRef cannot be set at the same time",
        ),
      ],
    },
  );

/**
 * Bounds keep CEL's static cost estimate within the API server's budget: the unique-secretKey rule
 * is quadratic in `data`, which caps `data` at 250 entries (dataFrom, linear, at 500).
 */
const MAX_DATA = 250;
const MAX_DATA_FROM = 500;

export function externalSecretSpecSchema(): Schema {
  return obj(
    {
      secretStoreRef: storeRef(),
      target: { ...target(), default: { creationPolicy: "Owner", deletionPolicy: "Retain" } },
      refreshPolicy: enumOf(["CreatedOnce", "Periodic", "OnChange"]),
      refreshInterval: duration({ default: "1h0m0s" }),
      refreshSchedule: str({
        description: "kseal extension: a cron expression (five or six fields, or an @-descriptor) on which to refresh.",
        pattern: CRON_PATTERN,
      }),
      syncWindows: obj(
        {
          kind: enumOf(["allow", "deny"]),
          windows: arr(obj({ schedule: str({ minLength: 1, pattern: CRON_PATTERN }), duration: duration() }, ["schedule", "duration"]), {
            minItems: 1,
          }),
        },
        ["kind", "windows"],
      ),
      data: arr(
        obj(
          {
            secretKey: str({ minLength: 1, maxLength: 253, pattern: SECRET_KEY }),
            remoteRef: remoteRef(),
            sourceRef: obj({ storeRef: storeRef(), generatorRef: generatorRef() }, [], {
              "x-kubernetes-validations": [rule(exactlyOne(["storeRef", "generatorRef"]), "data[].sourceRef sets exactly one of storeRef or generatorRef")],
            }),
          },
          ["secretKey", "remoteRef"],
        ),
        { maxItems: MAX_DATA },
      ),
      dataFrom: arr(dataFromItem(), { maxItems: MAX_DATA_FROM }),
    },
    [],
    {
      "x-kubernetes-validations": [
        rule("(has(self.data) && size(self.data) > 0) || (has(self.dataFrom) && size(self.dataFrom) > 0)", "either data or dataFrom should be specified"),
        rule(
          "!has(self.data) || self.data.all(d, self.data.exists_one(e, e.secretKey == d.secretKey))",
          "duplicate secretKey found: each data[].secretKey must be unique",
        ),
      ],
    },
  );
}

// ---------------------------------------------------------------------------------------------
// SecretStore / ClusterSecretStore

const caProvider = (): Schema =>
  obj({ type: enumOf(["Secret", "ConfigMap"]), name: name253(), key: str({ minLength: 1, maxLength: 253, pattern: SECRET_KEY }), namespace: namespace63() }, [
    "type",
    "name",
  ]);

const vaultProvider = (): Schema =>
  obj(
    {
      server: str(),
      path: str(),
      version: enumOf(["v1", "v2"], { default: "v2" }),
      namespace: str(),
      caBundle: str({ format: "byte" }),
      caProvider: caProvider(),
      tls: obj({ certSecretRef: secretKeySelector(), keySecretRef: secretKeySelector() }),
      readYourWrites: bool(),
      forwardInconsistent: bool(),
      headers: strMap(),
      checkAndSet: obj({ required: bool() }),
      auth: obj({
        namespace: str(),
        tokenSecretRef: secretKeySelector(),
        appRole: obj({ path: str({ default: "approle" }), roleId: str(), roleRef: secretKeySelector(), secretRef: secretKeySelector() }, ["path", "secretRef"]),
        kubernetes: obj(
          { mountPath: str({ default: "kubernetes" }), role: str(), serviceAccountRef: serviceAccountSelector(), secretRef: secretKeySelector() },
          ["mountPath", "role"],
        ),
        ldap: obj({ path: str({ default: "ldap" }), username: str(), secretRef: secretKeySelector() }, ["path", "username"]),
        userPass: obj({ path: str({ default: "userpass" }), username: str(), secretRef: secretKeySelector() }, ["path", "username"]),
        jwt: opaque("Vault JWT/OIDC auth (role, secretRef, kubernetesServiceAccountToken)."),
        cert: opaque("Vault TLS certificate auth."),
        iam: opaque("Vault AWS IAM auth."),
        gcp: opaque("Vault GCP auth."),
      }),
    },
    ["server"],
  );

const awsProvider = (): Schema =>
  obj(
    {
      service: enumOf(["SecretsManager", "ParameterStore", "CertificateManager"]),
      region: str(),
      role: str(),
      additionalRoles: arr(str()),
      externalID: str(),
      prefix: str(),
      transitiveTagKeys: arr(str()),
      sessionTags: arr(obj({ key: str(), value: str() }, ["key", "value"])),
      sessionTagsPolicy: enumOf(["None", "Simple", "Custom"], { default: "None" }),
      customSessionTags: strMap(),
      secretsManager: obj({ forceDeleteWithoutRecovery: bool(), recoveryWindowInDays: int() }),
      auth: obj({
        secretRef: obj({
          accessKeyIDSecretRef: secretKeySelector(),
          secretAccessKeySecretRef: secretKeySelector(),
          sessionTokenSecretRef: secretKeySelector(),
        }),
        jwt: obj({ serviceAccountRef: serviceAccountSelector() }),
      }),
    },
    ["service", "region"],
  );

const gcpsmProvider = (): Schema =>
  obj({
    projectID: str(),
    location: str(),
    auth: obj({
      secretRef: obj({ secretAccessKeySecretRef: secretKeySelector() }),
      workloadIdentity: obj(
        { serviceAccountRef: serviceAccountSelector(), clusterLocation: str(), clusterName: str(), clusterProjectID: str() },
        ["serviceAccountRef"],
      ),
      workloadIdentityFederation: opaque("GCP workload identity federation."),
    }),
  });

const azurekvProvider = (): Schema =>
  obj(
    {
      vaultUrl: str(),
      tenantId: str(),
      authType: enumOf(["ServicePrincipal", "ManagedIdentity", "WorkloadIdentity"], { default: "ServicePrincipal" }),
      environmentType: enumOf(["PublicCloud", "USGovernmentCloud", "ChinaCloud", "GermanCloud", "AzureStackCloud"], { default: "PublicCloud" }),
      authSecretRef: obj({ clientId: secretKeySelector(), clientSecret: secretKeySelector(), clientCertificate: secretKeySelector(), tenantId: secretKeySelector() }),
      serviceAccountRef: serviceAccountSelector(),
      identityId: str(),
      customCloudConfig: opaque("Azure Stack endpoints."),
    },
    ["vaultUrl"],
  );

const fakeProvider = (): Schema =>
  obj(
    {
      data: arr(obj({ key: str(), value: str(), version: str(), valueMap: strMap() }, ["key"])),
      validationResult: int(),
    },
    ["data"],
  );

const kubernetesProvider = (): Schema =>
  obj({
    server: obj({ url: str({ default: "kubernetes.default" }), caBundle: str({ format: "byte" }), caProvider: caProvider() }),
    auth: obj(
      {
        cert: obj({ clientCert: secretKeySelector(), clientKey: secretKeySelector() }, ["clientCert", "clientKey"]),
        token: obj({ bearerToken: secretKeySelector() }, ["bearerToken"]),
        serviceAccount: serviceAccountSelector(),
      },
      [],
      { "x-kubernetes-validations": [rule(exactlyOne(["cert", "token", "serviceAccount"]), "kubernetes auth sets exactly one of cert, token or serviceAccount")] },
    ),
    authRef: secretKeySelector(),
    remoteNamespace: str({ default: "default", minLength: 1, maxLength: 63, pattern: DNS_LABEL }),
  });

function secretStoreSpecSchema(): Schema {
  const props: Record<string, Schema> = {
    controller: str(),
    refreshInterval: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
    retrySettings: obj({ maxRetries: { type: "integer", format: "int32" }, retryInterval: str() }),
    provider: obj(
      {
        vault: vaultProvider(),
        aws: awsProvider(),
        gcpsm: gcpsmProvider(),
        azurekv: azurekvProvider(),
        fake: fakeProvider(),
        kubernetes: kubernetesProvider(),
      },
      [],
      {
        // Other ESO providers are stored as written; kseal reports them as unsupported on the store.
        "x-kubernetes-preserve-unknown-fields": true,
        // CEL cannot count the keys of an object with preserved unknown fields; the API server's
        // own message reads "spec.provider: Too many: 2: must have at most 1 item".
        minProperties: 1,
        maxProperties: 1,
      },
    ),
  };
  // ESO lists `conditions` on both kinds; it is only meaningful (and only honoured) on ClusterSecretStores.
  props.conditions = arr(
    obj({
      namespaceSelector: labelSelector(),
      namespaces: arr(str({ minLength: 1, maxLength: 63, pattern: DNS_LABEL })),
      namespaceRegexes: arr(str()),
    }),
  );
  return obj(props, ["provider"]);
}

// ---------------------------------------------------------------------------------------------
// CRD objects

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
}

function crd(args: {
  kind: string;
  plural: string;
  singular: string;
  shortName: string;
  scope: "Namespaced" | "Cluster";
  spec: Schema;
  status: Schema;
  columns: PrinterColumn[];
}): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${args.plural}.${GROUP}`,
      labels: { "external-secrets.io/component": "controller", "app.kubernetes.io/part-of": "kseal" },
    },
    spec: {
      group: GROUP,
      names: {
        kind: args.kind,
        listKind: `${args.kind}List`,
        plural: args.plural,
        singular: args.singular,
        shortNames: [args.shortName],
        categories: ["external-secrets"],
      },
      scope: args.scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: args.columns,
          schema: {
            openAPIV3Schema: obj({
              apiVersion: str(),
              kind: str(),
              metadata: { type: "object" },
              spec: args.spec,
              status: args.status,
            }),
          },
        },
      ],
    },
  };
}

const READY_REASON = `.status.conditions[?(@.type=="Ready")].reason`;
const READY_STATUS = `.status.conditions[?(@.type=="Ready")].status`;

const storeStatus = (): Schema =>
  obj({ conditions: arr(condition(null)), capabilities: enumOf(["ReadOnly", "WriteOnly", "ReadWrite"]) });
const storeColumns = (): PrinterColumn[] => [
  { name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp" },
  { name: "Status", type: "string", jsonPath: READY_REASON },
  { name: "Capabilities", type: "string", jsonPath: ".status.capabilities" },
  { name: "Ready", type: "string", jsonPath: READY_STATUS },
];

/** Every CRD, keyed by the file it is written to under `config/crd/`. */
export function customResourceDefinitions(): Record<string, Record<string, unknown>> {
  return {
    "external-secrets.io_externalsecrets.yaml": crd({
      kind: "ExternalSecret",
      plural: "externalsecrets",
      singular: "externalsecret",
      shortName: "es",
      scope: "Namespaced",
      spec: externalSecretSpecSchema(),
      status: obj({
        refreshTime: { type: "string", format: "date-time", nullable: true },
        syncedResourceVersion: str(),
        binding: obj({ name: str({ default: "" }) }, [], { "x-kubernetes-map-type": "atomic" }),
        conditions: arr(condition(["Ready", "Deleted"])),
      }),
      columns: [
        { name: "StoreType", type: "string", jsonPath: ".spec.secretStoreRef.kind" },
        { name: "Store", type: "string", jsonPath: ".spec.secretStoreRef.name" },
        { name: "Refresh Interval", type: "string", jsonPath: ".spec.refreshInterval" },
        { name: "Status", type: "string", jsonPath: READY_REASON },
        { name: "Ready", type: "string", jsonPath: READY_STATUS },
        { name: "Last Sync", type: "date", jsonPath: ".status.refreshTime" },
      ],
    }),
    "external-secrets.io_secretstores.yaml": crd({
      kind: "SecretStore",
      plural: "secretstores",
      singular: "secretstore",
      shortName: "ss",
      scope: "Namespaced",
      spec: secretStoreSpecSchema(),
      status: storeStatus(),
      columns: storeColumns(),
    }),
    "external-secrets.io_clustersecretstores.yaml": crd({
      kind: "ClusterSecretStore",
      plural: "clustersecretstores",
      singular: "clustersecretstore",
      shortName: "css",
      scope: "Cluster",
      spec: secretStoreSpecSchema(),
      status: storeStatus(),
      columns: storeColumns(),
    }),
    "external-secrets.io_clusterexternalsecrets.yaml": crd({
      kind: "ClusterExternalSecret",
      plural: "clusterexternalsecrets",
      singular: "clusterexternalsecret",
      shortName: "ces",
      scope: "Cluster",
      spec: obj(
        {
          externalSecretSpec: externalSecretSpecSchema(),
          externalSecretName: name253(),
          externalSecretMetadata: obj({ annotations: strMap(), labels: strMap() }),
          namespaceSelector: labelSelector(),
          namespaceSelectors: arr(labelSelector()),
          namespaces: arr(str({ minLength: 1, maxLength: 63, pattern: DNS_LABEL })),
          refreshTime: duration(),
        },
        ["externalSecretSpec"],
      ),
      status: obj({
        externalSecretName: str(),
        provisionedNamespaces: arr(str()),
        failedNamespaces: arr(obj({ namespace: str(), reason: str() }, ["namespace"])),
        conditions: arr(obj({ type: str(), status: str(), message: str() }, ["type", "status"])),
      }),
      columns: [
        { name: "Store", type: "string", jsonPath: ".spec.externalSecretSpec.secretStoreRef.name" },
        { name: "Refresh Interval", type: "string", jsonPath: ".spec.refreshTime" },
        { name: "Ready", type: "string", jsonPath: READY_STATUS },
      ],
    }),
  };
}

/** The YAML text of one CRD file, with a header saying where it comes from. */
export function renderCrdYaml(crdObject: Record<string, unknown>): string {
  return `# Generated from src/operator/externalsecret/crd.ts — edit that file, then run:\n#   node src/operator/externalsecret/crd.ts --write\n---\n${stringify(crdObject, { lineWidth: 0 })}`;
}

export const CRD_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "config", "crd");

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes("--write")) {
  for (const [file, c] of Object.entries(customResourceDefinitions())) writeFileSync(join(CRD_DIR, file), renderCrdYaml(c));
}
