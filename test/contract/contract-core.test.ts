// The contract core (client/contract/): what it reads from the spec, and the rules the server and
// the mocks both apply from it — the path rules, the parameter words, the logged path, the Ajv
// formats (those of express-openapi-validator) — each against the spec or the library it mirrors.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  apiKeyFromHeader,
  contract,
  contractOf,
  fillPath,
  FINAL_JOB_STATUSES,
  JOB_STATUSES,
  parameterProblem,
  problemWords,
  PENDING_JOB_STATUSES,
  requestIdFor,
  shownPath,
} from "../../client/contract/index.js";
import { OPENAPI_FORMATS } from "../../client/contract/validators.js";
import { dereferenced, readSpec } from "../support/spec-schemas.js";

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

describe("the operation table is the spec's", () => {
  it("has every operation of openapi.json, with its method, path and declared statuses", () => {
    const spec = readSpec();
    const fromSpec = Object.entries<Record<string, { operationId?: string; responses?: object }>>(spec.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((m) => ({
        operationId: item[m]!.operationId,
        method: m,
        path,
        statuses: Object.keys(item[m]!.responses ?? {}),
      })),
    );
    expect(
      contract.operations.map((o) => ({
        operationId: o.operationId,
        method: o.method,
        path: o.path,
        statuses: o.responses.map((r) => r.status),
      })),
    ).toEqual(fromSpec);
  });

  it("is the same when built from the whole document, dereferenced by Redocly (the kit's --spec)", async () => {
    const foreign = contractOf(await dereferenced());
    expect(foreign.operations.map((o) => [o.operationId, o.parameters, o.responses.map((r) => r.status)])).toEqual(
      contract.operations.map((o) => [
        o.operationId,
        o.parameters.map((p) => expect.objectContaining({ name: p.name, in: p.in })),
        o.responses.map((r) => r.status),
      ]),
    );
  });

  it("divides JobStatus into pending and final statuses", () => {
    expect([...PENDING_JOB_STATUSES, ...FINAL_JOB_STATUSES].sort()).toEqual([...JOB_STATUSES].sort());
    expect(JOB_STATUSES).toEqual(readSpec().components.schemas.JobStatus.enum);
  });
});

describe("the spec's path rules (route)", () => {
  const kind = (method: string, path: string) => {
    const route = contract.route(method, path);
    return route.kind === "operation" ? route.operation.operationId : route.kind;
  };
  it.each([
    ["GET", "/api/v1/P/jobs", "listJobs"],
    ["GET", "/api/v1/P/jobs/1", "getJob"],
    ["DELETE", "/api/v1/P/jobs/1", "cancelJob"],
    ["DELETE", "/api/v1/P/users/a%40b", "deleteUserData"],
    ["delete", "/api/v1/P/users/x", "deleteUserData"],
    ["GET", "/api/v1/P/Jobs", "no-operation"],
    ["GET", "/api/v1/P/jobs/", "no-operation"],
    ["DELETE", "/api/v1/P/users/x/", "no-operation"],
    ["GET", "/api/v1//jobs", "no-operation"],
    ["GET", "/API/v1/P/jobs", "no-operation"],
    ["GET", "/api/v1/P/users/x", "method-not-allowed"],
    ["DELETE", "/api/v1/P/jobs", "method-not-allowed"],
    ["HEAD", "/api/v1/P/jobs/1", "method-not-allowed"],
    ["DELETE", "/api/v1/P/users/", "empty-parameter"],
    ["GET", "/api/v1/P/users", "empty-parameter"],
    ["DELETE", "/api/v1//users/", "no-operation"],
  ])("%s %s: %s", (method, path, expected) => {
    expect(kind(method, path)).toBe(expected);
  });

  it("gives the path parameters as sent, and the methods a path allows", () => {
    expect(contract.route("DELETE", "/api/v1/P/users/a%2Fb")).toMatchObject({
      kind: "operation",
      path: { projectKey: "P", userId: "a%2Fb" },
    });
    expect(contract.route("PUT", "/api/v1/P/jobs/1")).toEqual({ kind: "method-not-allowed", allowed: ["get", "delete"] });
  });

  it("answers a path asked again (the server asks thrice a request) alike, frozen, also once many others were asked", () => {
    const first = contract.route("GET", "/api/v1/P/jobs/7");
    expect(Object.isFrozen(first) && first.kind === "operation" && Object.isFrozen(first.path)).toBe(true);
    expect(contract.route("GET", "/api/v1/P/jobs/7")).toBe(first);
    for (let i = 0; i < 1000; i++) contract.route("GET", `/api/v1/P/jobs/${i}`);
    expect(contract.route("GET", "/api/v1/P/jobs/7")).toEqual(first);
    expect(contract.route("DELETE", "/api/v1/P/jobs/7")).toMatchObject({ kind: "operation", operation: { operationId: "cancelJob" } });
    expect(contract.route("GET", "/api/v1/Q/jobs/7")).toMatchObject({ path: { projectKey: "Q", jobId: "7" } });
  });

  it("fillPath encodes each value as one segment, and the route reads it back", () => {
    const path = fillPath(contract.operation("deleteUserData").path, { projectKey: "P", userId: "a/b c@d" });
    expect(path).toBe("/api/v1/P/users/a%2Fb%20c%40d");
    expect(contract.route("DELETE", path)).toMatchObject({ path: { userId: "a%2Fb%20c%40d" } });
  });
});

