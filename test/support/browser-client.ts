// The client as a browser loads it: client/index.ts bundled by esbuild for the browser (ESM),
// served by the browser tests from their own page origin.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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

export interface PageServer {
  /** The port on 127.0.0.1; open the page as http://localhost:PORT/ or http://127.0.0.1:PORT/. */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves a one-page app on 127.0.0.1: `/` (an HTML page loading `/app.js` as a module), `/app.js`
 * (pageScript) and `/client.js` (the bundled client, which pageScript imports).
 */
export async function servePage(pageScript: string): Promise<PageServer> {
  const client = await bundleClientForBrowser();
  const files: Record<string, [string, string]> = {
    "/": ["text/html; charset=utf-8", '<!doctype html><title>frontend</title><script type="module" src="/app.js"></script>'],
    "/app.js": ["text/javascript", pageScript],
    "/client.js": ["text/javascript", client],
  };
  const server = createServer((request, response) => {
    const file = files[request.url ?? ""];
    if (file) response.writeHead(200, { "Content-Type": file[0] }).end(file[1]);
    else response.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
