// Creates the HTTP server around the Express app: the prototype fix, limits and timeouts, and
// problem answers for errors Node's HTTP parser raises before Express sees a request.
import http from "node:http";
import type { Duplex } from "node:stream";
import type express from "express";
import { rawProblemResponse } from "./problems.js";

/** Request line and headers together; larger ones answer 431 (Node's default is 16 KiB too). */
export const MAX_HEADER_BYTES = 16 * 1024;

export const TIMEOUTS = {
  /** A client must send its whole header within this (slowloris). */
  headersMs: 10_000,
  /** ...and its whole request within this. */
  requestMs: 30_000,
  keepAliveMs: 5_000,
  /**
   * How often Node checks the two timeouts above (its default, 30 s, would let a slow client hold
   * a connection for up to 40 s despite headersMs = 10 s).
   */
  checkEveryMs: 1_000,
};

/**
 * Express sets the prototype of every req and res to app.request / app.response
 * (Object.setPrototypeOf), which throws V8 off its fast paths and makes stock Express 3-5x
 * slower than node:http here (see bench/README.md). Constructing them with those prototypes
 * already in place makes Express's swap a no-op. Upstream: nodejs/node#37457,
 * expressjs/express#5998. Remove once Express stops swapping prototypes (the test
 * test/server/perf-shims.test.ts tells when).
 */
export function expressPrototypeClasses(app: express.Express): {
  IncomingMessage: typeof http.IncomingMessage;
  ServerResponse: typeof http.ServerResponse;
} {
  return {
    IncomingMessage: withPrototype<typeof http.IncomingMessage>(http.IncomingMessage, app.request),
    ServerResponse: withPrototype<typeof http.ServerResponse>(http.ServerResponse, app.response),
  };
}

function withPrototype<T extends new (...args: never[]) => object>(Base: T, prototype: object): T {
  // A constructor whose instances get `prototype` directly and are initialised by Base (in Node a
  // plain function). Not Reflect.construct: V8 gives each object built for another constructor's
  // new.target a hidden class of its own (test/server/perf-shims.test.ts guards this).
  function Subclass(this: object, ...args: unknown[]) {
    (Base as unknown as (...a: unknown[]) => void).apply(this, args);
  }
  Subclass.prototype = prototype;
  Object.setPrototypeOf(Subclass, Base);
  return Subclass as unknown as T;
}

export function createHttpServer(app: express.Express): http.Server {
  const server = http.createServer(
    {
      ...expressPrototypeClasses(app),
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: TIMEOUTS.headersMs,
      requestTimeout: TIMEOUTS.requestMs,
      keepAliveTimeout: TIMEOUTS.keepAliveMs,
      connectionsCheckingInterval: TIMEOUTS.checkEveryMs,
      // A request without Host is answered by the app, with a problem body (request-target.ts).
      requireHostHeader: false,
    },
    app,
  );
  server.on("clientError", answerClientError);
  return server;
}

/** The response in progress on a socket (Node keeps it there), and its request. */
type InFlight = http.ServerResponse & { req?: http.IncomingMessage };

/** Parser-level errors still get an RFC 9457 body (Node's default is a bare status line). */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // As Node does: answer unless a response has already begun on this socket. A request whose body
  // is still dribbling in when requestTimeout strikes has a response object, not yet sent.
  const inFlight = (socket as Duplex & { _httpMessage?: InFlight })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  if (inFlight?.req?.complete) {
    // A whole request is being handled and the bytes after it are broken (pipelining). A 400 now
    // would read as the answer to that request, which may still succeed: let its own answer go
    // out, then close the connection. (A request that is not whole gets the 400 below, and
    // app.ts refuses to run it.)
    inFlight.shouldKeepAlive = false;
    return;
  }
  const [status, detail] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, `The request line and headers are larger than ${MAX_HEADER_BYTES} bytes.`]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT" || error.code === "ERR_HTTP_HEADERS_TIMEOUT"
        ? [408, "The request was not received in time."]
        : [400, "The request is not valid HTTP."];
  socket.end(rawProblemResponse(status, detail));
}
