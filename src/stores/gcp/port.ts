/** The narrow port the GCP provider needs from Secret Manager. Throws gRPC errors (numeric `code`). */
export interface GcpSecretsPort {
  /** `name` is `projects/<p>/secrets/<s>/versions/<v>`. */
  access(name: string): Promise<Uint8Array>;
  /** Every secret of `parent` (`projects/<p>`), with its labels. */
  list(parent: string): Promise<{ name: string; labels: Record<string, string> }[]>;
  /** Labels of one secret (`projects/<p>/secrets/<s>`). */
  labels(name: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}
