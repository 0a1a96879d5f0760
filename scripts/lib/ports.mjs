// A free TCP port, for a child process that must be told its port (Prism, PostgreSQL, a client
// smoke test): the one copy for scripts/, test/ and bench/ (types in ports.d.mts).
import { createServer } from "node:net";

/** A port the OS says is free on 127.0.0.1 now (it may be taken before it is used; unlikely). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
