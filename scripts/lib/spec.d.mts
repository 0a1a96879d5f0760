/** node_modules/.bin/redocly of this checkout. */
export const REDOCLY: string;
/** No telemetry, no update notice, no colour codes in what redocly prints. */
export const REDOCLY_ENV: Record<string, string>;
/** The bundled spec (openapi.yaml by default), parsed; with `dereferenced`, every $ref resolved. */
export function bundleSpec(spec?: string, options?: { dereferenced?: boolean }): unknown;
/** Every operation of a bundled spec. */
export function operationsOf(
  spec: unknown,
): Array<{ operationId: string; method: string; path: string; tags: string[]; operation: unknown }>;
