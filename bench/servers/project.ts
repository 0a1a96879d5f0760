// The project's server, started the way `jobs-api serve` starts it (startServer), with the
// settings given as JSON in argv[2] (Partial<Config>). Its logs go to stdout as in production;
// the bench points stdout at /dev/null.
import { startServer } from "../../server/index.js";
import type { Config } from "../../server/config.js";

const config = JSON.parse(process.argv[2] ?? "{}") as Partial<Config>;
const running = await startServer({ config: { port: 0, host: "127.0.0.1", rateLimit: 0, ...config } });
process.send!({ ready: true, url: running.url });
process.on("SIGTERM", () => void running.close().then(() => process.exit(0)));
