// Shutdown always ends: a client that sends half a request (its headers never finished) must not
// keep `jobs-api serve` or the sandbox alive. http.Server.close() stops the timer that enforces
// headersTimeout and waits for every connection with no deadline; the server closes what is
// left once the header timeout has passed after the drain, and at once on a second signal.
import { existsSync } from "node:fs";
import net from "node:net";
import { dirname } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TIMEOUTS } from "../../server/http/server.js";
import { spawnCli, waitForOutput } from "../support/cli.js";
import { httpRequest, spawnServe, waitFor, type ServeProcess } from "../reliability/support.js";

/** A connection that sends a request line and one header, and never the end of its headers. */
async function halfSentRequest(port: number): Promise<net.Socket> {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => undefined); // the server closing it is what the test waits for
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  return socket;
}

/** Milliseconds from now until the child has exited (bounded: a hang fails the test). */
function exitTime(child: ServeProcess["child"], boundMs: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(0);
    const timer = setTimeout(() => reject(new Error(`the process did not exit within ${boundMs} ms`)), boundMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

describe("jobs-api serve with a half-sent request", () => {
  const servers: ServeProcess[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop("SIGKILL")));
  });

  it("exits after SIGTERM within the drain plus the header timeout, exit 0", { timeout: 120_000 }, async () => {
    const serve = await spawnServe({ DATABASE_URL: "sqlite::memory:", JOBS_RUNNER: "off", SHUTDOWN_DRAIN: "500ms" }, "shutdown-half");
    servers.push(serve);
    const socket = await halfSentRequest(serve.port);
    const closedByServer = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    expect((await httpRequest(serve.url, "/healthz")).status).toBe(200); // the server is not stuck
    serve.child.kill("SIGTERM");
    // Generous (a busy machine): before the fix the process never exited.
    await exitTime(serve.child, 500 + TIMEOUTS.headersMs + 30_000);
    expect(serve.child.exitCode).toBe(0);
    await closedByServer;
  });

  it("a second SIGTERM during the drain exits at once, not after the header timeout", async () => {
    const serve = await spawnServe({ DATABASE_URL: "sqlite::memory:", JOBS_RUNNER: "off", SHUTDOWN_DRAIN: "10m" }, "shutdown-second");
    servers.push(serve);
    await halfSentRequest(serve.port);
    serve.child.kill("SIGTERM");
    await waitFor("/readyz to answer 503", async () => ((await httpRequest(serve.url, "/readyz")).status === 503 ? true : undefined));
    serve.child.kill("SIGTERM");
    // Well under the header timeout: the half-sent request is cut, not waited for.
    expect(await exitTime(serve.child, TIMEOUTS.headersMs - 1_000)).toBeLessThan(TIMEOUTS.headersMs);
    expect(serve.child.exitCode).toBe(0);
  });
});

describe("the sandbox with a half-sent request", () => {
  it("exits after SIGTERM, removing its database; a second signal exits at once", { timeout: 180_000 }, async () => {
    for (const signals of [1, 2]) {
      const child = spawnCli(["sandbox"], { PORT: "0", HOST: "127.0.0.1" });
      try {
        const [printed] = await waitForOutput(child, /[\s\S]*Ctrl-C stops the sandbox[^\n]*\n/, 60_000);
        const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(printed)![1]);
        const database = /Database\s+(\S+)/.exec(printed)![1]!;
        await halfSentRequest(port);
        child.kill("SIGTERM");
        if (signals === 2) {
          await waitForOutput(child, /SIGTERM: stopping the sandbox/);
          child.kill("SIGTERM");
          expect(await exitTime(child, TIMEOUTS.headersMs - 1_000)).toBeLessThan(TIMEOUTS.headersMs);
        } else {
          await exitTime(child, TIMEOUTS.headersMs + 30_000);
        }
        expect(child.exitCode).toBe(0);
        expect(existsSync(dirname(database))).toBe(false);
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    }
  });
});
