// The contract core (client/contract/, TypeScript) for the .mjs scripts, loaded through tsx's API:
// `node scripts/x.mjs` reads the same operation table as the server, the mocks and the tests.
import { tsImport } from "tsx/esm/api";

/** client/contract/index.ts: contract (the operation table), fillPath, responseFor, JOB_STATUSES, ... */
export const core = await tsImport("../../client/contract/index.ts", import.meta.url);
