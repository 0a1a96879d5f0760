// The contract's own checks over generated/openapi.json (the bundled openapi.yaml), its $refs
// resolved by Redocly: every example validates against its schema with the project's Ajv (JSON
// Schema 2020-12, the dialect of OpenAPI 3.1, objects closed), the original document's examples are
// present verbatim, and the conventions every operation follows (operationIds, error responses,
// servers, code samples) hold.
import { describe, expect, it } from "vitest";
import { contractOf } from "../../client/contract/index.js";
import { documentJob3451, documentJob3452, UPSTREAM_CALLS } from "../support/document.js";
import { closed, createSpecAjv, dereferenced, readSpec } from "../support/spec-schemas.js";

/** A parsed OpenAPI document (any: each test asserts the part it reads). */
type Json = any;

/** The bundled document (its $refs kept, for the tests that change a component) and the same resolved. */
const bundled: Json = readSpec();
const spec: Json = await dereferenced(bundled);

interface Operation {
  method: string;
  path: string;
  /** The operation as the document writes it (prose and x-codeSamples included). */
  operation: Json;
  /** Path-level and operation-level parameters. */
  parameters: readonly Json[];
}

/** The operations of a document, as the contract core's table lists them, with each one's own node. */
function operations(doc: Json): Operation[] {
  return contractOf(doc).operations.map(({ method, path, parameters }) => ({
    method,
    path,
    operation: doc.paths[path][method],
    parameters,
  }));
}

function pointer(parts: readonly (string | number)[]): string {
  return "#/" + parts.map((p) => String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
}

// ---------------------------------------------------------------------------------------------
// Example checks
// ---------------------------------------------------------------------------------------------

interface ExampleCheck {
  /** Where the example is used, e.g. `GET /api/v1/{projectKey}/jobs → 200 application/json "documentJobList"`. */
  where: string;
  schema: Json;
  value: unknown;
}

/** Named (`examples`) and single (`example`) examples of a media type, parameter or header. */
function examplesOf(doc: Json, holder: Json, where: string): { where: string; value: unknown }[] {
  const out: { where: string; value: unknown }[] = [];
  if (holder.example !== undefined) out.push({ where: `${where} example`, value: holder.example });
  for (const [name, entry] of Object.entries<Json>(holder.examples ?? {})) {
    const example = entry;
    const label = `${where} example "${name}"`;
    if (example.externalValue !== undefined) throw new Error(`${label}: externalValue is not checked`);
    out.push({ where: label, value: example.value });
  }
  return out;
}

const SCHEMA_MAPS = ["properties", "patternProperties", "$defs", "dependentSchemas"] as const;
const SCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "prefixItems"] as const;
const SCHEMA_SINGLES = [
  "items",
  "additionalProperties",
  "unevaluatedProperties",
  "not",
  "if",
  "then",
  "else",
  "contains",
  "propertyNames",
] as const;

/** Every `example` (and 2020-12 `examples`) written inside a schema, with the schema it sits in. */
function schemaExamples(schema: Json, at: (string | number)[], out: ExampleCheck[]): void {
  if (!schema || typeof schema !== "object") return;
  if (schema.example !== undefined) out.push({ where: `${pointer(at)} example`, schema, value: schema.example });
  if (Array.isArray(schema.examples)) {
    schema.examples.forEach((value: unknown, i: number) => out.push({ where: `${pointer(at)} examples[${i}]`, schema, value }));
  }
  for (const key of SCHEMA_MAPS) {
    for (const [name, sub] of Object.entries<Json>(schema[key] ?? {})) schemaExamples(sub, [...at, key, name], out);
  }
  for (const key of SCHEMA_LISTS) {
    (schema[key] ?? []).forEach((sub: Json, i: number) => schemaExamples(sub, [...at, key, i], out));
  }
  for (const key of SCHEMA_SINGLES) schemaExamples(schema[key], [...at, key], out);
}

