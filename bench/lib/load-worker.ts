// The load generator process (pinned to its own core): runs autocannon when the parent asks,
// over IPC, and answers throughput and its own latency percentiles. Latencies are recorded
// here from every response, in fractional milliseconds: autocannon's histogram keeps whole
// milliseconds only, too coarse for a 1-2 ms p99.
import autocannon from "autocannon";
import type { LoadRequest, LoadResult } from "./load.js";

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

let current: { stop(): void } | undefined;

async function measure(request: LoadRequest): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let non2xx = 0;
  const instance = autocannon({
    url: request.url,
    connections: request.connections,
    duration: request.seconds,
    headers: request.headers,
    method: request.method ?? "GET",
    ...(request.rate !== undefined && { overallRate: request.rate }),
    ...(request.amount !== undefined && { amount: request.amount }),
    timeout: 30,
  });
  instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode < 200 || statusCode > 299) non2xx++;
    if (count === latencies.length) {
      const larger = new Float64Array(latencies.length * 2);
      larger.set(latencies);
      latencies = larger;
    }
    latencies[count++] = responseTime;
  });
  current = instance as unknown as { stop(): void };
  const started = performance.now();
  const result = await instance;
  current = undefined;
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.subarray(0, count).sort();
  return {
    requests: count,
    seconds,
    rps: count / seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    max: count > 0 ? sorted[count - 1]! : NaN,
    non2xx,
    errors: result.errors + result.timeouts,
  };
}

process.on("message", (message: { id: number; request?: LoadRequest; stop?: boolean }) => {
  if (message.stop) {
    current?.stop();
    return;
  }
  if (message.request === undefined) return;
  measure(message.request).then(
    (result) => process.send!({ id: message.id, result }),
    (error: unknown) => process.send!({ id: message.id, error: String(error) }),
  );
});
process.send!({ ready: true });
