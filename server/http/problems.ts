// Every error answer of the server: handlers throw HttpProblem; the error handler in app.ts turns
// anything thrown (ours, the validator's, an unexpected one) into a problem. The bodies, titles
// and words are the contract core's (client/contract/problems.ts), which the mocks share.
import { randomUUID } from "node:crypto";
import { PROBLEM_CONTENT_TYPE, kindForStatus, problemBody, titleFor, type ProblemKind } from "../../client/contract/index.js";

export {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_KINDS,
  WWW_AUTHENTICATE,
  kindForStatus,
  problemBody,
  problemWords,
} from "../../client/contract/index.js";
export type { Problem, ProblemKind } from "../../client/contract/index.js";

export class HttpProblem extends Error {
  override name = "HttpProblem";
  constructor(
    readonly status: number,
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

/**
 * A complete raw HTTP/1.1 response, for errors Node's parser raises before Express sees the
 * request (header overflow, timeouts, malformed requests): the socket gets a problem body too.
 */
export function rawProblemResponse(status: number, detail: string, requestId: string = randomUUID()): string {
  const body = JSON.stringify(problemBody(status, detail, { kind: kindForStatus(status), requestId }));
  return (
    `HTTP/1.1 ${status} ${titleFor(status)}\r\n` +
    `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `X-Request-Id: ${requestId}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    "Connection: close\r\n\r\n" +
    body
  );
}
