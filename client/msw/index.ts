// MSW (Mock Service Worker) handlers for the Jobs API, from the spec: `openreplay-jobs-api/msw`.
// Two flavours (docs/msw.md):
//   createExampleHandlers()  the spec's named examples, chosen like the Prism mock (`Prefer`)
//   createStatefulHandlers() an in-memory server: jobs are created, listed, cancelled, advanced
// Imports only msw, openapi-msw, generated/ and client/, so it works in Node (msw/node) and in
// browsers (msw/browser) and ships in the light client package (msw and openapi-msw are optional
// peer dependencies). Each handler answers its base URL only.
export {
  createExampleHandlers,
  DEFAULT_BASE_URL,
  exampleHandler,
  exampleResponse,
  type ExampleChoice,
  type ExampleHandlersOptions,
  type ExampleScenario,
} from "./examples.js";
export {
  createStatefulHandlers,
  DEFAULT_PROJECT_KEY,
  type StatefulHandlers,
  type StatefulHandlersOptions,
  type StatefulJobs,
  type TenantOptions,
} from "./stateful.js";
export { parsePrefer } from "./negotiate.js";
export type { OperationId } from "../contract/index.js";
