/**
 * The CLI's view of plain-`http://` kubeconfig clusters. The rule lives in src/kube/client.ts
 * (`loadKubeConfig` applies it for the operator and the CLI alike); re-exported here for the CLI
 * commands that build a KubeConfig themselves.
 */
export { allowPlainHttp } from "../../src/kube/client.ts";
