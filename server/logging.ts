// The server's logger and its one line per request.
//
// Cost matters here: at info, every request logs a line. Measured (bench/README.md): a
// synchronous write(2) per line was about 14% of the server's CPU time under load, and
// pino-http's child logger per request (its bindings serialized at the request's start) and
// wrapped serializers a few percent more. So the destination is asynchronous (pino.destination
// with sync: false: lines written while a write is in flight are batched into the next one;
// pino flushes what is left synchronously on exit), and the request line is built here from the
// few safe fields, with no child logger.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pino, type Logger } from "pino";
import type { Config } from "./config.js";

declare module "node:http" {
  interface IncomingMessage {
    /** The request id: the caller's X-Request-Id when it looks like one, else a new UUID. */
    id: string;
  }
}

/**
 * The server's logger: JSON lines on standard output, written asynchronously, the lines of one
 * turn of the event loop in one write. A process that exits (process.exit, a signal handled by
 * `jobs-api serve`, an uncaught exception) writes what is left first; only a SIGKILL or a power
 * cut can lose the last few milliseconds' lines.
 */
export function createLogger(level: Config["logLevel"]): Logger {
  return pino({ level }, new TurnBuffered(pino.destination({ dest: 1, sync: false })));
}

type Destination = ReturnType<typeof pino.destination>;

/** Every TurnBuffered of the process, weakly (tests start many servers), and one exit listener for all. */
const holding = new Set<WeakRef<TurnBuffered>>();
let exitHandled = false;

/**
 * Collects the lines logged during one turn of the event loop and hands them to the destination
 * together at its end (setImmediate): one write system call for all the requests answered in that
 * turn rather than one each (under load, a write a line was the largest single cost of a request
 * after the socket's own; bench/README.md). Lines are never held longer than the turn.
 */
export class TurnBuffered {
  private pending = "";
  private scheduled = false;

  constructor(private readonly destination: Destination) {
    holding.add(new WeakRef(this));
    if (!exitHandled) {
      exitHandled = true;
      // Runs after the destinations' own exit handlers (pino.destination registers one before):
      // what a turn still holds is written synchronously, then the destination flushed again.
      process.on("exit", () => {
        for (const ref of holding) ref.deref()?.flushSync();
      });
    }
  }

  write(line: string): boolean {
    this.pending += line;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.handOver);
    }
    return true;
  }

  private readonly handOver = () => {
    this.scheduled = false;
    const text = this.pending;
    this.pending = "";
    if (text !== "") this.destination.write(text);
  };

  /** pino's logger.flush(): what this turn holds, then the destination's buffer. */
  flush(callback?: (error?: Error) => void): void {
    this.handOver();
    this.destination.flush(callback);
  }

  /** pino calls it after a fatal line, and exit does: everything written before returning. */
  flushSync(): void {
    this.handOver();
    try {
      this.destination.flushSync();
    } catch {
      // Not open yet, or already closed: nothing more can be written.
    }
  }
}

/** /api/v1/KEY/users/<userId> → /api/v1/KEY/users/[userId]: the userId is personal data. */
export function redactUserId(url: string): string {
  return url.replace(/(\/users\/)[^/?#]*/, "$1[userId]");
}

const REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * Express middleware: sets req.id and the X-Request-Id answer header (a caller's X-Request-Id is
 * kept when it looks like one, so logs can be correlated), and logs one line when the answer has
 * gone out (or the connection dropped): { req: { id, method, url }, res: { statusCode },
 * responseTime } with "request completed", "request aborted" or, from 500 on, "request errored".
 * Only what is safe: never headers (Authorization carries the key), and no end-user id (the
 * url's userId is redacted). The level is info, error from 500 on, except 501 (cancelJob's
 * documented answer for a job that has ended): info.
 */
export function requestLogger(logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const incoming = req.headers["x-request-id"];
    const id = typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader("X-Request-Id", id);
    if (logger.isLevelEnabled("error")) {
      const started = Date.now();
      const { method } = req;
      const url = redactUserId(req.url ?? "");
      // Node emits 'close' once on every response, after 'finish' or when the connection drops:
      // one listener covers both (on-finished adds socket listeners per request, for old Nodes).
      res.once("close", () => {
        const status = res.statusCode;
        const line = { req: { id, method, url }, res: { statusCode: status }, responseTime: Date.now() - started };
        if (status >= 500) {
          if (status === 501) logger.info(line, "request errored");
          else logger.error(line, "request errored");
        } else {
          logger.info(line, res.writableEnded && !req.readableAborted ? "request completed" : "request aborted");
        }
      });
    }
    next();
  };
}
