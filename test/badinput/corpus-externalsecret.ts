/**
 * Bad ExternalSecrets, SecretStores and ClusterSecretStores. The CRDs (ESO's schema and CEL
 * rules, kept as ESO ships them) refuse what is malformed; what is well-formed but cannot work is
 * reported by the operator: ExternalSecret Ready=False/SecretSyncedError with a message naming the
 * store, key, template or field, plus ESO's UpdateFailed Warning event; a store Ready=False with
 * ESO's reasons (InvalidProviderConfig, ValidationFailed).
 */
import { canary, type BadCase, type Manifest } from "./cases.ts";

export interface EsCtx {
  readonly ns: string;
}

export type EsCase = BadCase<EsCtx>;

/** The fixture store the runner creates: `fake` in the test namespace, values carrying canaries. */
export const FIXTURE_VALUES: Readonly<Record<string, string>> = {
  plain: canary("es", "plain"),
  db: JSON.stringify({ user: canary("es", "user"), password: canary("es", "password"), nested: { a: { b: "c" } } }),
  notbase64: `${canary("es", "nb64")}!!`,
  badkeys: JSON.stringify({ "bad key": "x", "ok": "y" }),
};

/** Every canary the fixture store holds: none may leave the store. */
export const ES_CANARIES: readonly string[] = [canary("es", "plain"), canary("es", "user"), canary("es", "password"), canary("es", "nb64")];

const SYNC_ERROR = { reason: "SecretSyncedError", event: "UpdateFailed" } as const;

function es(spec: Record<string, unknown>): Manifest {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: {},
    spec: { secretStoreRef: { name: "fake", kind: "SecretStore" }, data: [{ secretKey: "k", remoteRef: { key: "plain" } }], ...spec },
  };
}

function target(t: Record<string, unknown>, extra: Record<string, unknown> = {}): Manifest {
  return es({ target: t, ...extra });
}

function ref(r: Record<string, unknown>): Manifest {
  return es({ data: [{ secretKey: "k", remoteRef: { key: "plain", ...r } }] });
}

function template(t: Record<string, unknown>, key = "db"): Manifest {
  return es({ target: { template: t }, data: [{ secretKey: "k", remoteRef: { key } }] });
}

type Row = readonly [name: string, why: string, object: Manifest, message: RegExp | string];

