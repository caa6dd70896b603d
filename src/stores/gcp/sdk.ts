/** The {@link GcpSecretsPort} over `@google-cloud/secret-manager`. */
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import type { GcpSecretsPort } from "./port.ts";

export interface GcpConnect {
  /** `host:port` of a plaintext emulator; else Google's endpoint with TLS. */
  readonly emulatorEndpoint?: string;
  /** Service-account key JSON (ESO `auth.secretRef.secretAccessKeySecretRef`). */
  readonly credentialsJson?: string;
  readonly projectId: string;
}

export async function gcpSdkPort(c: GcpConnect): Promise<GcpSecretsPort> {
  const opts: ConstructorParameters<typeof SecretManagerServiceClient>[0] = { projectId: c.projectId };
  if (c.credentialsJson !== undefined) Object.assign(opts, { credentials: JSON.parse(c.credentialsJson) as object });
  if (c.emulatorEndpoint !== undefined) {
    const { credentials } = await import("@grpc/grpc-js");
    const colon = c.emulatorEndpoint.lastIndexOf(":");
    Object.assign(opts, {
      servicePath: c.emulatorEndpoint.slice(0, colon),
      port: Number(c.emulatorEndpoint.slice(colon + 1)),
      sslCreds: credentials.createInsecure(),
      // Known up front so the auth library never probes the GCE metadata server.
      universeDomain: "googleapis.com",
    });
  }
  const sm = new SecretManagerServiceClient(opts);
  const labels = (l: unknown): Record<string, string> => {
    const out: Record<string, string> = {};
    if (typeof l === "object" && l !== null) for (const [k, v] of Object.entries(l)) if (typeof v === "string") out[k] = v;
    return out;
  };
  return {
    async access(name) {
      const [res] = await sm.accessSecretVersion({ name });
      const data = res.payload?.data;
      if (data === null || data === undefined) return new Uint8Array();
      return typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(data);
    },
    async list(parent) {
      const [secrets] = await sm.listSecrets({ parent });
      return secrets.filter((s) => typeof s.name === "string").map((s) => ({ name: s.name ?? "", labels: labels(s.labels) }));
    },
    async labels(name) {
      const [s] = await sm.getSecret({ name });
      return labels(s.labels);
    },
    close: async () => {
      await sm.close();
    },
  };
}
