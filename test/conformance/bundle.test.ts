// The conformance kit as the package ships it: scripts/bundle-conformance.mjs (run by the build)
// makes self-contained ES modules, importing nothing but node: built-ins and each other, small,
// that find the package's generated/openapi.json and work without any node_modules around them.
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, outputOf, type CliResult } from "../support/cli.js";
import { temporaryFolder } from "../support/temp.js";
import { startUpstreamLikeServer, type UpstreamLikeServer } from "./upstream-like-server.js";

function node(args: string[], cwd: string): Promise<CliResult> {
  return outputOf(spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] }));
}

describe("the bundled conformance kit", () => {
  /** A package folder as npm installs it, in the system's temp folder: no node_modules above it. */
  const pkg = temporaryFolder("conformance-package-");
  const out = join(pkg, "dist", "client", "conformance");
  let upstream: UpstreamLikeServer;

  beforeAll(async () => {
    mkdirSync(join(pkg, "generated"), { recursive: true });
    copyFileSync(join(ROOT, "generated", "openapi.json"), join(pkg, "generated", "openapi.json"));
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "openreplay-jobs-api", type: "module" }));
    const built = await node([join(ROOT, "scripts", "bundle-conformance.mjs"), out], ROOT);
    expect(built.stderr).toBe("");
    expect(built.code).toBe(0);
    upstream = await startUpstreamLikeServer();
  });

  afterAll(async () => {
    await upstream?.close();
  });

  it("imports only node: built-ins and its own files, and stays under 300 kB", () => {
    const files = readdirSync(out).filter((name) => name.endsWith(".js"));
    expect(files).toEqual(expect.arrayContaining(["cli.js", "index.js"]));
    let total = 0;
    for (const name of files) {
      const code = readFileSync(join(out, name), "utf8");
      total += statSync(join(out, name)).size;
      const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)"([^"]+)"/g)].map((m) => m[1]!);
      expect(specifiers.filter((s) => !s.startsWith("node:") && !s.startsWith("./"))).toEqual([]);
    }
    console.log(`conformance bundle: ${files.length} files, ${total} bytes`);
    expect(total).toBeLessThan(300 * 1024);
  });

  it("runs as the package's bin, finding the package's spec, and exits 1 naming the failed checks", async () => {
    const [own] = upstream.tenants;
    const args = ["--base-url", upstream.url, "--api-key", own.apiKey, "--project-key", own.projectKey, "--json"];
    const result = await node([join(out, "cli.js"), "conformance", ...args], pkg);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.checks.filter((c: { outcome: string }) => c.outcome === "failed").map((c: { id: string }) => c.id)).toEqual([
      "notFound.unknown-job",
    ]);
  });

  it("works as a library: runConformance from the bundled index.js", async () => {
    const [own] = upstream.tenants;
    const kit = (await import(join(out, "index.js"))) as typeof import("../../client/conformance/index.js");
    const report = await kit.runConformance({
      baseUrl: upstream.url,
      apiKey: own.apiKey,
      projectKey: own.projectKey,
      only: ["badInput.*"],
    });
    expect(report.ok).toBe(true);
    expect(report.summary.passed).toBe(3);
  });
});
