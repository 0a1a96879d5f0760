// The breaking-change gate (scripts/check-breaking.mjs, oasdiff) on temporary copies of the spec.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const script = join(root, "scripts", "check-breaking.mjs");
const current = join(root, "generated", "openapi.json");

type Spec = {
  info: { version: string };
  paths: Record<string, Record<string, { parameters?: unknown[] }>>;
  components: { schemas: Record<string, { enum?: string[]; required?: string[]; properties?: Record<string, unknown> }> };
};

let dir: string;
let count = 0;

function spec(): Spec {
  return JSON.parse(readFileSync(current, "utf8")) as Spec;
}

/** Writes a copy of the current spec, changed by `change`, and returns its path. */
function variant(change: (s: Spec) => void): string {
  const s = spec();
  change(s);
  const file = join(dir, `variant-${++count}.json`);
  writeFileSync(file, JSON.stringify(s, null, 2));
  return file;
}

function gate(...args: string[]): { code: number | null; output: string } {
  const res = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: "utf8" });
  return { code: res.status, output: `${res.stdout}${res.stderr}` };
}

const withVersion = (version: string) => (s: Spec) => {
  s.info.version = version;
};
const removeRunningStatus = (s: Spec) => {
  s.components.schemas.JobStatus!.enum = s.components.schemas.JobStatus!.enum!.filter((v) => v !== "running");
};
const addRequiredQueryParameter = (s: Spec) => {
  s.paths["/api/v1/{projectKey}/jobs"]!.get!.parameters!.push({
    name: "tenant",
    in: "query",
    required: true,
    schema: { type: "string" },
  });
};
const removeReferenceIdField = (s: Spec) => {
  const job = s.components.schemas.Job!;
  delete job.properties!.referenceId;
  job.required = job.required!.filter((name) => name !== "referenceId");
};
const addOptionalQueryParameter = (s: Spec) => {
  s.paths["/api/v1/{projectKey}/jobs"]!.get!.parameters!.push({
    name: "referenceId",
    in: "query",
    required: false,
    description: "Only jobs for this referenceId.",
    schema: { type: "string" },
  });
};
const addOptionalResponseField = (s: Spec) => {
  s.components.schemas.Job!.properties!.finishedAt = {
    type: ["integer", "null"],
    format: "int64",
    description: "When the job ended (epoch milliseconds).",
  };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "jobs-api-breaking-"));
  // The first run may build oasdiff (a minute on a fresh machine); later runs reuse .cache/.
  const { code, output } = gate("--base", current, "--revision", current);
  expect(code, output).toBe(0);
}, 600_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("check:breaking with --base and --revision", () => {
  it("passes an unchanged spec", () => {
    const { code, output } = gate(
      "--base",
      current,
      "--revision",
      variant(() => {}),
    );
    expect(code, output).toBe(0);
    expect(output).toContain("No changes detected");
  });

  it("fails when an enum value is removed", () => {
    const { code, output } = gate("--base", current, "--revision", variant(removeRunningStatus));
    expect(code, output).toBe(1);
    expect(output).toContain("request-parameter-enum-value-removed");
    expect(output).toContain("removed the enum value `running`");
    expect(output).toContain("FAILED");
  });

  it("fails when a new required parameter is added", () => {
    const { code, output } = gate("--base", current, "--revision", variant(addRequiredQueryParameter));
    expect(code, output).toBe(1);
    expect(output).toContain("new-required-request-parameter");
    expect(output).toContain("`tenant`");
  });

  it("fails when a response field is removed", () => {
    const { code, output } = gate("--base", current, "--revision", variant(removeReferenceIdField));
    expect(code, output).toBe(1);
    expect(output).toContain("response-required-property-removed");
    expect(output).toContain("data/referenceId");
  });

  it("fails when an optional response field is removed", () => {
    const revision = variant((s) => {
      delete s.components.schemas.Problem!.properties!.requestId;
    });
    const { code, output } = gate("--base", current, "--revision", revision);
    expect(code, output).toBe(1);
    expect(output).toContain("response-optional-property-removed");
  });

  it("passes a new optional query parameter and prints it in the changelog", () => {
    const { code, output } = gate("--base", current, "--revision", variant(addOptionalQueryParameter));
    expect(code, output).toBe(0);
    expect(output).toContain("new-optional-request-parameter");
    expect(output).toContain("no breaking change");
  });

  it("passes a new optional response field and prints it in the changelog", () => {
    const { code, output } = gate("--base", current, "--revision", variant(addOptionalResponseField));
    expect(code, output).toBe(0);
    expect(output).toContain("response-optional-property-added");
    expect(output).toContain("finishedAt");
  });

  it("lets a breaking change through when the major version is raised", () => {
    const revision = variant((s) => {
      removeReferenceIdField(s);
      removeRunningStatus(s);
      withVersion("2.0.0")(s);
    });
    const { code, output } = gate("--base", current, "--revision", revision);
    expect(code, output).toBe(0);
    expect(output).toContain("response-required-property-removed");
    expect(output).toContain("allowed by the major version bump 1.0.0 -> 2.0.0");
  });

  it("does not let a breaking change through with a minor version bump", () => {
    const revision = variant((s) => {
      removeReferenceIdField(s);
      withVersion("1.1.0")(s);
    });
    const { code, output } = gate("--base", current, "--revision", revision);
    expect(code, output).toBe(1);
    expect(output).toContain("the major version was not raised (1.0.0 -> 1.1.0)");
  });
});

