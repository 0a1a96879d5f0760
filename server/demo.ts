// `jobs-api demo` and `npm start`'s first run: a demo organization and project with sessions
// and a job in every status, so the API answers something real at once.
import type { Job, JobStatus, Store } from "./store/types.js";
import { startAtFor, type StartDelay } from "./config.js";
import { insertJob } from "./store/fixtures.js";

export const DEMO_ORGANIZATION = "Demo";
export const DEMO_PROJECT_KEY = "3sWXSsqHgSKnE87YkNJK"; // the original documentation's project key

export interface DemoCredentials {
  organization: string;
  apiKey: string;
  projectId: number;
  projectKey: string;
}

const DAY = 86_400_000;
const USERS = ["shekar@example.com", "mehdi@openreplay.com", "ana@example.com", "li@example.com", "omar@example.com"];

/** Fills an empty database. Returns undefined when the demo organization already exists. */
export async function seedDemo(
  store: Store,
  options: { now: number; startDelay: StartDelay; sessionsPerUser?: number },
): Promise<DemoCredentials | undefined> {
  if (await store.findOrganizationByName(DEMO_ORGANIZATION)) return undefined;
  const { organization, apiKey } = await store.createOrganization(DEMO_ORGANIZATION);
  const project = await store.createProject(
    organization.organizationId,
    "Demo web app",
    (await store.findProjectByKey(DEMO_PROJECT_KEY)) ? undefined : DEMO_PROJECT_KEY,
  );
  const { now } = options;
  const perUser = options.sessionsPerUser ?? 50;

  await store.importSessions(
    (async function* () {
      for (const userId of USERS) {
        yield Array.from({ length: perUser }, (_, i) => ({
          sessionId: `demo-${userId}-${i}`,
          projectId: project.projectId,
          userId,
          startedAt: now - (i + 1) * 3_600_000,
        }));
      }
    })(),
  );

  const job = (status: JobStatus, userId: string, ageDays: number, errors: string | null = null): Omit<Job, "jobId"> => {
    const createdAt = now - ageDays * DAY;
    const startAt = status === "scheduled" ? startAtFor(options.startDelay, now) : createdAt + 3_600_000;
    return {
      description: `Delete user sessions of userId = ${userId}`,
      status,
      projectId: project.projectId,
      action: "delete_user_data",
      referenceId: userId,
      createdAt,
      updatedAt: status === "scheduled" ? createdAt : startAt + 5_000,
      startAt,
      errors,
    };
  };
  // Finished jobs first (oldest), then the one still pending, so the list reads as a history.
  await insertJob(store, job("completed", "li@example.com", 5));
  await insertJob(store, job("failed", "omar@example.com", 4, "Deleting the sessions failed: the database did not answer in time."));
  await insertJob(store, job("cancelled", "ana@example.com", 3));
  // Left running by no live process: the runner takes it up (its lease is free) and finishes it.
  await insertJob(store, job("running", "mehdi@openreplay.com", 1));
  await insertJob(store, job("scheduled", "shekar@example.com", 0));

  return { organization: DEMO_ORGANIZATION, apiKey, projectId: project.projectId, projectKey: project.projectKey };
}

export function demoInstructions(url: string, credentials: DemoCredentials): string {
  const { apiKey, projectKey } = credentials;
  return [
    `Demo organization "${credentials.organization}", project ${projectKey}`,
    `API key (shown once; keep it): ${apiKey}`,
    "",
    "Try:",
    `  curl -s ${url}/api/v1/${projectKey}/jobs -H 'Authorization: ${apiKey}'`,
    `  curl -s -X DELETE ${url}/api/v1/${projectKey}/users/shekar@example.com -H 'Authorization: ${apiKey}'`,
  ].join("\n");
}
