/**
 * kubectl's connection flags (`--server`, `--token`, `--as`, …) as data, and how they override a
 * kubeconfig context — the rules of client-go's clientcmd, which kubectl and kubeseal share:
 *
 * - `--cluster` / `--user` pick other entries than the context names;
 * - every other flag replaces its field of the chosen cluster or user;
 * - `--certificate-authority` and `--insecure-skip-tls-verify` replace the cluster's whole trust
 *   setting (CA file, CA data and the skip flag), so neither can clash with what the file says;
 * - `--server` or `--tls-server-name` replaces the file's `tls-server-name` (a name that belonged
 *   to the file's server would be wrong for another one);
 * - `--token` replaces the user's token file and credential plugin too: client-go's plugin steps
 *   aside when a request already carries an Authorization header.
 *
 * Paths must be absolute: flags are relative to the working directory, not to the kubeconfig.
 */

/** The flags; an absent field leaves the kubeconfig's value. */
export interface KubeOverrides {
  readonly cluster?: string;
  readonly user?: string;
  readonly server?: string;
  readonly certificateAuthority?: string;
  readonly insecureSkipTlsVerify?: boolean;
  readonly tlsServerName?: string;
  readonly token?: string;
  readonly clientCertificate?: string;
  readonly clientKey?: string;
  readonly username?: string;
  readonly password?: string;
  readonly as?: string;
  readonly asGroups?: readonly string[];
  readonly asUid?: string;
}

type Mapping = Readonly<Record<string, unknown>>;

/** True when `o` sets anything. */
export function hasOverrides(o: KubeOverrides): boolean {
  return Object.values(o).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0));
}

/** The kubeconfig `cluster` body with the flags applied. */
export function overrideCluster(cluster: Mapping, o: KubeOverrides): Mapping {
  const out: Record<string, unknown> = { ...cluster };
  if (o.server !== undefined) out.server = o.server;
  if (o.certificateAuthority !== undefined || o.insecureSkipTlsVerify === true) {
    delete out["certificate-authority-data"];
    delete out["certificate-authority"];
    out["insecure-skip-tls-verify"] = o.insecureSkipTlsVerify === true;
    if (o.certificateAuthority !== undefined) out["certificate-authority"] = o.certificateAuthority;
  }
  if (o.server !== undefined || o.tlsServerName !== undefined) {
    delete out["tls-server-name"];
    if (o.tlsServerName !== undefined) out["tls-server-name"] = o.tlsServerName;
  }
  return out;
}

/** The kubeconfig `user` body with the flags applied. */
export function overrideUser(user: Mapping, o: KubeOverrides): Mapping {
  const out: Record<string, unknown> = { ...user };
  if (o.token !== undefined) {
    delete out.tokenFile;
    delete out["token-file"];
    delete out.exec;
    delete out["auth-provider"];
    out.token = o.token;
  }
  if (o.clientCertificate !== undefined) {
    delete out["client-certificate-data"];
    out["client-certificate"] = o.clientCertificate;
  }
  if (o.clientKey !== undefined) {
    delete out["client-key-data"];
    out["client-key"] = o.clientKey;
  }
  if (o.username !== undefined) out.username = o.username;
  if (o.password !== undefined) out.password = o.password;
  if (o.as !== undefined) out.as = o.as;
  if (o.asGroups !== undefined && o.asGroups.length > 0) out["as-groups"] = [...o.asGroups];
  if (o.asUid !== undefined) out["as-uid"] = o.asUid;
  return out;
}
