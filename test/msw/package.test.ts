// client/msw ships in the light client package: it must import only msw, openapi-msw, generated/
// and client/ (never server/ or a Node built-in), so that it bundles for the browser, and the
// package exports it as "./msw" from the built dist/client/msw.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildBrowserClient } from "../support/browser-client.js";
import { ROOT } from "../support/redocly.js";

describe("client/msw as a package entry point", () => {
  it("bundles for the browser from client/, generated/ (the contract document, the enum values), msw and openapi-msw only", async () => {
    const { metafile } = await buildBrowserClient({ entryPoint: "client/msw/index.ts" });
    const inputs = Object.keys(metafile.inputs);
    const own = inputs.filter((p) => !p.startsWith("node_modules/"));
    expect(own.filter((p) => !p.startsWith("client/") && !p.startsWith("generated/"))).toEqual([]);
    expect(own).toContain("generated/contract.json");
    expect(inputs.filter((p) => p.startsWith("server/") || p.startsWith("node:"))).toEqual([]);
    // The packages it reaches are msw's and openapi-msw's own (and their dependencies), nothing of the server's.
    const packageOf = (path: string) => {
      const [, name, scoped] = path.split("/");
      return name!.startsWith("@") ? `${name}/${scoped}` : name!;
    };
    const packages = new Set(inputs.filter((p) => p.startsWith("node_modules/")).map(packageOf));
    expect(packages).toContain("msw");
    expect(packages).toContain("openapi-msw");
    for (const serverOnly of ["express", "better-sqlite3", "pg", "kysely", "pino", "ajv"]) expect(packages.has(serverOnly)).toBe(false);
  });

  it('is exported as "./msw" with its types', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(pkg.exports["./msw"]).toEqual({ types: "./dist/client/msw/index.d.ts", default: "./dist/client/msw/index.js" });
    const build = JSON.parse(readFileSync(join(ROOT, "tsconfig.build.json"), "utf8"));
    expect(build.include).toEqual(expect.arrayContaining(["client", "generated"]));
  });
});
