/**
 * The Google Secret Manager provider (`spec.provider.gcpsm`): `projectID`, `location`,
 * `auth.secretRef.secretAccessKeySecretRef` (service-account key JSON); without auth, the
 * environment's (workload identity / ADC). `versions/latest` unless a version is pinned.
 */
import {
  SecretNotFoundError,
  StoreErrorCode,
  storeError,
  type FindSpec,
  type Provider,
  type RemoteRef,
  type SecretsClient,
  type StoreContext,
  type ValidationResult,
} from "../contract.ts";
import { isKsealError, type KsealError } from "../../errors.ts";
import { fromUtf8, jsonValueBytes, nameMatcher, objectToMap, pickProperty, specKeyRef, specObject, specOptObject, specOptString, specString, tagsMatch, tryParseJson } from "../support.ts";
import type { GcpSecretsPort } from "./port.ts";
import type { GcpConnect } from "./sdk.ts";

export type { GcpSecretsPort } from "./port.ts";

const P = "spec.provider.gcpsm";

/** gRPC status codes → contract codes. */
export function mapGcpError(e: unknown, store: string, op: string, key?: string): KsealError {
  if (isKsealError(e)) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const where = key === undefined ? `store "${store}"` : `secret "${key}" of store "${store}"`;
  const details: Record<string, string | number> = { store, op, grpcCode: typeof code === "number" ? code : -1 };
  if (key !== undefined) details.key = key;
  switch (code) {
    case 5: // NOT_FOUND
      if (key !== undefined) return new SecretNotFoundError(store, key, { cause: e });
      return storeError(StoreErrorCode.BadRequest, `gcpsm: not found for ${where} (${op})`, { cause: e, details });
    case 16: // UNAUTHENTICATED
      return storeError(StoreErrorCode.AuthFailed, `gcpsm: authentication failed for ${where} (${op})`, { cause: e, details });
    case 7: // PERMISSION_DENIED
      return storeError(StoreErrorCode.PermissionDenied, `gcpsm: permission denied on ${where} (${op})`, { cause: e, details });
    case 8: // RESOURCE_EXHAUSTED
      return storeError(StoreErrorCode.Throttled, `gcpsm: throttled on ${where} (${op})`, { cause: e, details });
    case 3: // INVALID_ARGUMENT
    case 9: // FAILED_PRECONDITION (e.g. disabled version)
      return storeError(StoreErrorCode.BadRequest, `gcpsm: request rejected for ${where} (${op})`, { cause: e, details });
    default:
      return storeError(StoreErrorCode.Unavailable, `gcpsm: unavailable for ${where} (${op})`, { cause: e, details });
  }
}

export interface GcpSpec {
  readonly projectID: string;
  readonly location?: string;
  readonly keyRef?: { name: string; key: string; namespace?: string };
}

export function parseGcpSpec(raw: unknown): GcpSpec {
  const s = specObject(raw, P);
  const location = specOptString(s, "location", P);
  const auth = specOptObject(s, "auth", P);
  const sr = auth === undefined ? undefined : specOptObject(auth, "secretRef", `${P}.auth`);
  const keyRef = sr === undefined ? undefined : specKeyRef(sr, "secretAccessKeySecretRef", `${P}.auth.secretRef`);
  return { projectID: specString(s, "projectID", P), ...(location === undefined ? {} : { location }), ...(keyRef === undefined ? {} : { keyRef }) };
}

class GcpClient implements SecretsClient {
  readonly #port: GcpSecretsPort;
  readonly #store: string;
  readonly #parent: string;

  constructor(port: GcpSecretsPort, store: string, spec: GcpSpec) {
    this.#port = port;
    this.#store = store;
    this.#parent = spec.location === undefined ? `projects/${spec.projectID}` : `projects/${spec.projectID}/locations/${spec.location}`;
  }

