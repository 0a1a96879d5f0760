// Contract coverage: every (operationId, status) pair that openapi.yaml declares must be
// answered by the real server in some test. Each test server appends what it answered to a
// file in this run's folder (recordAnswers); at the end of the run, the global teardown in
// contract-coverage-setup.ts compares that with the spec and fails the run on a missing pair,
// so a newly declared answer cannot stay untested.
import { appendFileSync, readFileSync, readdirSync } from "node:fs";
import type http from "node:http";
import { join } from "node:path";
import { contract } from "../../client/contract/index.js";

/** "listJobs 200", … for every status code the spec declares (not `default`), from the operation table. */
export function declaredPairs(): string[] {
  return contract.operations
    .flatMap((operation) => operation.responses.filter((r) => /^\d{3}$/.test(r.status)).map((r) => `${operation.operationId} ${r.status}`))
    .sort();
}

/** The status of a pair ("listJobs 200" → 200). */
export const statusOfPair = (pair: string): number => Number(pair.split(" ")[1]);

/**
 * Records every answer of `server` (operationId from express-openapi-validator, status) into the
 * run's folder, and as "operationId status" into `seen`.
 */
export function recordAnswers(server: http.Server, folder: string | undefined, seen?: Set<string>): void {
  server.on("request", (req: http.IncomingMessage & { openapi?: { schema?: { operationId?: string } } }, res) => {
    res.once("finish", () => {
      const operationId = req.openapi?.schema?.operationId;
      if (!operationId) return;
      seen?.add(`${operationId} ${res.statusCode}`);
      if (folder) appendFileSync(join(folder, `${process.pid}.log`), `${operationId} ${res.statusCode}\n`);
    });
  });
}

export function answeredPairs(folder: string): Set<string> {
  const seen = new Set<string>();
  for (const name of readdirSync(folder)) {
    for (const line of readFileSync(join(folder, name), "utf8").split("\n")) if (line) seen.add(line);
  }
  return seen;
}
