// The contract core: the spec read once (generated/contract.json) and what the server, the MSW
// handlers, the conformance kit, the scripts and the tests derive from it. Browser-safe and free of
// dependencies; the Ajv validators are apart, in ./validators.js, for code that carries Ajv.
export * from "./document.js";
export * from "./operations.js";
export * from "./problems.js";
export * from "./parameters.js";
export * from "./keys.js";
export * from "./logged-path.js";
export * from "./jobs.js";
export * from "./mock.js";
export * from "./request-id.js";
export * from "./pagination.js";
export * from "./test-mode.js";
