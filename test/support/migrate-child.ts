// A separate process that migrates the database named by argv[2], for the test of processes
// starting at once: it opens the store, prints "ready", waits for a line on stdin (the parent
// sends it to all children together), then migrates.
import { once } from "node:events";
import { openStore } from "../../server/store/index.js";

const store = await openStore(process.argv[2]);
try {
  process.stdout.write("ready\n");
  await once(process.stdin, "data");
  await store.migrate();
} finally {
  await store.close();
  process.stdin.destroy();
}
