// Test mode in the stateful MSW handlers (client/contract/test-mode.ts, the table the sandbox
// applies too): `Prefer: code=401|429|503` (with `times=N`) answers the simulated problem, in the
// server's words and headers, after the key and the parameters were checked; `Prefer: delay=<ms>`
// answers later, through MSW's delay(); the scripted userIds' jobs move by the clock (store.ts).
import { delay, HttpResponse } from "msw";
import { createTestModeDecider, SIMULATED_PROBLEMS, simulatedProblemBody, type SimulatedStatus } from "../contract/test-mode.js";
import { PROBLEM_CONTENT_TYPE } from "./problems.js";

/** The server's rule for a caller's X-Request-Id: kept when it looks like one, else a new one. */
const REQUEST_ID = /^[\w.:-]{1,64}$/;

/** The X-Request-Id the server would answer with. */
function requestIdOf(request: Request): string {
  const given = request.headers.get("X-Request-Id");
  return given !== null && REQUEST_ID.test(given) ? given : crypto.randomUUID();
}

/** A simulated answer, as the sandbox sends it: the problem, its headers, X-Request-Id = requestId. */
export function simulatedResponse(status: SimulatedStatus, request: Request, instance: string): Response {
  const requestId = requestIdOf(request);
  return HttpResponse.json(simulatedProblemBody(status, { instance, requestId }), {
    status,
    headers: { ...SIMULATED_PROBLEMS[status].headers, "Content-Type": PROBLEM_CONTENT_TYPE, "X-Request-Id": requestId },
  });
}

/**
 * The test-mode step of one set of handlers (its own memory of attempts, for `times`): waits as
 * `Prefer: delay` asks, then gives the simulated answer, or undefined to answer as usual.
 */
export function createTestModeStep(): (request: Request, instance: string) => Promise<Response | undefined> {
  const decide = createTestModeDecider();
  return async (request, instance) => {
    const decision = decide(request);
    if (decision.delayMs > 0) await delay(decision.delayMs);
    return decision.status === undefined ? undefined : simulatedResponse(decision.status, request, instance);
  };
}
