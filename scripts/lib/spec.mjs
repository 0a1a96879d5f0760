// openapi.yaml as one JSON document, resolved by the project's Redocly CLI (`redocly bundle`, the
// same resolution as `npm run generate` and `npm run docs`), for scripts that need its content.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, run } from "./tools.mjs";

export const REDOCLY = join(ROOT, "node_modules", ".bin", "redocly");
/** No telemetry, no update notice, no colour codes in what redocly prints. */
export const REDOCLY_ENV = { REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" };

/** The bundled spec (openapi.yaml by default), parsed; with `dereferenced`, every $ref resolved. */
export function bundleSpec(spec = join(ROOT, "openapi.yaml"), { dereferenced = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "jobs-api-spec-"));
  try {
    const out = join(dir, "openapi.json");
    const flags = dereferenced ? ["--dereferenced"] : [];
    run(REDOCLY, ["bundle", spec, ...flags, "--ext", "json", "--output", out], { env: REDOCLY_ENV, quiet: true });
    return JSON.parse(readFileSync(out, "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/** Every operation of a bundled spec: { operationId, method, path, tags, operation }. */
export function operationsOf(spec) {
  const out = [];
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) out.push({ operationId: operation.operationId, method, path, tags: operation.tags ?? [], operation });
    }
  }
  return out;
}
