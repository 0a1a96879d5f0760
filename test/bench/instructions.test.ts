// npm run bench:instructions, smoke run: the project's server and the prescribed stack each run
// under callgrind and answer a few GETs, and a count comes back for each. It asserts no ratio (a
// handful of requests right after start-up measures the JIT, not the server); the real run is
// `npm run bench:instructions`. Needs valgrind (.ci/run installs it).
import { describe, expect, it } from "vitest";
import { hasValgrind, instructionsPerRequest } from "../../bench/instructions.js";

describe.skipIf(!hasValgrind() && process.env.CI === undefined)("npm run bench:instructions, smoke run", () => {
  it("counts the instructions of a GET job on the project's server and on the prescribed stack", async () => {
    expect(hasValgrind(), "valgrind and callgrind_control (apt-get install valgrind)").toBe(true);
    const counts = await instructionsPerRequest(["project", "prescribed"], { warmup: 20, requests: 20 });
    expect(Object.keys(counts).sort()).toEqual(["prescribed", "project"]);
    // Far more than nothing, far less than a start-up: one request's work.
    for (const [name, count] of Object.entries(counts)) expect(count, name).toBeGreaterThan(50_000);
    for (const [name, count] of Object.entries(counts)) expect(count, name).toBeLessThan(100_000_000);
  }, 900_000); // mostly start-up under Valgrind: about 4 minutes on a loaded machine
});
