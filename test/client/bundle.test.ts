// The client must stay small and browser-safe: bundled by esbuild for the browser it pulls in only
// client/ and openapi-fetch (no node: modules, nothing else) and stays within 8 kB gzipped.
import { gzipSync } from "node:zlib";
import { buildBrowserClient } from "../support/browser-client.js";
import { describe, expect, it } from "vitest";

describe("client bundle", () => {
  it("bundles for the browser from client/ and openapi-fetch only, within 8 kB gzipped", async () => {
    const result = await buildBrowserClient({ minify: true });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain("client/index.ts");
    // The generated enum values (job statuses), never the contract document: the client stays small.
    const allowed = (p: string) => p.startsWith("client/") || p === "generated/schema.ts" || p.startsWith("node_modules/openapi-fetch/");
    expect(inputs.filter((p) => !allowed(p))).toEqual([]);
    const code = result.bytes;
    const gzipped = gzipSync(code, { level: 9 }).length;
    expect(code.length).toBeGreaterThan(1000);
    expect(gzipped).toBeLessThanOrEqual(8 * 1024);
  });
});