/** Every example of the document, paired with the schema it must satisfy. */
function collectExampleChecks(doc: Json): ExampleCheck[] {
  const checks: ExampleCheck[] = [];
  for (const { method, path, operation, parameters } of operations(doc)) {
    const op = `${method.toUpperCase()} ${path}`;
    for (const parameter of parameters) {
      for (const e of examplesOf(doc, parameter, `${op} parameter ${parameter.in} "${parameter.name}"`)) {
        checks.push({ ...e, schema: parameter.schema });
      }
    }
    for (const [status, ref] of Object.entries<Json>(operation.responses ?? {})) {
      const response = ref;
      for (const [name, headerRef] of Object.entries<Json>(response.headers ?? {})) {
        const header = headerRef;
        for (const e of examplesOf(doc, header, `${op} → ${status} header ${name}`)) {
          checks.push({ ...e, schema: header.schema });
        }
      }
      for (const [mediaType, media] of Object.entries<Json>(response.content ?? {})) {
        for (const e of examplesOf(doc, media, `${op} → ${status} ${mediaType}`)) {
          checks.push({ ...e, schema: media.schema });
        }
      }
    }
  }
  // Examples written inside schemas: named schemas, and the inline schemas of parameters,
  // headers and media types (walked where they are written, so each is checked once).
  for (const [name, schema] of Object.entries<Json>(doc.components?.schemas ?? {})) {
    schemaExamples(schema, ["components", "schemas", name], checks);
  }
  const inline = (node: Json, at: (string | number)[]) => {
    if (node && typeof node === "object" && !node.$ref && node.schema) schemaExamples(node.schema, [...at, "schema"], checks);
  };
  for (const kind of ["parameters", "headers"] as const) {
    for (const [name, node] of Object.entries<Json>(doc.components?.[kind] ?? {})) inline(node, ["components", kind, name]);
  }
  const responseSchemas = (response: Json, at: (string | number)[]) => {
    if (!response || response.$ref) return;
    for (const [name, header] of Object.entries<Json>(response.headers ?? {})) inline(header, [...at, "headers", name]);
    for (const [mediaType, media] of Object.entries<Json>(response.content ?? {})) {
      inline(media, [...at, "content", mediaType]);
    }
  };
  for (const [name, response] of Object.entries<Json>(doc.components?.responses ?? {})) {
    responseSchemas(response, ["components", "responses", name]);
  }
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    (item.parameters ?? []).forEach((p: Json, i: number) => inline(p, ["paths", path, "parameters", i]));
    for (const { method } of operations(doc).filter((o) => o.path === path)) {
      const operation = item[method];
      (operation.parameters ?? []).forEach((p: Json, i: number) => inline(p, ["paths", path, method, "parameters", i]));
      for (const [status, response] of Object.entries<Json>(operation.responses ?? {})) {
        responseSchemas(response, ["paths", path, method, "responses", status]);
      }
    }
  }
  return checks;
}

/** Validates every example of `doc`; returns one line per failing example. */
function failingExamples(doc: Json, checks: ExampleCheck[] = collectExampleChecks(doc)): string[] {
  const ajv = createSpecAjv();
  const failures: string[] = [];
  for (const check of checks) {
    if (check.schema === undefined) {
      failures.push(`${check.where}: has no schema to validate against`);
      continue;
    }
    const validate = ajv.compile(closed(check.schema));
    if (!validate(check.value)) {
      failures.push(`${check.where}: ${ajv.errorsText(validate.errors, { dataVar: "example" })}`);
    }
  }
  return failures;
}