  #secretName(key: string): string {
    return key.startsWith("projects/") ? key : `${this.#parent}/secrets/${key}`;
  }

  async #raw(ref: RemoteRef): Promise<Uint8Array> {
    try {
      if (ref.metadataPolicy === "Fetch") return new TextEncoder().encode(JSON.stringify(await this.#port.labels(this.#secretName(ref.key))));
      const v = ref.version === undefined || ref.version === "" ? "latest" : ref.version;
      return await this.#port.access(`${this.#secretName(ref.key)}/versions/${v}`);
    } catch (e: unknown) {
      throw mapGcpError(e, this.#store, "AccessSecretVersion", ref.key);
    }
  }

  #json(ref: RemoteRef, b: Uint8Array): unknown {
    const v = tryParseJson(fromUtf8(b));
    if (v === undefined) throw storeError(StoreErrorCode.BadRequest, `secret "${ref.key}" of store "${this.#store}" is not JSON`, { details: { store: this.#store, key: ref.key } });
    return v;
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const b = await this.#raw(ref);
    if (ref.property === undefined || ref.property === "") return b;
    return jsonValueBytes(pickProperty(this.#store, ref.key, this.#json(ref, b), ref.property));
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    const data = this.#json(ref, await this.#raw(ref));
    return objectToMap(this.#store, ref.key, ref.property === undefined || ref.property === "" ? data : pickProperty(this.#store, ref.key, data, ref.property));
  }

  async findSecrets(find: FindSpec): Promise<Record<string, Uint8Array>> {
    const match = nameMatcher(this.#store, find);
    let all: { name: string; labels: Record<string, string> }[];
    try {
      // Filtered client-side: the emulator ignores server-side filters, and this keeps one code path.
      all = await this.#port.list(this.#parent);
    } catch (e: unknown) {
      throw mapGcpError(e, this.#store, "ListSecrets");
    }
    const out: Record<string, Uint8Array> = {};
    for (const s of all) {
      const short = s.name.slice(s.name.lastIndexOf("/") + 1);
      if (find.path !== undefined && find.path !== "" && !short.startsWith(find.path)) continue;
      if (!match(short) || !tagsMatch(find.tags, s.labels)) continue;
      out[short] = await this.#raw({ key: short });
    }
    return out;
  }

  async validate(): Promise<ValidationResult> {
    try {
      await this.#port.list(this.#parent);
      return { ready: true, reason: "Valid", message: "store validated" };
    } catch (e: unknown) {
      return { ready: false, reason: "ValidationFailed", message: mapGcpError(e, this.#store, "ListSecrets").message };
    }
  }

  async close(): Promise<void> {
    await this.#port.close();
  }
}

export interface GcpProviderOptions {
  /** Plaintext emulator `host:port` for every store (tests, local sandbox). */
  readonly emulatorEndpoint?: string;
  readonly port?: (c: GcpConnect) => Promise<GcpSecretsPort>;
}

export function createGcpProvider(options: GcpProviderOptions = {}): Provider {
  return {
    key: "gcpsm",
    validateSpec(providerSpec: unknown): void {
      parseGcpSpec(providerSpec);
    },
    async newClient(ctx: StoreContext): Promise<SecretsClient> {
      const spec = parseGcpSpec(ctx.providerSpec);
      const credentialsJson = spec.keyRef === undefined ? undefined : fromUtf8(await ctx.readSecretKey(spec.keyRef));
      const connect: GcpConnect = {
        projectId: spec.projectID,
        ...(options.emulatorEndpoint === undefined ? {} : { emulatorEndpoint: options.emulatorEndpoint }),
        ...(credentialsJson === undefined ? {} : { credentialsJson }),
      };
      const port = options.port === undefined ? await (await import("./sdk.ts")).gcpSdkPort(connect) : await options.port(connect);
      return new GcpClient(port, ctx.storeName, spec);
    },
  };
}

export const provider: Provider = createGcpProvider({ ...(process.env.GCP_SM_ENDPOINT === undefined ? {} : { emulatorEndpoint: process.env.GCP_SM_ENDPOINT }) });
