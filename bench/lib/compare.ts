// Side-by-side HTTP measurements: every contender is loaded in turn, in every round, for the
// same number of seconds, and each figure is a ratio to a baseline measured in the same round
// (absolute numbers drift on these machines; ratios within a round drift much less). The order
// within a round rotates, so no contender always runs first or last.
import { cpuSeconds } from "./proc.js";
import type { LoadGenerator, LoadResult } from "./load.js";
import type { BenchServer } from "./servers.js";
import { summarize, type Summary } from "./stats.js";

export interface Case {
  /** Row label, e.g. "GET job". */
  name: string;
  /** Path and query: the same on every contender, or each contender's own (own tenant, own ids). */
  path: string | ((server: BenchServer) => string);
}

export interface Measurement extends LoadResult {
  /** Server CPU time per request (user + system, from /proc), microseconds. */
  cpuPerRequestUs: number;
}

export interface CompareOptions {
  load: LoadGenerator;
  servers: BenchServer[];
  cases: Case[];
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  /** Smoke runs: a fixed number of requests per measurement instead of `seconds` (autocannon counts whole seconds). */
  amount?: number;
  connections: number;
  /** Request headers: the same for every contender, or each one's own (its API key). */
  headers?: Record<string, string> | ((server: BenchServer) => Record<string, string>);
  log?(line: string): void;
}

export class Comparison {
  constructor(private readonly results: Map<string, Measurement[]>) {}

  static key(server: string, kase: string): string {
    return `${server}\u0000${kase}`;
  }

  rounds(server: BenchServer, kase: Case): Measurement[] {
    const found = this.results.get(Comparison.key(server.name, kase.name));
    if (found === undefined) throw new Error(`no measurements of ${server.name} / ${kase.name}`);
    return found;
  }

  summary(server: BenchServer, kase: Case, metric: (m: Measurement) => number): Summary {
    return summarize(this.rounds(server, kase).map(metric));
  }

  /** Throughput of `server` divided by `baseline`'s, round by round. */
  ratio(server: BenchServer, baseline: BenchServer, kase: Case): Summary {
    const base = this.rounds(baseline, kase);
    return summarize(this.rounds(server, kase).map((m, round) => m.rps / base[round]!.rps));
  }

  /** `baseline`'s CPU per request divided by `server`'s, round by round (1 = as cheap). */
  cpuRatio(server: BenchServer, baseline: BenchServer, kase: Case): Summary {
    const base = this.rounds(baseline, kase);
    return summarize(this.rounds(server, kase).map((m, round) => base[round]!.cpuPerRequestUs / m.cpuPerRequestUs));
  }

  toJSON(): Record<string, Measurement[]> {
    return Object.fromEntries([...this.results].map(([key, value]) => [key.replace("\u0000", " / "), value]));
  }
}

export async function measureOnce(
  load: LoadGenerator,
  server: BenchServer,
  path: string,
  options: { seconds: number; amount?: number; connections: number; headers?: Record<string, string>; rate?: number },
): Promise<Measurement> {
  const before = cpuSeconds(server.pid);
  const result = await load.runClean({
    url: server.url + path,
    connections: options.connections,
    seconds: options.seconds,
    amount: options.amount,
    headers: options.headers,
    rate: options.rate,
  });
  const cpu = cpuSeconds(server.pid) - before;
  return { ...result, cpuPerRequestUs: (cpu / result.requests) * 1e6 };
}

/** The warm-up, and for a smoke run (the tests' quick pass) a fixed small number of requests instead. */
export function warmup(smoke: boolean, seconds: number): Pick<CompareOptions, "amount" | "warmupSeconds"> {
  return smoke ? { amount: 200, warmupSeconds: 0.2 } : { warmupSeconds: seconds };
}

export async function compare(options: CompareOptions): Promise<Comparison> {
  const { load, servers, cases, rounds } = options;
  const path = (kase: Case, server: BenchServer) => (typeof kase.path === "string" ? kase.path : kase.path(server));
  const settings = (server: BenchServer) => ({
    connections: options.connections,
    amount: options.amount,
    headers: typeof options.headers === "function" ? options.headers(server) : options.headers,
  });
  // Warm-up: JIT, caches, connection pools; not recorded.
  for (const kase of cases) {
    for (const server of servers) {
      await measureOnce(load, server, path(kase, server), { ...settings(server), seconds: options.warmupSeconds });
    }
  }
  const results = new Map<string, Measurement[]>();
  for (let round = 0; round < rounds; round++) {
    for (const kase of cases) {
      for (let i = 0; i < servers.length; i++) {
        const server = servers[(i + round) % servers.length]!;
        const m = await measureOnce(load, server, path(kase, server), { ...settings(server), seconds: options.seconds });
        const key = Comparison.key(server.name, kase.name);
        results.set(key, [...(results.get(key) ?? []), m]);
        options.log?.(
          `  round ${round + 1}/${rounds}, ${kase.name}, ${server.name}: ${Math.round(m.rps)} req/s, p99 ${m.p99.toFixed(2)} ms, ` +
            `${m.cpuPerRequestUs.toFixed(1)} µs CPU/request`,
        );
      }
    }
  }
  return new Comparison(results);
}
