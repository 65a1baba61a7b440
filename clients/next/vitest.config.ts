import { defineConfig } from "vitest/config";

export default defineConfig({
  // The components' tests choose jsdom in their first line (@vitest-environment jsdom).
  test: { include: ["test/**/*.test.ts", "test/**/*.test.tsx"], environment: "node" },
});
