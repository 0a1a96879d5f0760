// The client as a browser loads it: client/index.ts bundled by esbuild for the browser (ESM),
// served by the browser tests from their own page origin.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export async function bundleClientForBrowser(): Promise<string> {
  const bundle = await build({
    absWorkingDir: ROOT,
    entryPoints: ["client/index.ts"],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    logLevel: "silent",
  });
  return bundle.outputFiles[0]?.text ?? "";
}
