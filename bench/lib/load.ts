// The parent's side of the load generator: one long-lived autocannon process on its own core.
import type { ChildProcess } from "node:child_process";
import { LOAD_CORE, spawnNode, stop } from "./proc.js";

export interface LoadRequest {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  method?: string;
  /** Requests per second over all connections (a fixed rate); unset = as fast as possible. */
  rate?: number;
  /** Stop after this many requests (instead of after `seconds`). */
  amount?: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Latency percentiles and maximum, milliseconds. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Responses that were not 2xx, and connection errors or timeouts: a measurement with any is void. */
  non2xx: number;
  errors: number;
}

export class LoadGenerator {
  private nextId = 1;
  private pending = new Map<number, { resolve(r: LoadResult): void; reject(e: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (message: { id?: number; result?: LoadResult; error?: string }) => {
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (waiting === undefined) return;
      this.pending.delete(message.id!);
      if (message.error !== undefined) waiting.reject(new Error(message.error));
      else waiting.resolve(message.result!);
    });
    child.on("exit", () => {
      for (const waiting of this.pending.values()) waiting.reject(new Error("the load generator exited"));
      this.pending.clear();
    });
  }

  static async start(): Promise<LoadGenerator> {
    const child = spawnNode(LOAD_CORE, ["bench/lib/load-worker.ts"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    await new Promise<void>((resolve, reject) => {
      child.once("message", () => resolve());
      child.once("exit", (code) => reject(new Error(`the load generator exited (${code}) at start`)));
    });
    return new LoadGenerator(child);
  }

  run(request: LoadRequest): Promise<LoadResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, request });
    });
  }

  /** Ends the run in progress now (it answers what it measured so far). */
  stopRun(): void {
    this.child.send({ stop: true });
  }

  /** Like run(), but fails when any answer was not 2xx or any connection failed. */
  async runClean(request: LoadRequest): Promise<LoadResult> {
    const result = await this.run(request);
    if (result.non2xx > 0 || result.errors > 0 || result.requests === 0) {
      throw new Error(`${request.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors in ${result.requests} requests`);
    }
    return result;
  }

  close(): Promise<void> {
    return stop(this.child);
  }
}
