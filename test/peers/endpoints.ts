/**
 * What the integration globalSetup hands to tests (`inject("peers")`). Every field is real: a
 * running process on loopback or a binary in the peer cache.
 */
export interface PeerEndpoints {
  /** Directory of peer binaries (sops, age, age-keygen, kubeseal, sealed-secrets-controller, bao, …). */
  readonly binDir: string;
  readonly kube: {
    /** Path of an admin kubeconfig for the test kube-apiserver. */
    readonly kubeconfig: string;
    readonly server: string;
    /** PEM of the API server's serving CA. */
    readonly caFile: string;
  };
  readonly vault: { readonly addr: string; readonly token: string };
  readonly aws: {
    readonly endpoint: string;
    readonly region: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
  };
  readonly gcp: { readonly endpoint: string; readonly projectId: string };
  /**
   * Lowkey Vault (Azure Key Vault). Absent in process mode: its app jar is not served by the Maven
   * Central reachable from the reference machine (see test/peers/install-lowkey.sh), so no test may
   * depend on it there; container mode provides it.
   */
  readonly azure?: { readonly url: string; readonly caFile: string };
}

declare module "vitest" {
  export interface ProvidedContext {
    peers: PeerEndpoints;
  }
}
