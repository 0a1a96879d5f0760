// For the pages of the MSW browser tests: starts MSW's service worker and tells the test, through
// window.mswStarted or window.mswError, that it controls the page (or why it does not).
import type { SetupWorker } from "msw/browser";

declare global {
  interface Window {
    mswStarted?: boolean;
    mswError?: string;
  }
}

export function startWorker(worker: SetupWorker): void {
  worker
    .start({ serviceWorker: { url: "/mockServiceWorker.js" }, onUnhandledRequest: "error", quiet: true })
    .then(() => {
      window.mswStarted = true;
    })
    .catch((error: unknown) => {
      window.mswError = String(error);
    });
}
