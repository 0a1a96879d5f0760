// The page script of the Chromium test (test/msw/browser.test.ts), bundled by esbuild: starts the
// MSW service worker (msw/browser) with the example-based handlers on one API origin and the
// stateful handlers on another, and exposes flows that call them through the typed client.
import { setupWorker } from "msw/browser";
import { startWorker } from "./page-worker.js";
import { createJobsClient } from "../../client/index.js";
import { createExampleHandlers, createStatefulHandlers, DEFAULT_PROJECT_KEY } from "../../client/msw/index.js";

// Names under .invalid never resolve: every answer the page gets comes from the service worker.
export const EXAMPLES_API = "http://examples.jobs-api.invalid";
export const STATEFUL_API = "http://stateful.jobs-api.invalid";
const DOC_PROJECT_KEY = "3sWXSsqHgSKnE87YkNJK";

const stateful = createStatefulHandlers({ baseUrl: STATEFUL_API });
const worker = setupWorker(...createExampleHandlers({ baseUrl: EXAMPLES_API }), ...stateful.handlers);

async function examples() {
  const client = createJobsClient({ baseUrl: EXAMPLES_API, apiKey: "any-key" });
  const path = { projectKey: DOC_PROJECT_KEY, jobId: 3451 };
  const byDefault = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path } });
  const completed = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", {
    params: { path },
    headers: { Prefer: "example=completedJob" },
  });
  const notFound = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path }, headers: { Prefer: "code=404" } });
  const noKey = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path }, headers: { Authorization: null } });
  const list = await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey: DOC_PROJECT_KEY } } });
  return {
    byDefault: byDefault.data,
    completed: completed.data,
    notFound: { status: notFound.response.status, error: notFound.error },
    noKey: { status: noKey.response.status, error: noKey.error },
    list: { data: list.data, link: list.response.headers.get("Link") },
  };
}

async function statefulFlow() {
  const client = createJobsClient({ baseUrl: STATEFUL_API, apiKey: "browser-key" });
  const projectKey = DEFAULT_PROJECT_KEY;
  const schedule = (userId: string) => client.DELETE("/api/v1/{projectKey}/users/{userId}", { params: { path: { projectKey, userId } } });
  const get = (jobId: number) => client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId } } });
  const cancel = (jobId: number) => client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId } } });

  const created = (await schedule("shekar@example.com")).data!.data;
  const again = (await schedule("shekar@example.com")).data!.data;
  const other = (await schedule("ana@example.com")).data!.data;
  const third = (await schedule("li@example.com")).data!.data;
  const listed = [];
  for await (const job of client.listAllJobs(projectKey, { pageSize: 2 })) listed.push(job.jobId);
  const firstPage = await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey }, query: { limit: 2 } } });

  stateful.jobs.advance(created.jobId, "running");
  const running = (await get(created.jobId)).data!.data.status;
  stateful.jobs.advance(created.jobId, "completed");
  const completed = (await get(created.jobId)).data!.data.status;

  const cancelled = (await cancel(other.jobId)).data?.data.status;
  const secondCancel = await cancel(other.jobId);
  return {
    created,
    sameJobAgain: again.jobId === created.jobId,
    thirdJobId: third.jobId,
    listed,
    link: firstPage.response.headers.get("Link"),
    running,
    completed,
    cancelled,
    secondCancel: { status: secondCancel.response.status, error: secondCancel.error },
    inStore: stateful.jobs.list(projectKey).map((j) => [j.jobId, j.status]),
  };
}

declare global {
  interface Window {
    runExamples?: typeof examples;
    runStatefulFlow?: typeof statefulFlow;
  }
}

window.runExamples = examples;
window.runStatefulFlow = statefulFlow;
startWorker(worker);
