// The client must stay small and browser-safe: bundled by esbuild for the browser it pulls in only
// client/ and openapi-fetch (no node: modules, nothing else) and stays within 8 kB gzipped.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("client bundle", () => {
  it("bundles for the browser from client/ and openapi-fetch only, within 8 kB gzipped", async () => {
    const result = await build({
      absWorkingDir: root,
      entryPoints: ["client/index.ts"],
      bundle: true,
      platform: "browser",
      format: "esm",
      target: "es2022",
      minify: true,
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain("client/index.ts");
    expect(inputs.filter((p) => !p.startsWith("client/") && !p.startsWith("node_modules/openapi-fetch/"))).toEqual([]);
    const code = result.outputFiles[0]?.contents ?? new Uint8Array();
    const gzipped = gzipSync(code, { level: 9 }).length;
    expect(code.length).toBeGreaterThan(1000);
    expect(gzipped).toBeLessThanOrEqual(8 * 1024);
  });
});
