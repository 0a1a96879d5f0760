// Where the mocks answer by default: the Prism mock (`npm run mock`, mock/start.mjs) listens here,
// the MSW handlers answer this base URL unless told another, and the docs use it throughout
// (test/docs/mock-defaults.test.ts holds them to it).
export const MOCK_BASE_URL = "http://127.0.0.1:4010";
