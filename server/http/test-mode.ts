// The sandbox's `Prefer` answers (test mode, client/contract/test-mode.ts): `code=401|429|503`
// answers that problem instead of the operation, `times=N` only to the first N attempts of the same
// request, `delay=<ms>` answers later. Installed by createApp only when testMode is set (the
// sandbox); `jobs-api serve` never has it, so there `Prefer` changes nothing.
import type { RequestHandler } from "express";
import { SIMULATED_PROBLEMS, createTestModeDecider } from "../../client/contract/test-mode.js";
import { HttpProblem } from "./problems.js";

/** After authentication and validation: a simulated answer is one the request could really get. */
export function testModeAnswers(): RequestHandler {
  const decide = createTestModeDecider();
  return (req, res, next) => {
    const decision = decide({ method: req.method, url: req.originalUrl, headers: { get: (name) => req.get(name) ?? null } });
    const answer = () => {
      if (decision.status === undefined) return next();
      const { status, kind, detail, headers } = SIMULATED_PROBLEMS[decision.status];
      // The problem handler (app.ts) writes it as any other: type, title, requestId, X-Request-Id.
      next(new HttpProblem(status, kind, detail, { ...headers }));
    };
    if (decision.delayMs === 0) return answer();
    const timer = setTimeout(answer, decision.delayMs);
    res.once("close", () => clearTimeout(timer)); // the client gave up: nothing to answer
  };
}
