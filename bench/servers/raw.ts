// The limit: node:http answering prepared JSON bodies from memory, one Map lookup per request.
// argv[2]: a JSON file of { "<path and query>": <body> } (the same answers the API gives).
import http from "node:http";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";

const answers = new Map<string, Buffer>(
  Object.entries(JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Record<string, unknown>).map(([url, body]) => [
    url,
    Buffer.from(JSON.stringify(body)),
  ]),
);

const server = http.createServer((req, res) => {
  const body = answers.get(req.url!);
  if (body === undefined) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": body.length });
  res.end(body);
});
server.keepAliveTimeout = 5000;
server.listen(0, "127.0.0.1", () => {
  process.send!({ ready: true, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