const rejectedRows: Row[] = [
  // enums
  ["enum-creation-policy", "creationPolicy is an enum (Owner, Orphan, Merge, None, CreateOrMerge)", target({ creationPolicy: "Always" }), /spec.target.creationPolicy: Unsupported value: "Always"/],
  ["enum-deletion-policy", "deletionPolicy is an enum (Delete, Merge, Retain)", target({ deletionPolicy: "Destroy" }), /spec.target.deletionPolicy: Unsupported value: "Destroy"/],
  ["enum-conversion-strategy", "conversionStrategy is Default or Unicode", ref({ conversionStrategy: "Latin1" }), /spec.data\[0\].remoteRef.conversionStrategy: Unsupported value: "Latin1"/],
  ["enum-decoding-strategy", "decodingStrategy is Auto, Base64, Base64URL or None", ref({ decodingStrategy: "Base32" }), /spec.data\[0\].remoteRef.decodingStrategy: Unsupported value: "Base32"/],
  ["enum-metadata-policy", "metadataPolicy is None or Fetch", ref({ metadataPolicy: "All" }), /spec.data\[0\].remoteRef.metadataPolicy: Unsupported value: "All"/],
  ["enum-null-byte-policy", "nullBytePolicy is Ignore or Fail", ref({ nullBytePolicy: "Drop" }), /spec.data\[0\].remoteRef.nullBytePolicy: Unsupported value: "Drop"/],
  ["enum-engine-version", "template.engineVersion v1 is gone from ESO v1; only v2", target({ template: { engineVersion: "v1" } }), /spec.target.template.engineVersion: Unsupported value: "v1"/],
  ["enum-merge-policy", "template.mergePolicy is Replace or Merge", target({ template: { mergePolicy: "Overwrite" } }), /spec.target.template.mergePolicy: Unsupported value: "Overwrite"/],
  ["enum-refresh-policy", "refreshPolicy is CreatedOnce, Periodic or OnChange", es({ refreshPolicy: "Sometimes" }), /spec.refreshPolicy: Unsupported value: "Sometimes"/],
  ["enum-store-kind", "secretStoreRef.kind is SecretStore or ClusterSecretStore", es({ secretStoreRef: { name: "fake", kind: "Vault" } }), /spec.secretStoreRef.kind: Unsupported value: "Vault"/],
  ["enum-store-kind-case", "enums are case-sensitive", es({ secretStoreRef: { name: "fake", kind: "secretstore" } }), /spec.secretStoreRef.kind: Unsupported value: "secretstore"/],
  ["enum-sync-window-kind", "syncWindows.kind is allow or deny", es({ syncWindows: { kind: "maybe", windows: [{ schedule: "@daily", duration: "1h" }] } }), /spec.syncWindows.kind: Unsupported value: "maybe"/],
  ["enum-extract-decoding", "dataFrom[].extract.decodingStrategy is an enum too", es({ data: [], dataFrom: [{ extract: { key: "db", decodingStrategy: "hex" } }] }), /spec.dataFrom\[0\].extract.decodingStrategy: Unsupported value: "hex"/],
  ["enum-template-from-target", "templateFrom target must be Data, Annotations or Labels (CEL)", target({ template: { templateFrom: [{ target: "Spec", literal: "a: b" }] } }), /templateFrom target must be one of Data, Annotations or Labels/],
  // wrong types
  ["type-refresh-interval-int", "refreshInterval is a duration string, not seconds", es({ refreshInterval: 3600 }), /spec.refreshInterval: Invalid value: "integer"/],
  ["type-data-object", "spec.data is a list", es({ data: { k: "plain" } }), /spec.data: Invalid value: "object"/],
  ["type-secret-key-int", "data[].secretKey is a string", es({ data: [{ secretKey: 7, remoteRef: { key: "plain" } }] }), /spec.data\[0\].secretKey: Invalid value: "integer"/],
  ["type-remote-key-list", "remoteRef.key is a string", es({ data: [{ secretKey: "k", remoteRef: { key: ["plain"] } }] }), /spec.data\[0\].remoteRef.key: Invalid value: "array"/],
  ["type-target-string", "spec.target is an object", es({ target: "out" }), /spec.target: Invalid value: "string"/],
  ["type-immutable-string", "target.immutable is a boolean", target({ immutable: "yes" }), /spec.target.immutable: Invalid value: "string"/],
  ["type-template-labels-int", "template.metadata.labels values are strings", target({ template: { metadata: { labels: { a: 1 } } } }), /spec.target.template.metadata.labels.a: Invalid value: "integer"/],
  ["type-store-ref-string", "secretStoreRef is an object", es({ secretStoreRef: "fake" }), /spec.secretStoreRef: Invalid value: "string"/],
  ["type-spec-list", "spec is an object", { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: {}, spec: [] }, /spec: Invalid value: "array"/],
  // missing required
  ["missing-remote-ref", "data[].remoteRef is required", es({ data: [{ secretKey: "k" }] }), /spec.data\[0\].remoteRef: Required value/],
  ["missing-remote-key", "remoteRef.key is required", es({ data: [{ secretKey: "k", remoteRef: { property: "x" } }] }), /spec.data\[0\].remoteRef.key: Required value/],
  ["missing-secret-key", "data[].secretKey is required", es({ data: [{ remoteRef: { key: "plain" } }] }), /spec.data\[0\].secretKey: Required value/],
  ["empty-remote-key", "remoteRef.key must not be empty", es({ data: [{ secretKey: "k", remoteRef: { key: "" } }] }), /spec.data\[0\].remoteRef.key: Invalid value: "": spec.data\[0\].remoteRef.key in body should be at least 1 chars long/],
  ["no-data-no-datafrom", "an ExternalSecret must ask for something (CEL, as ESO)", es({ data: [] }), /either data or dataFrom should be specified/],
  ["datafrom-empty-item", "a dataFrom item with none of extract, find, sourceRef (CEL)", es({ data: [], dataFrom: [{}] }), /either extract, find, or sourceRef must be set to dataFrom/],
  ["datafrom-extract-and-find", "extract and find together (CEL)", es({ data: [], dataFrom: [{ extract: { key: "db" }, find: { name: { regexp: ".*" } } }] }), /extract, find, or generatorRef cannot be set at the same time/],
  ["rewrite-two-kinds", "a rewrite sets exactly one of regexp, transform, merge (CEL)", es({ data: [], dataFrom: [{ extract: { key: "db" }, rewrite: [{ regexp: { source: "a", target: "b" }, transform: { template: "x" } }] }] }), /a rewrite sets exactly one of regexp, transform or merge/],
  ["sourceref-neither", "data[].sourceRef with neither storeRef nor generatorRef (CEL)", es({ data: [{ secretKey: "k", remoteRef: { key: "plain" }, sourceRef: {} }] }), /data\[\]\.sourceRef sets exactly one of storeRef or generatorRef/],
  ["duplicate-secret-key", "two data entries writing the same key (CEL)", es({ data: [{ secretKey: "k", remoteRef: { key: "plain" } }, { secretKey: "k", remoteRef: { key: "db" } }] }), /duplicate secretKey found/],
  ["cel-delete-with-merge", "deletionPolicy=Delete needs an owned Secret (CEL, ESO's message)", target({ creationPolicy: "Merge", deletionPolicy: "Delete" }), /deletionPolicy=Delete must not be used when the controller doesn't own the secret/],
  ["cel-merge-with-none", "deletionPolicy=Merge with creationPolicy=None (CEL, ESO's message)", target({ creationPolicy: "None", deletionPolicy: "Merge" }), /deletionPolicy=Merge must not be used with creationPolicy=None/],
  ["cel-bootstrap-token-type", "template.type bootstrap.kubernetes.io/token is refused (CEL, as ESO)", target({ template: { type: "bootstrap.kubernetes.io/token" } }), /template.type="bootstrap.kubernetes.io\/token" is not allowed/],
  ["cel-sa-token-type", "a service-account-token Secret naming a service account (CEL, as ESO)", target({ template: { type: "kubernetes.io/service-account-token", metadata: { annotations: { "kubernetes.io/service-account.name": "default" } } } }), /with annotation "kubernetes.io\/service-account.name" is not allowed/],
  // bad durations and schedules
  ["refresh-interval-words", "refreshInterval is a Go duration", es({ refreshInterval: "1 hour" }), /spec.refreshInterval in body should match/],
  ["refresh-interval-days", "Go durations have no d unit", es({ refreshInterval: "1d" }), /spec.refreshInterval in body should match/],
  ["refresh-interval-negative", "a negative duration", es({ refreshInterval: "-1h" }), /spec.refreshInterval in body should match/],
  ["refresh-interval-empty", "an empty duration", es({ refreshInterval: "" }), /spec.refreshInterval in body should match/],
  ["refresh-interval-huge", "a 10,000-digit garbage duration", es({ refreshInterval: `${"9".repeat(10_000)}x` }), /spec.refreshInterval/],
  ["cron-words", "refreshSchedule is cron (five or six fields) or an @-descriptor", es({ refreshSchedule: "every day" }), /spec.refreshSchedule in body should match/],
  ["cron-three-fields", "a cron with three fields", es({ refreshSchedule: "* * *" }), /spec.refreshSchedule in body should match/],
  ["cron-seven-fields", "a cron with seven fields", es({ refreshSchedule: "* * * * * * *" }), /spec.refreshSchedule in body should match/],
  ["cron-huge-garbage", "a 20,000-character garbage schedule", es({ refreshSchedule: "x".repeat(20_000) }), /spec.refreshSchedule in body should match/],
  ["cron-bad-descriptor", "an unknown @-descriptor", es({ refreshSchedule: "@fortnightly" }), /spec.refreshSchedule in body should match/],
  ["sync-window-no-duration", "a sync window without a duration", es({ syncWindows: { kind: "deny", windows: [{ schedule: "@daily" }] } }), /spec.syncWindows.windows\[0\].duration: Required value/],
  // names
  ["target-name-uppercase", "target.name must be a DNS-1123 subdomain", target({ name: "Bad_Name" }), /spec.target.name in body should match/],
  ["target-name-too-long", "target.name is at most 253 characters", target({ name: "a".repeat(300) }), /spec.target.name: Too long/],
  ["target-name-empty", "target.name must not be empty", target({ name: "" }), /spec.target.name in body should be at least 1 chars long/],
  ["store-name-space", "secretStoreRef.name must be a DNS-1123 subdomain", es({ secretStoreRef: { name: "my store", kind: "SecretStore" } }), /spec.secretStoreRef.name in body should match/],
  ["secret-key-slash", "data[].secretKey must be a valid Secret key", es({ data: [{ secretKey: "a/b", remoteRef: { key: "plain" } }] }), /spec.data\[0\].secretKey in body should match/],
  ["object-name-invalid", "metadata.name must be a DNS-1123 subdomain", { ...es({}), metadata: { name: "Not.Valid_" } }, /metadata.name: Invalid value: "Not.Valid_"/],
  // sizes
  ["too-many-data", "data holds at most 250 items", es({ data: Array.from({ length: 251 }, (_v, i) => ({ secretKey: `k${String(i)}`, remoteRef: { key: "plain" } })) }), /spec.data: Too many: 251: must have at most 250 items/],
  ["huge-object", "a 3.5 MB template: larger than the API server accepts", target({ template: { data: { big: "x".repeat(3_500_000) } } }), /too large|exceeds|limit/i],
];

type CondRow = readonly [name: string, why: string, object: Manifest | ((ctx: EsCtx) => Manifest), message: RegExp | string];

const conditionRows: CondRow[] = [
  ["store-missing", "secretStoreRef names a SecretStore that does not exist", es({ secretStoreRef: { name: "missing", kind: "SecretStore" } }), /^SecretStore "missing" not found in namespace "/],
  ["cluster-store-missing", "secretStoreRef names a ClusterSecretStore that does not exist", es({ secretStoreRef: { name: "missing-cluster-store", kind: "ClusterSecretStore" } }), 'ClusterSecretStore "missing-cluster-store" not found'],
  ["store-wrong-kind", "a namespaced store referenced as a ClusterSecretStore", es({ secretStoreRef: { name: "fake", kind: "ClusterSecretStore" } }), 'ClusterSecretStore "fake" not found'],
  ["store-other-namespace", "a SecretStore is only looked up in the ExternalSecret's namespace (as ESO)", es({ secretStoreRef: { name: "kube-system-store", kind: "SecretStore" } }), /^SecretStore "kube-system-store" not found in namespace/],
  ["store-sourceref-missing", "data[].sourceRef.storeRef naming a missing store", es({ data: [{ secretKey: "k", remoteRef: { key: "plain" }, sourceRef: { storeRef: { name: "nowhere", kind: "SecretStore" } } }] }), /^SecretStore "nowhere" not found/],
  ["store-not-ready", "the referenced store is Ready=False (unknown provider): reported on the ExternalSecret", es({ secretStoreRef: { name: "store-unknown-provider", kind: "SecretStore" } }), /SecretStore "store-unknown-provider"/],
  ["store-invalid-config", "the referenced store's provider config is invalid (vault without auth)", es({ secretStoreRef: { name: "store-vault-no-auth", kind: "SecretStore" } }), /SecretStore "store-vault-no-auth"/],
  ["cluster-store-forbidden", "a ClusterSecretStore whose conditions exclude this namespace", (c) => es({ secretStoreRef: { name: `${c.ns}-cstore-other-ns-only`, kind: "ClusterSecretStore" } }), /does not allow namespace/],
  ["cluster-store-bad-regex", "a ClusterSecretStore whose namespaceRegexes does not compile: it matches nothing", (c) => es({ secretStoreRef: { name: `${c.ns}-cstore-bad-regex`, kind: "ClusterSecretStore" } }), /does not allow namespace/],
  ["generator-ref", "a generatorRef naming a Password generator that does not exist: said so by kind and name, not ignored", es({ data: [], dataFrom: [{ sourceRef: { generatorRef: { apiVersion: "generators.external-secrets.io/v1alpha1", kind: "Password", name: "p" } } }] }), /^Password "p" not found$/],
  ["remote-key-missing", "the store has no such key", ref({ key: "nope" }), 'secret "nope" not found in store "fake"'],
  ["remote-key-missing-in-find-extract", "dataFrom.extract of a key the store lacks", es({ data: [], dataFrom: [{ extract: { key: "nope-either" } }] }), /nope-either/],
  ["property-missing", "the JSON value has no such property", ref({ key: "db", property: "nosuch" }), /nosuch/],
  ["property-on-plain", "a property asked of a value that is not JSON", ref({ key: "plain", property: "user" }), /user/],
  ["property-deep-path", "a 2,000-segment property path", ref({ key: "db", property: Array.from({ length: 2000 }, (_v, i) => `p${String(i)}`).join(".") }), /property|not found/],
  ["decode-base64", "decodingStrategy Base64 on a value that is not base64", ref({ key: "notbase64", decodingStrategy: "Base64" }), 'value of "k" is not valid base64'],
  ["decode-base64url", "decodingStrategy Base64URL on a value that is not base64url", ref({ key: "notbase64", decodingStrategy: "Base64URL" }), 'value of "k" is not valid base64url'],
  ["extract-not-json", "dataFrom.extract of a value that is not a JSON object", es({ data: [], dataFrom: [{ extract: { key: "plain" } }] }), /plain|JSON/],
  ["rewrite-bad-regexp", "a rewrite regexp that does not compile", es({ data: [], dataFrom: [{ extract: { key: "db" }, rewrite: [{ regexp: { source: "([", target: "x" } }] }] }), "rewrite[0].regexp.source is not a valid regular expression"],
  ["rewrite-to-bad-key", "a rewrite that turns keys into invalid Secret keys", es({ data: [], dataFrom: [{ extract: { key: "db" }, rewrite: [{ regexp: { source: "^", target: "a/" } }] }] }), /is not a valid Secret key/],
  ["rewrite-transform-error", "a rewrite transform template that fails", es({ data: [], dataFrom: [{ extract: { key: "db" }, rewrite: [{ transform: { template: "{{ nosuchfn .value }}" } }] }] }), /rewrite\[0\]\.transform failed/],
  ["find-bad-regexp", "dataFrom.find.name.regexp that does not compile", es({ data: [], dataFrom: [{ find: { name: { regexp: "(?<" } } }] }), /find.name.regexp of store "fake" is not a valid regular expression/],
  ["template-parse-error", "a template that does not parse", template({ data: { out: "{{ .k " } }), /template data "out" failed/],
  ["template-undefined-function", "a template calling an undefined function", template({ data: { out: "{{ nosuchfunc .k }}" } }), 'template data "out" failed: template: 1:4: function "nosuchfunc" not defined'],
  ["template-unclosed-if", "a template with an unclosed if", template({ data: { out: "{{ if .k }}x" } }), /template data "out" failed/],
  ["template-huge-range", "ranging to 100 million: stopped by the step limit", template({ data: { out: "{{ range $i := until 100000000 }}x{{ end }}" } }), /template data "out" failed: .*(limit|exceeds)/],
  ["template-huge-repeat", "repeat 100 million times: stopped by the output limit", template({ data: { out: "{{ repeat 100000000 \"x\" }}" } }), /template data "out" failed: .*(limit|exceeds)/],
  ["template-nested-repeat", "repeat of repeat: output grows multiplicatively", template({ data: { out: "{{ repeat 10000 (repeat 10000 \"xx\") }}" } }), /template data "out" failed: .*(limit|exceeds)/],
  ["template-recursion", "a template that includes itself forever: stopped by the depth limit", template({ data: { out: '{{ define "x" }}{{ template "x" . }}{{ end }}{{ template "x" . }}' } }), /template data "out" failed: .*(depth|deep|limit)/],
  ["template-deep-parens", "5,000 nested parentheses", template({ data: { out: `{{ ${"(".repeat(5000)}1${")".repeat(5000)} }}` } }), /template data "out" failed/],
  ["template-fail-fn", "the template calls fail: reported without fail's text (it could carry a value)", template({ data: { out: "{{ fail \"refused by template\" }}" } }), 'template data "out" failed: template: 1:4: error calling fail: template failed (fail was called)'],
  ["template-fail-with-value", "fail called with a secret value: the value must not reach status or events", template({ data: { out: "{{ fail .k }}" } }, "plain"), /error calling fail: template failed \(fail was called\)/],
  ["template-index-missing", "index into a missing map key of a non-map", template({ data: { out: "{{ index .k \"a\" \"b\" }}" } }), /template data "out" failed/],
  ["template-bad-key-name", "the template writes a key that is not a valid Secret key", template({ data: { "bad key": "x" } }), 'template key "bad key" is not a valid Secret key'],
  ["template-from-missing-configmap", "templateFrom a ConfigMap that does not exist", template({ templateFrom: [{ configMap: { name: "no-such-cm", items: [{ key: "t" }] } }] }), /no-such-cm|not found/],
  ["template-from-missing-secret", "templateFrom a Secret that does not exist", template({ templateFrom: [{ secret: { name: "no-such-secret", items: [{ key: "t" }] } }] }), /no-such-secret|not found/],
  ["template-from-literal-not-kv", "a templateFrom literal that does not render key: value lines", template({ templateFrom: [{ literal: "just text" }] }), /did not render key: value lines/],
  ["template-from-literal-bad-key", "a templateFrom literal rendering an invalid key", template({ templateFrom: [{ literal: "bad_key: v\nbad key: value" }] }), /template key "bad key" is not a valid Secret key|did not render key: value lines/],
];


/** Store cases: [name, why, kind, provider (or whole spec), expected reason, message]. */
type StoreRow = readonly [name: string, why: string, spec: Record<string, unknown>, reason: string, message: RegExp | string];

const storeConditionRows: StoreRow[] = [
  ["store-unknown-provider", "a provider kseal does not know (the schema keeps unknown providers, as ESO's)", { provider: { nosuch: {} } }, "InvalidProviderConfig", /spec.provider.nosuch is not a supported store/],
  ["store-fake-validation-error", "a fake store told to fail validation (ESO's ValidationResult 2)", { provider: { fake: { data: [], validationResult: 2 } } }, "ValidationFailed", /./],
  ["store-vault-no-auth", "a vault store with no auth", { provider: { vault: { server: "http://127.0.0.1:1", path: "secret" } } }, "InvalidProviderConfig", /auth/],
  ["store-vault-bad-url", "a vault server that is not a URL", { provider: { vault: { server: "not a url", path: "secret", auth: { tokenSecretRef: { name: "t", key: "token" } } } } }, "InvalidProviderConfig", /server/],
  ["store-vault-ftp-url", "a vault server with a non-HTTP scheme", { provider: { vault: { server: "ftp://vault.example", path: "secret", auth: { tokenSecretRef: { name: "t", key: "token" } } } } }, "InvalidProviderConfig", /server/],
  ["store-vault-missing-token-secret", "the token Secret does not exist", { provider: { vault: { server: "http://127.0.0.1:1", path: "secret", auth: { tokenSecretRef: { name: "no-such-token", key: "token" } } } } }, "ValidationFailed", /no-such-token/],
  ["store-vault-token-other-ns", "a SecretStore's credential ref naming another namespace: never read there, refused by name as ESO's store validation does", { provider: { vault: { server: "http://127.0.0.1:1", path: "secret", auth: { tokenSecretRef: { name: "t", key: "token", namespace: "kube-system" } } } } }, "ValidationFailed", /Secret reference "t" names namespace "kube-system"; a SecretStore may only use Secrets of its own namespace/],
  ["store-vault-unreachable", "a vault that does not answer", { provider: { vault: { server: "http://127.0.0.1:1", path: "secret", auth: { tokenSecretRef: { name: "vault-token", key: "token" } } } } }, "ValidationFailed", /./],
  ["store-gcp-no-project", "a gcpsm store without projectID", { provider: { gcpsm: {} } }, "InvalidProviderConfig", /projectID/],
  ["store-kubernetes-no-auth", "a kubernetes store without auth", { provider: { kubernetes: { remoteNamespace: "default" } } }, "InvalidProviderConfig", /auth/],
];

const storeRejectedRows: Row[] = [
  ["store-no-provider", "spec.provider is required", storeManifest({}), /spec.provider: Required value/],
  ["store-empty-provider", "spec.provider must set one provider", storeManifest({ provider: {} }), /spec.provider: Invalid value: .*at least 1/],
  ["store-two-providers", "spec.provider sets exactly one provider", storeManifest({ provider: { fake: { data: [] }, vault: { server: "http://x" } } }), /spec.provider: Too many: 2: must have at most 1 item/],
  ["store-fake-data-string", "fake.data must be a list (schema)", storeManifest({ provider: { fake: { data: "a=b" } } }), /spec.provider.fake.data: Invalid value: "string"/],
  ["store-fake-entry-no-key", "a fake entry needs a key (schema)", storeManifest({ provider: { fake: { data: [{ value: "x" }] } } }), /spec.provider.fake.data\[0\].key: Required value/],
  ["store-fake-value-number", "a fake value is a string (schema)", storeManifest({ provider: { fake: { data: [{ key: "a", value: 5 }] } } }), /spec.provider.fake.data\[0\].value: Invalid value: "integer"/],
  ["store-aws-no-region", "an aws store needs a region (schema)", storeManifest({ provider: { aws: { service: "SecretsManager" } } }), /spec.provider.aws.region: Required value/],
  ["store-vault-version", "vault version is v1 or v2", storeManifest({ provider: { vault: { server: "http://x", version: "v3" } } }), /spec.provider.vault.version: Unsupported value: "v3"/],
  ["store-vault-no-server", "vault server is required", storeManifest({ provider: { vault: { path: "secret" } } }), /spec.provider.vault.server: Required value/],
  ["store-vault-server-int", "vault server is a string", storeManifest({ provider: { vault: { server: 8200 } } }), /spec.provider.vault.server: Invalid value: "integer"/],
  ["store-vault-ca-not-bytes", "caBundle must be base64", storeManifest({ provider: { vault: { server: "http://x", caBundle: "not base64!!" } } }), /spec.provider.vault.caBundle: Invalid value/],
  ["store-vault-ca-provider-type", "caProvider.type is Secret or ConfigMap", storeManifest({ provider: { vault: { server: "http://x", caProvider: { type: "File", name: "x" } } } }), /spec.provider.vault.caProvider.type: Unsupported value: "File"/],
  ["store-aws-service", "aws service is an enum", storeManifest({ provider: { aws: { service: "KMS", region: "eu-west-1" } } }), /spec.provider.aws.service: Unsupported value: "KMS"/],
  ["store-provider-string", "spec.provider is an object", storeManifest({ provider: "vault" }), /spec.provider: Invalid value: "string"/],
  ["store-retry-string", "retrySettings.maxRetries is an integer", storeManifest({ provider: { fake: { data: [] } }, retrySettings: { maxRetries: "three" } }), /spec.retrySettings.maxRetries: Invalid value: "string"/],
  ["store-refresh-list", "refreshInterval is an int or a string", storeManifest({ provider: { fake: { data: [] } }, refreshInterval: ["1h"] }), /spec.refreshInterval/],
  ["store-controller-int", "spec.controller is a string", storeManifest({ provider: { fake: { data: [] } }, controller: 1 }), /spec.controller: Invalid value: "integer"/],
];

const clusterStoreRejectedRows: Row[] = [
  ["cstore-selector-operator", "namespaceSelector operators are In, NotIn, Exists, DoesNotExist", clusterStore({ provider: { fake: { data: [] } }, conditions: [{ namespaceSelector: { matchExpressions: [{ key: "a", operator: "Like" }] } }] }), /Unsupported value: "Like"/],
  ["cstore-bad-namespace-name", "conditions.namespaces are DNS-1123 labels", clusterStore({ provider: { fake: { data: [] } }, conditions: [{ namespaces: ["Not_A_Namespace"] }] }), /spec.conditions\[0\].namespaces\[0\] in body should match/],
  ["cstore-conditions-object", "conditions is a list", clusterStore({ provider: { fake: { data: [] } }, conditions: { namespaces: ["a"] } }), /spec.conditions: Invalid value: "object"/],
  ["cstore-fake-bad-data", "a ClusterSecretStore whose fake data is a map, not a list", clusterStore({ provider: { fake: { data: { a: "b" } } } }), /spec.provider.fake.data: Invalid value: "object"/],
  ["cstore-no-provider", "a ClusterSecretStore needs a provider", clusterStore({}), /spec.provider: Required value/],
  ["cstore-two-providers", "a ClusterSecretStore sets one provider", clusterStore({ provider: { fake: { data: [] }, gcpsm: {} } }), /spec.provider: Too many: 2/],
  ["cstore-selector-no-key", "a matchExpression needs a key", clusterStore({ provider: { fake: { data: [] } }, conditions: [{ namespaceSelector: { matchExpressions: [{ operator: "Exists" }] } }] }), /key: Required value/],
];

const clusterStoreConditionRows: StoreRow[] = [
  ["cstore-unknown-provider", "a ClusterSecretStore with a provider kseal does not know", { provider: { nosuch: { a: 1 } } }, "InvalidProviderConfig", /spec.provider.nosuch is not a supported store/],
  ["cstore-vault-no-auth", "a ClusterSecretStore vault without auth", { provider: { vault: { server: "http://127.0.0.1:1", path: "secret" } } }, "InvalidProviderConfig", /auth/],
];

function storeManifest(spec: Record<string, unknown>): Manifest {
  return { apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: {}, spec };
}

function clusterStore(spec: Record<string, unknown>): Manifest {
  return { apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore", metadata: {}, spec };
}

/** Fixture ClusterSecretStores the ExternalSecret cases point at (valid objects, restrictive conditions). */
export function fixtureClusterStores(ns: string): Manifest[] {
  return [
    { ...clusterStore({ provider: { fake: { data: [{ key: "plain", value: "x" }] } }, conditions: [{ namespaces: ["some-other-namespace"] }] }), metadata: { name: `${ns}-cstore-other-ns-only` } },
    { ...clusterStore({ provider: { fake: { data: [{ key: "plain", value: "x" }] } }, conditions: [{ namespaceRegexes: ["(["] }] }), metadata: { name: `${ns}-cstore-bad-regex` } },
  ];
}

export const ES_CASES: readonly EsCase[] = [
  ...rejectedRows.map(([name, why, object, message]): EsCase => ({ name, why, object, expect: { kind: "rejected", message } })),
  ...conditionRows.map(([name, why, object, message]): EsCase => ({
    name, why, object, canaries: ES_CANARIES, expect: { kind: "condition", ...SYNC_ERROR, message },
  })),
];

export const STORE_CASES: readonly EsCase[] = [
  ...storeConditionRows.map(([name, why, spec, reason, message]): EsCase => ({ name, why, guard: null, object: storeManifest(spec), expect: { kind: "condition", reason, message } })),
  ...clusterStoreConditionRows.map(([name, why, spec, reason, message]): EsCase => ({ name, why, guard: null, object: clusterStore(spec), expect: { kind: "condition", reason, message } })),
  ...storeRejectedRows.map(([name, why, object, message]): EsCase => ({ name, why, object, expect: { kind: "rejected", message } })),
  ...clusterStoreRejectedRows.map(([name, why, object, message]): EsCase => ({ name, why, object, expect: { kind: "rejected", message } })),
];

