// The client as a browser loads it: client/index.ts bundled by esbuild for the browser (ESM),
// served by the browser tests from their own page origin.
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export async function bundleClientForBrowser(): Promise<string> {
  return (await buildBrowserClient()).code;
}

/**
 * The bundle as a web app's build makes it (minify: true for its shipped size), with its inputs.
 * `entryPoint` (relative to the repository) bundles another browser script, e.g. a test page's.
 */
export async function buildBrowserClient(
  options: { minify?: boolean; entryPoint?: string } = {},
): Promise<{ code: string; bytes: Uint8Array; metafile: Metafile }> {
  const bundle = await build({
    absWorkingDir: ROOT,
    entryPoints: [options.entryPoint ?? "client/index.ts"],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: options.minify ?? false,
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const output = bundle.outputFiles[0];
  return { code: output?.text ?? "", bytes: output?.contents ?? new Uint8Array(), metafile: bundle.metafile };
}
