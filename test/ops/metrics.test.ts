// Prometheus metrics, scraped after a flow: a job created and run by the runner (one batch
// after another), a job taken over after its lease expired, a job created and cancelled, an
// unknown route. One registry per server: two servers in this process count apart.
import { afterEach, describe, expect, it } from "vitest";
import { databases, seedTenant } from "../support/databases.js";
import { addSessions } from "../support/jobs.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { httpRequest, waitFor } from "../reliability/support.js";
import type { Config } from "../../server/config.js";
import { SCRAPE_CACHE_MS, cachedRendering } from "../../server/ops/metrics-endpoint.js";
import { networkInterfaces } from "node:os";

/** The samples of a text exposition: `name{labels}` -> value. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    map.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return map;
}

describe.each(databases)("metrics on $name", (database) => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  async function server(config: Partial<Config> = {}): Promise<TestServer> {
    const started = await startTestServer(await database.url(), { metricsPort: 0, ...config });
    servers.push(started);
    return started;
  }
  /** The metrics listener's samples: `running` a server, or the base URL of a listener. */
  async function scrape(running: TestServer | string): Promise<Map<string, number>> {
    const url = typeof running === "string" ? running : running.metricsUrl!.replace(/\/metrics$/, "");
    const answer = await httpRequest(url, "/metrics");
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    return samples(answer.text);
  }

  it("count requests by operationId and status, job transitions, sessions deleted, batches and lease takeovers", async () => {
    // The runner polls often and jobs wait an hour: the test moves the clock to make one due.
    // batchTimeMs 0: every batch is batchSize (adaptive sizing would make the count depend on speed).
    const running = await server({
      runner: true,
      pollIntervalMs: 10,
      batchSize: 10,
      batchTimeMs: 0,
      startDelay: { kind: "delay", ms: 3_600_000 },
    });
    const { apiKey, project } = await seedTenant(running.store, "Acme");
    await addSessions(running.store, project.projectId, "ana@example.com", 25);
    await addSessions(running.store, project.projectId, "li@example.com", 5);
    const base = `/api/v1/${project.projectKey}`;

    // A job created, then run once the clock passes its startAt: 25 sessions in 3 batches.
    const created = await running.call("DELETE", `${base}/users/ana@example.com`, { key: apiKey });
    expect(created.body.data.status).toBe("scheduled");
    running.clock.now += 2 * 3_600_000;
    await waitFor("the job to complete", async () => {
      const job = await running.call("GET", `${base}/jobs/${created.body.data.jobId}`, { key: apiKey });
      return job.body.data.status === "completed" ? true : undefined;
    });
    // A job that a dead runner held: claimed (outside this server) with a lease that then runs
    // out, so this server's runner takes it over. Due an hour later, so only that claim sees it.
    const later = running.clock.now + 3_600_000;
    const orphan = (await running.store.scheduleUserDeletion(project.projectId, "li@example.com", running.clock.now, later)).job;
    expect((await running.store.claimDueJob(later, 1000, "dead-worker"))?.job.jobId).toBe(orphan.jobId);
    running.clock.now = later + 5000;
    await waitFor("the orphaned job to complete", async () => {
      const job = await running.call("GET", `${base}/jobs/${orphan.jobId}`, { key: apiKey });
      return job.body.data.status === "completed" ? true : undefined;
    });
    // A job created and cancelled before it started.
    const toCancel = await running.call("DELETE", `${base}/users/omar@example.com`, { key: apiKey });
    const cancelled = await running.call("DELETE", `${base}/jobs/${toCancel.body.data.jobId}`, { key: apiKey });
    expect(cancelled.status).toBe(200);
    // A read the fast path answers (counted under its operation, not "unmatched").
    expect((await running.call("GET", `${base}/jobs`, { key: apiKey })).status).toBe(200);
    // Answers without an operation, and a 401.
    expect((await httpRequest(running.url, "/nowhere")).status).toBe(404);
    expect((await running.call("GET", `${base}/jobs`, { key: null })).status).toBe(401);

    const m = await scrape(running);
    expect(m.get('jobs_api_http_requests_total{operation="deleteUserData",status="200"}')).toBe(2);
    expect(m.get('jobs_api_http_requests_total{operation="cancelJob",status="200"}')).toBe(1);
    expect(m.get('jobs_api_http_requests_total{operation="listJobs",status="401"}')).toBe(1);
    expect(m.get('jobs_api_http_requests_total{operation="listJobs",status="200"}')).toBe(1);
    expect(m.get('jobs_api_http_requests_total{operation="getJob",status="200"}')).toBeGreaterThanOrEqual(2);
    expect(m.get('jobs_api_http_requests_total{operation="unmatched",status="200"}')).toBeUndefined();
    expect(m.get('jobs_api_http_requests_total{operation="unmatched",status="404"}')).toBe(1);
    expect(m.get('jobs_api_http_request_duration_seconds_count{operation="cancelJob",status="200"}')).toBe(1);
    expect(m.get('jobs_api_http_request_duration_seconds_bucket{le="+Inf",operation="cancelJob",status="200"}')).toBe(1);
    // Counted where this server made the change (the orphan was scheduled and first claimed
    // outside it): two created through the API, two claims (one a takeover), two completed.
    expect(m.get('jobs_api_job_transitions_total{status="scheduled"}')).toBe(2);
    expect(m.get('jobs_api_job_transitions_total{status="running"}')).toBe(2);
    expect(m.get('jobs_api_job_transitions_total{status="completed"}')).toBe(2);
    expect(m.get('jobs_api_job_transitions_total{status="cancelled"}')).toBe(1);
    expect(m.has('jobs_api_job_transitions_total{status="failed"}')).toBe(false);
    expect(m.get("jobs_api_lease_takeovers_total")).toBe(1);
    expect(m.get("jobs_api_sessions_deleted_total")).toBe(30);
    // ana: 10 + 10 + 5 and the empty batch that finds nothing left; li: 5 and the empty one.
    expect(m.get("jobs_api_runner_batch_duration_seconds_count")).toBe(6);
    expect(m.get(`jobs_api_db_info{dialect="${database.name}"}`)).toBe(1);
    if (database.name === "postgres") {
      expect(m.get('jobs_api_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
      expect(m.has('jobs_api_db_pool_connections{state="idle"}')).toBe(true);
      expect(m.get('jobs_api_db_pool_connections{state="waiting"}')).toBe(0);
    } else {
      expect([...m.keys()].some((k) => k.startsWith("jobs_api_db_pool_connections"))).toBe(false);
    }
    // Node's own metrics come with the scrape.
    expect(m.has("process_cpu_user_seconds_total")).toBe(true);
    // No raw path, key or user id in any label.
    const text = (await httpRequest(running.metricsUrl!.replace(/\/metrics$/, ""), "/metrics")).text;
    for (const secret of [apiKey, "ana@example.com", project.projectKey, "/nowhere"]) expect(text).not.toContain(secret);
  });

  it("two servers in one process keep their own counts (a registry each)", async () => {
    const one = await server();
    const two = await server();
    await httpRequest(one.url, "/nowhere");
    await httpRequest(one.url, "/nowhere");
    await httpRequest(two.url, "/nowhere");
    expect((await scrape(one)).get('jobs_api_http_requests_total{operation="unmatched",status="404"}')).toBe(2);
    expect((await scrape(two)).get('jobs_api_http_requests_total{operation="unmatched",status="404"}')).toBe(1);
  });

  it("METRICS=off: no metrics listener, and no /metrics on the API's port (a 404 problem like any unknown path)", async () => {
    const running = await server({ metrics: false });
    expect(running.metrics).toBeUndefined();
    expect(running.metricsUrl).toBeUndefined();
    const answer = await httpRequest(running.url, "/metrics");
    expect(answer.status).toBe(404);
    expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
  });

  it("the API's port never serves /metrics, also with HOST=0.0.0.0: the metrics listener binds loopback unless METRICS_HOST says otherwise", async () => {
    const running = await server({ host: "0.0.0.0" });
    expect(running.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const api = `http://127.0.0.1:${running.port}`;
    const answer = await httpRequest(api, "/metrics");
    expect(answer.status).toBe(404);
    expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
    await httpRequest(api, "/healthz");
    expect((await scrape(running)).get('jobs_api_http_requests_total{operation="healthz",status="200"}')).toBe(1);
    // From another address of this machine, the API answers and the metrics port does not.
    const other = Object.values(networkInterfaces())
      .flat()
      .find((address) => address !== undefined && address.family === "IPv4" && !address.internal)?.address;
    if (other !== undefined) {
      expect((await httpRequest(`http://${other}:${running.port}`, "/healthz")).status).toBe(200);
      const metricsPort = Number(new URL(running.metricsUrl!).port);
      await expect(httpRequest(`http://${other}:${metricsPort}`, "/metrics")).rejects.toThrow(/ECONNREFUSED/);
    }
  });

  it("no METRICS_PORT: metrics are counted but served nowhere", async () => {
    const running = await server({ metricsPort: undefined });
    expect(running.metrics).toBeDefined();
    expect(running.metricsUrl).toBeUndefined();
    expect((await httpRequest(running.url, "/metrics")).status).toBe(404);
  });

  it("the metrics listener answers as the API does: problems with X-Request-Id, Allow on a 405, exact paths", async () => {
    const running = await server();
    const base = running.metricsUrl!.replace(/\/metrics$/, "");
    const ok = await httpRequest(base, "/metrics");
    expect(ok.headers["x-request-id"]).toMatch(/^[\w.:-]{1,64}$/);
    expect((await httpRequest(base, "/metrics", { method: "HEAD" })).status).toBe(200);
    const post = await httpRequest(base, "/metrics", { method: "POST", headers: { "X-Request-Id": "scrape-1" } });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
    expect(post.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(post.headers["x-request-id"]).toBe("scrape-1");
    expect(post.body).toMatchObject({ status: 405, type: "urn:problem:jobs-api:method-not-allowed", requestId: "scrape-1" });
    for (const path of ["/other", "/METRICS", "/metrics/"]) {
      const answer = await httpRequest(base, path);
      expect(answer.status, path).toBe(404);
      expect(answer.headers["content-type"], path).toMatch(/^application\/problem\+json/);
      expect(answer.body, path).toMatchObject({ status: 404, requestId: answer.headers["x-request-id"] });
    }
  });
});

describe("a scrape's rendering", () => {
  it("is shared by the scrapes within SCRAPE_CACHE_MS, and renewed after it; a failed one is not kept", async () => {
    let now = 0;
    let renders = 0;
    let fail = false;
    const render = async () => {
      renders++;
      if (fail) throw new Error("collect failed");
      return `rendering ${renders}`;
    };
    const scrape = cachedRendering(render, SCRAPE_CACHE_MS, () => now);
    const flood = await Promise.all(Array.from({ length: 32 }, () => scrape()));
    expect(new Set(flood)).toEqual(new Set(["rendering 1"]));
    now += SCRAPE_CACHE_MS - 1;
    expect(await scrape()).toBe("rendering 1");
    now += 1;
    expect(await scrape()).toBe("rendering 2");
    now += SCRAPE_CACHE_MS;
    fail = true;
    await expect(scrape()).rejects.toThrow("collect failed");
    fail = false;
    expect(await scrape()).toBe("rendering 4");
    expect(renders).toBe(4);
  });
});
