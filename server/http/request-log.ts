// The request log (pino-http): one line per answer, with what is safe to keep. Never headers
// (Authorization carries the key) and never an end-user id: the path is logged as the contract
// core shows it (client/contract/logged-path.ts), with only the parameters whose values cannot be
// personal data.
import type { IncomingMessage } from "node:http";
import { pinoHttp } from "pino-http";
import type { Logger } from "pino";
import { requestIdFor, shownPath } from "../../client/contract/index.js";

type MatchedRequest = IncomingMessage & { originalUrl?: string };

export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    // Accept a caller's X-Request-Id when it looks like one, so logs can be correlated.
    genReqId: (req, res) => {
      const incoming = req.headers["x-request-id"];
      const id = requestIdFor(typeof incoming === "string" ? incoming : undefined);
      res.setHeader("X-Request-Id", id);
      return id;
    },
    // The request is bound when it arrives, before any route is matched: id and method only. The
    // path is added to the line written when the answer is done (below).
    serializers: {
      req: (req: { id: string; method: string }) => ({ id: req.id, method: req.method }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customSuccessObject: (req, _res, value: Record<string, unknown>) => ({ ...value, path: loggedPath(req) }),
    // pino-http makes up an error ("failed with status code 5xx", with its own stack) for every 5xx
    // answer: dropped. A real error is logged by the error handler, with its stack, once.
    customErrorObject: (req, _res, error, value: Record<string, unknown>) => {
      const { err: _made, ...rest } = value;
      return { ...(isMadeUp(error) ? rest : value), path: loggedPath(req) };
    },
    customErrorMessage: (_req, _res, error) => (isMadeUp(error) ? "request completed" : "request failed"),
    // 501 is cancelJob's documented answer for a job that has ended, not a server failure; 503
    // (the database is busy or unavailable) is documented too, and worth a warning.
    customLogLevel: (_req, res, error) =>
      res.statusCode === 501
        ? "info"
        : res.statusCode === 503
          ? "warn"
          : (error && !isMadeUp(error)) || res.statusCode >= 500
            ? "error"
            : "info",
  });
}

/** The error pino-http invents for a 5xx answer that carried none. */
const isMadeUp = (error: Error | undefined) => error !== undefined && /^failed with status code \d+$/.test(error.message);

/** The request's path (and query) as they may be logged: the contract core's shownPath. */
export function loggedPath(req: MatchedRequest, options: { query?: boolean } = {}): string {
  return shownPath(req.method ?? "", req.originalUrl ?? req.url ?? "", options);
}