describe("every example in generated/openapi.json validates against its schema (ajv, JSON Schema 2020-12)", () => {
  const checks = collectExampleChecks(spec);

  it("no example fails its schema", () => {
    expect(failingExamples(spec, checks)).toEqual([]);
  });

  it("the check covers response, parameter, header and schema-property examples", () => {
    const where = checks.map((c) => c.where);
    const has = (pattern: RegExp) =>
      expect(
        where.some((w) => pattern.test(w)),
        `no check matches ${pattern}`,
      ).toBe(true);
    has(/^GET \/api\/v1\/\{projectKey\}\/jobs → 200 application\/json example "documentJobList"/);
    has(/^GET \/api\/v1\/\{projectKey\}\/jobs\/\{jobId\} → 200 application\/json example "documentJob"/);
    has(/^DELETE \/api\/v1\/\{projectKey\}\/jobs\/\{jobId\} → 501 application\/problem\+json example /);
    has(/→ 429 header Retry-After example$/);
    has(/→ 200 header Link example$/);
    has(/parameter path "jobId" example$/);
    has(/parameter query "limit" example$/);
    has(/^#\/components\/schemas\/Job\/properties\/createdAt example$/);
    has(/^#\/components\/schemas\/Problem\/properties\/type example$/);
    has(/^#\/components\/schemas\/EpochMillis example$/);
  });

  it("a broken example of each kind is reported by where it is", async () => {
    const broken = structuredClone(bundled);
    broken.components.examples.documentJob.value.data.jobId = "3451";
    broken.components.examples.scheduledDeletion.value.data.userId = "shekar@example.com";
    broken.components.headers.RetryAfter.example = "soon";
    broken.components.parameters.JobId.example = 0;
    broken.components.schemas.Job.properties.projectId.example = "one";
    broken.components.schemas.Job.properties.startAt.example = -1;
    const failures = failingExamples(await dereferenced(broken));
    const reported = (pattern: RegExp) =>
      expect(
        failures.some((f) => pattern.test(f)),
        `${pattern} not in:\n${failures.join("\n")}`,
      ).toBe(true);
    reported(/→ 200 application\/json example "documentJob".*: example\/data\/jobId must be integer/);
    reported(
      /DELETE \/api\/v1\/\{projectKey\}\/users\/\{userId\} → 200 application\/json example "scheduledDeletion".*must NOT have additional properties/,
    );
    reported(/→ 429 header Retry-After example: example must be integer/);
    reported(/parameter path "jobId" example: example must be >= 1/);
    reported(/^#\/components\/schemas\/Job\/properties\/projectId example: example must be integer/);
    reported(/^#\/components\/schemas\/Job\/properties\/startAt example: example must be >= 0/);
  });
});

// ---------------------------------------------------------------------------------------------
// The original document's examples, verbatim (OpenReplay's "Jobs" API page; docs/behaviour.md)
// ---------------------------------------------------------------------------------------------

const seedJobList = { data: [documentJob3451, documentJob3452] };
const seedJob3451 = { data: documentJob3451 };
const seedCancelledJob3452 = { data: documentJob3452 };

function operationById(id: string): Operation {
  const found = operations(spec).filter((o) => o.operation.operationId === id);
  expect(
    found.map((o) => `${o.method} ${o.path}`),
    `operationId ${id}`,
  ).toHaveLength(1);
  return found[0]!;
}

/** The example values of an operation's 200 application/json answer. */
function successExamples(id: string): unknown[] {
  const response = operationById(id).operation.responses["200"];
  const media = response.content?.["application/json"];
  expect(media, `${id} 200 application/json`).toBeDefined();
  return Object.values<Json>(media.examples ?? {}).map((e) => e.value);
}

describe("the original document's examples are in the contract verbatim", () => {
  it("listJobs shows the document's list: job 3451 scheduled and job 3452 cancelled", () => {
    expect(successExamples("listJobs")).toContainEqual(seedJobList);
  });

  it("getJob shows the document's job 3451", () => {
    expect(successExamples("getJob")).toContainEqual(seedJob3451);
  });

  it("cancelJob shows the document's job 3452, cancelled", () => {
    expect(successExamples("cancelJob")).toContainEqual(seedCancelledJob3452);
  });

  it("deleteUserData shows a newly scheduled delete_user_data job for that user, starting at the next 00:00 UTC", () => {
    // The document shows no answer of the user deletion call; docs/behaviour.md ("Operations") does.
    const jobs = successExamples("deleteUserData").map((e) => (e as { data: Json }).data);
    const scheduled = jobs.filter((job) => job?.status === "scheduled");
    expect(scheduled.length).toBeGreaterThan(0);
    const day = 24 * 60 * 60 * 1000;
    for (const job of scheduled) {
      expect(job).toMatchObject({
        action: "delete_user_data",
        description: `Delete user sessions of userId = ${job.referenceId}`,
        updatedAt: job.createdAt,
        errors: null,
      });
      expect(job.startAt % day).toBe(0);
      expect(job.startAt).toBeGreaterThan(job.createdAt);
      expect(job.startAt - job.createdAt).toBeLessThanOrEqual(day);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Conventions of every operation
// ---------------------------------------------------------------------------------------------

describe("the operations and their answers", () => {
  it.each(Object.entries(UPSTREAM_CALLS))("upstream's %s is still %s", (id, call) => {
    const op = operationById(id);
    expect(`${op.method.toUpperCase()} ${op.path}`).toBe(call);
  });

  const all = operations(spec);

  it.each(all.map((o) => [o.operation.operationId as string, o] as const))(
    "%s declares 400, 401, 404 and a default answer",
    (_id, { operation }) => {
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["400", "401", "404", "default"]));
    },
  );

  it("cancelJob declares 501 for a job that cannot be cancelled", () => {
    expect(Object.keys(operationById("cancelJob").operation.responses)).toContain("501");
  });

  const errorResponses = all.flatMap(({ method, path, operation }) =>
    Object.entries<Json>(operation.responses)
      .filter(([status]) => /^[45]/.test(status) || status === "default")
      .map(([status, ref]) => [`${method.toUpperCase()} ${path} → ${status}`, status, ref] as const),
  );

  it.each(errorResponses)(
    "%s is application/problem+json with the Problem schema and named examples of its status",
    (_where, status, response) => {
      expect(Object.keys(response.content ?? {})).toEqual(["application/problem+json"]);
      const media = response.content["application/problem+json"];
      expect(media.schema).toEqual(spec.components.schemas.Problem);
      const examples = Object.entries<Json>(media.examples ?? {});
      expect(examples.length).toBeGreaterThan(0);
      for (const [name, entry] of examples) {
        const value = entry.value;
        if (status === "default") expect(value.status, name).toBeGreaterThanOrEqual(500);
        else expect(value.status, name).toBe(Number(status));
      }
    },
  );

  it("servers are the local reference server and the documentation's host", () => {
    expect((spec.servers ?? []).map((s: Json) => s.url)).toEqual(
      expect.arrayContaining(["http://localhost:3000", "https://openreplay.example.com"]),
    );
  });

  it.each(all.map((o) => [o.operation.operationId as string, o] as const))(
    "%s has x-codeSamples in curl and TypeScript that call it",
    (_id, { method, path, operation }) => {
      const samples: Json[] = operation["x-codeSamples"] ?? [];
      const curl: string = samples.find((s) => s.lang === "curl")?.source ?? "";
      const ts: string = samples.find((s) => s.lang === "TypeScript")?.source ?? "";
      // GET is curl's own method; any other is named. The path's parameters hold sample values.
      if (method === "get") expect(curl).not.toMatch(/ -X /);
      else expect(curl).toContain(`curl -X ${method.toUpperCase()} `);
      const url = new RegExp(`'https://openreplay\\.example\\.com${path.replace(/\{[^}]+\}/g, "[^/?']+")}[?']`);
      expect(curl).toMatch(url);
      expect(curl).toContain("Authorization: ");
      expect(ts).toContain(`client.${method.toUpperCase()}("${path}"`);
    },
  );
});