describe("check:breaking against the release snapshots", () => {
  /** A releases/ folder with a snapshot of the current spec as each version. */
  function releases(...versions: string[]): string {
    const releasesDir = join(dir, `releases-${++count}`);
    for (const version of versions) {
      mkdirSync(join(releasesDir, version), { recursive: true });
      writeFileSync(join(releasesDir, version, "openapi.json"), JSON.stringify({ ...spec(), info: { ...spec().info, version } }));
    }
    return releasesDir;
  }

  it("compares the committed releases/ with generated/openapi.json by default", () => {
    const { code, output } = gate();
    expect(code, output).toBe(0);
    expect(output).toMatch(/releases\/\d+\.\d+\.\d+\/openapi\.json/);
  });

  it("fails a release in the making that breaks the last release", () => {
    const releasesDir = releases("1.0.0");
    const revision = variant((s) => {
      removeRunningStatus(s);
      withVersion("1.1.0")(s);
    });
    const { code, output } = gate("--releases", releasesDir, "--revision", revision);
    expect(code, output).toBe(1);
    expect(output).toContain("against the last release 1.0.0");
  });

  it("fails unreleased breaking changes on top of a released version", () => {
    const releasesDir = releases("1.0.0");
    const { code, output } = gate("--releases", releasesDir, "--revision", variant(removeReferenceIdField));
    expect(code, output).toBe(1);
    expect(output).toContain("unreleased changes on top of 1.0.0");
  });

  it("checks a just-snapshotted release against the release before it", () => {
    const releasesDir = releases("1.0.0");
    const revision = variant((s) => {
      removeReferenceIdField(s);
      withVersion("1.1.0")(s);
    });
    mkdirSync(join(releasesDir, "1.1.0"));
    cpSync(revision, join(releasesDir, "1.1.0", "openapi.json"));
    const { code, output } = gate("--releases", releasesDir, "--revision", revision);
    expect(code, output).toBe(1);
    expect(output).toContain("release 1.1.0 (equal to its snapshot) against the release before it, 1.0.0");
  });

  it("fails when info.version is lower than the last release", () => {
    const releasesDir = releases("1.0.0", "1.2.0");
    const { code, output } = gate("--releases", releasesDir, "--revision", variant(withVersion("1.1.0")));
    expect(code, output).toBe(1);
    expect(output).toContain("info.version 1.1.0 is lower than the last release 1.2.0");
  });
});
