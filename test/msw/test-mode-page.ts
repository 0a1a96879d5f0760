// The page of test/msw/test-mode-browser.test.ts, bundled by esbuild: a small screen as a frontend
// would write it, on the stateful MSW handlers in MSW's service worker. It deletes a user's data,
// follows the job, shows each status it sees and, when the job failed, its errors.
import { setupWorker } from "msw/browser";
import { startWorker } from "./page-worker.js";
import { createJobsClient, type Job } from "../../client/index.js";
import { createStatefulHandlers, DEFAULT_PROJECT_KEY } from "../../client/msw/index.js";

/** Never resolves: every answer the page gets comes from the service worker. */
const API = "http://jobs.test-mode.invalid";
const FINAL = ["completed", "failed", "cancelled"];

const worker = setupWorker(...createStatefulHandlers({ baseUrl: API }).handlers);
const client = createJobsClient({ baseUrl: API, apiKey: "browser-key" });

document.body.innerHTML = `
  <main style="font: 16px system-ui; max-width: 40rem; margin: 2rem auto">
    <h1>Delete a user's data</h1>
    <form id="delete"><input name="userId" value="fail@test.example" size="30"> <button>Delete</button></form>
    <p>Job <output id="job">–</output>: <output id="status">not started</output></p>
    <ol id="history"></ol>
    <p id="errors" role="alert" hidden style="color: #b00020"></p>
  </main>`;
const $ = (id: string) => document.getElementById(id)!;

function show(job: Job): void {
  $("job").textContent = String(job.jobId);
  $("status").textContent = job.status;
  if ($("history").lastElementChild?.textContent !== job.status) $("history").insertAdjacentHTML("beforeend", `<li>${job.status}</li>`);
  if (job.status === "failed") {
    $("errors").textContent = `The deletion failed: ${job.errors}`;
    $("errors").hidden = false;
  }
}

$("delete").addEventListener("submit", (event) => {
  event.preventDefault();
  const userId = new FormData(event.target as HTMLFormElement).get("userId") as string;
  void (async () => {
    const path = { projectKey: DEFAULT_PROJECT_KEY };
    const { data, error } = await client.DELETE("/api/v1/{projectKey}/users/{userId}", { params: { path: { ...path, userId } } });
    if (error) return void ($("status").textContent = error.detail);
    let job = data.data;
    show(job);
    while (!FINAL.includes(job.status)) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      job = (await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { ...path, jobId: job.jobId } } })).data!.data;
      show(job);
    }
  })();
});

startWorker(worker);
