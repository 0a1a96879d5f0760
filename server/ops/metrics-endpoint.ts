// GET /metrics, on a listener of its own (METRICS_PORT), bound to METRICS_HOST: loopback unless
// told otherwise. Never on the API's port: whoever can call the API must not read the metrics,
// nor make the process render them at will. A rendering is kept for SCRAPE_CACHE_MS, so a flood
// of scrapes costs one rendering a second. Every answer follows the API's house rules: a problem
// body for an error, an X-Request-Id, Allow on a 405.
import type http from "node:http";
import { performance } from "node:perf_hooks";
import { PROBLEM_CONTENT_TYPE, kindForStatus, problemBody, requestIdFor } from "../../client/contract/index.js";
import { METRICS_PATH, type Metrics } from "./metrics.js";

/** How long one rendering of the metrics answers scrapes (Prometheus scrapes every 15 s or more). */
export const SCRAPE_CACHE_MS = 1_000;

/**
 * `render`, called at most once per `ttlMs`: callers within that time (and while a rendering is
 * under way) share its result. A failed rendering is not kept.
 */
export function cachedRendering(
  render: () => Promise<string>,
  ttlMs = SCRAPE_CACHE_MS,
  clock: () => number = () => performance.now(),
): () => Promise<string> {
  let last: { text: Promise<string>; at: number } | undefined;
  return () => {
    const now = clock();
    if (last === undefined || now - last.at >= ttlMs) {
      const text = render();
      const entry = { text, at: now };
      last = entry;
      text.catch(() => {
        if (last === entry) last = undefined;
      });
    }
    return last.text;
  };
}

/** The request listener of the metrics port. */
export function metricsListener(metrics: Metrics): http.RequestListener {
  const scrape = cachedRendering(() => metrics.scrape());
  return (req, res) => {
    const incoming = req.headers["x-request-id"];
    const requestId = requestIdFor(typeof incoming === "string" ? incoming : undefined);
    res.setHeader("X-Request-Id", requestId);
    const problem = (status: number, detail: string) => {
      const body = JSON.stringify(problemBody(status, detail, { kind: kindForStatus(status), requestId }));
      res.writeHead(status, { "Content-Type": PROBLEM_CONTENT_TYPE, "Content-Length": Buffer.byteLength(body) }).end(body);
    };
    // Case sensitive and strict, as the API's paths: /METRICS and /metrics/ are no endpoint.
    if ((req.url ?? "").split("?")[0] !== METRICS_PATH) {
      problem(404, `Nothing here: this port serves GET ${METRICS_PATH} only.`);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      problem(405, `${req.method} is not allowed on ${METRICS_PATH}; use GET.`);
      return;
    }
    scrape().then(
      (text) =>
        res
          .writeHead(200, { "Content-Type": metrics.registry.contentType, "Content-Length": Buffer.byteLength(text) })
          .end(req.method === "HEAD" ? undefined : text),
      () => problem(500, "Collecting the metrics failed."),
    );
  };
}