describe("parameter words", () => {
  const getJob = contract.operation("getJob");
  const listJobs = contract.operation("listJobs");
  it.each([
    [getJob, { projectKey: "P", jobId: "1" }, "", undefined],
    [getJob, { projectKey: "P", jobId: "abc" }, "", "path parameter jobId must be integer"],
    [getJob, { projectKey: "P", jobId: "0" }, "", "path parameter jobId must be >= 1"],
    [getJob, { projectKey: "P", jobId: "1e0" }, "", expect.stringContaining("plain decimal digits")],
    [getJob, { projectKey: "P", jobId: "%" }, "", "The request path is not valid percent-encoded UTF-8."],
    [getJob, { projectKey: "P", jobId: "1" }, "x=1", "Unknown query parameter 'x'"],
    [listJobs, { projectKey: "P" }, "limit=", "Empty value found for query parameter 'limit'"],
    [listJobs, { projectKey: "P" }, "limit=1&limit=2", "query parameter limit must be integer"],
    [listJobs, { projectKey: "P" }, "status=x", expect.stringContaining("must be equal to one of the allowed values: scheduled")],
    [listJobs, { projectKey: "a.b" }, "", expect.stringContaining("path parameter projectKey must match pattern")],
  ])("%#", (operation, path, query, words) => {
    expect(parameterProblem(operation, path, query)).toEqual(words);
  });

  it("Prism's lenient reading takes 1e0 and ignores unknown query parameters", () => {
    expect(
      parameterProblem(getJob, { projectKey: "P", jobId: "1e0" }, "x=1", { integers: "lenient", unknownQuery: "ignore" }),
    ).toBeUndefined();
  });

  it("answers a path it has seen before by the rules and operation asked now (the check is kept per route)", () => {
    const path = { projectKey: "P", jobId: "1e0" };
    expect(parameterProblem(getJob, path, "")).toEqual(expect.stringContaining("plain decimal digits"));
    expect(parameterProblem(getJob, path, "", { integers: "lenient", unknownQuery: "ignore" })).toBeUndefined();
    expect(parameterProblem(getJob, path, "")).toEqual(expect.stringContaining("plain decimal digits"));
    expect(parameterProblem(listJobs, { projectKey: "P" }, "")).toBeUndefined();
    expect(parameterProblem(getJob, { projectKey: "P" }, "")).toBe(problemWords.emptyPathParameter("jobId"));
    const route = contract.route("GET", "/api/v1/P/jobs/1");
    expect(route.kind === "operation" && parameterProblem(route.operation, route.path, "x=1")).toBe("Unknown query parameter 'x'");
    expect(route.kind === "operation" && parameterProblem(route.operation, route.path, "")).toBeUndefined();
  });
});

describe("what may be shown of a request (logs, problem instance)", () => {
  it.each([
    ["DELETE", "/api/v1/P1/users/ana%40example.com", "/api/v1/P1/users/[userId]"],
    ["GET", "/api/v1/P1/jobs?status=failed&limit=5", "/api/v1/P1/jobs?status=failed&limit=5"],
    ["GET", "/api/v1/P1/jobs/12?status=failed", "/api/v1/P1/jobs/12?[…]"],
    ["GET", "/api/v1/P1/jobs?after=ana&limit=01", "/api/v1/P1/jobs?after=[…]&limit=[…]"],
    ["GET", "/api/v1/not.a.key/jobs", "/api/v1/[projectKey]/jobs"],
    ["DELETE", "/api/v1/P1/USERS/ana@example.com", "/api/v1/[…]/[…]/[…]"],
    ["GET", "/api/v1/P1/jobs?email=ana@example.com", "/api/v1/P1/jobs?[…]"],
  ])("%s %s → %s", (method, target, shown) => {
    expect(shownPath(method, target)).toBe(shown);
  });
});

describe("keys and request ids", () => {
  it.each([
    ["k1", "k1"],
    ["Bearer k1", "k1"],
    ["bearer   k1 ", "k1"],
    ["", undefined],
    ["Bearer ", "Bearer"], // the word alone is a (wrong) raw key
    ["a b", undefined],
    ["é", undefined],
    [null, undefined],
  ])("apiKeyFromHeader(%j) is %j", (header, key) => {
    expect(apiKeyFromHeader(header)).toBe(key);
  });

  it("keeps a well-formed X-Request-Id and makes a UUID otherwise", () => {
    expect(requestIdFor("abc-1:2.3_4")).toBe("abc-1:2.3_4");
    for (const bad of [null, "", "a b", "x".repeat(65), "ü"]) expect(requestIdFor(bad)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("one Ajv configuration", () => {
  it("defines OpenAPI's number formats as express-openapi-validator does", () => {
    const require = createRequire(import.meta.url);
    const validatorDir = require.resolve("express-openapi-validator/package.json", {
      paths: [require.resolve("../../server/package.json")],
    });
    const { formats } = require(validatorDir.replace(/package\.json$/, "dist/framework/ajv/formats.js")) as {
      formats: Record<string, { type: string; validate: (n: number) => boolean }>;
    };
    const samples = [0, 1, -1, 1.5, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53, 2 ** 63, 2 ** 64, Infinity, NaN];
    for (const [name, ours] of Object.entries(OPENAPI_FORMATS)) {
      const theirs = formats[name]!;
      expect(ours.type, name).toBe(theirs.type);
      if (name === "float") continue; // theirs also bounds a float's magnitude; no float is in the spec
      expect(
        samples.map((n) => ours.validate(n)),
        name,
      ).toEqual(samples.map((n) => theirs.validate(n)));
    }
  });
});
