import { defineConfig } from "vitest/config";

// Two projects: `unit` is pure logic and needs no peer; `integration` talks to the real peers
// (kube-apiserver + etcd, OpenBao, moto, the GCP emulator, Lowkey Vault, sops, age, kubeseal),
// which its globalSetup starts once and hands to tests through `provide`/`inject`.
// Every project's temporary files go to one directory per run, removed at its end.
const SCRATCH = "test/support/scratch-setup.ts";

export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.int.test.ts", "node_modules/**"],
          globalSetup: [SCRATCH],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.int.test.ts", "e2e/**/*.test.ts"],
          globalSetup: [SCRATCH, "test/peers/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
