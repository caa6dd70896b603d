/**
 * The one place store kinds are registered: `spec.provider.<key>` → a lazy `import()` of the
 * provider module, so a cloud SDK is loaded only when a store of that kind exists.
 *
 * Each provider module exports `provider: Provider`. To add one, add a line to LOADERS.
 */
import { StoreErrorCode, storeError, type Provider } from "./contract.ts";

type Loader = () => Promise<{ readonly provider: Provider }>;

const LOADERS: Readonly<Record<string, Loader>> = {
  vault: () => import("./vault/index.ts"),
  aws: () => import("./aws/index.ts"),
  gcpsm: () => import("./gcp/index.ts"),
  azurekv: () => import("./azure/index.ts"),
  fake: () => import("./fake/index.ts"),
  kubernetes: () => import("./kubernetes/index.ts"),
};

const loaded = new Map<string, Promise<Provider>>();

/** The provider keys kseal knows. */
export function providerKeys(): string[] {
  return Object.keys(LOADERS);
}

/**
 * The single provider key set in a store's `spec.provider`. Throws STORE_INVALID_CONFIG when none
 * or several are set, or the one set is unknown.
 */
export function providerKeyOf(providerSpec: unknown): string {
  if (typeof providerSpec !== "object" || providerSpec === null || Array.isArray(providerSpec)) {
    throw storeError(StoreErrorCode.InvalidConfig, "spec.provider must be an object", { details: { field: "spec.provider" } });
  }
  const set = Object.entries(providerSpec).filter(([, v]) => v !== undefined && v !== null).map(([k]) => k);
  if (set.length !== 1) {
    throw storeError(StoreErrorCode.InvalidConfig, `spec.provider must set exactly one provider (found ${String(set.length)})`, {
      details: { field: "spec.provider" },
    });
  }
  const key = set[0] ?? "";
  if (!Object.hasOwn(LOADERS, key)) {
    throw storeError(StoreErrorCode.InvalidConfig, `spec.provider.${key} is not a supported store (supported: ${providerKeys().join(", ")})`, {
      details: { field: `spec.provider.${key}` },
    });
  }
  return key;
}

/** Loads (once) and returns the provider for `key`. */
export async function getProvider(key: string): Promise<Provider> {
  const loader = Object.hasOwn(LOADERS, key) ? LOADERS[key] : undefined;
  if (loader === undefined) {
    throw storeError(StoreErrorCode.InvalidConfig, `spec.provider.${key} is not a supported store`, { details: { field: `spec.provider.${key}` } });
  }
  let p = loaded.get(key);
  if (p === undefined) {
    p = loader().then((m) => m.provider);
    loaded.set(key, p);
  }
  return p;
}
