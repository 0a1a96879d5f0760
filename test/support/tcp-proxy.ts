// A TCP proxy in front of a database, which a test controls: take it down (every connection
// closed, new ones refused) and up again on the same port; freeze it (nothing forwarded either
// way, new connections accepted and held: what a client sees of a server that stopped answering,
// a SIGSTOPped PostgreSQL) and thaw it; or refuse new connections (all, or those of one
// application_name) while the open ones go on.
import net from "node:net";

export interface TcpProxy {
  port: number;
  /** Closes every connection and stops listening. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Stops forwarding: bytes sent either way are held, connections stay open, new ones are accepted and held too. */
  freeze(): void;
  /** Forwards again, what was held first. */
  thaw(): void;
  /**
   * New connections are closed at once (true), or those whose first packet holds this text (a
   * PostgreSQL start-up message names the client's application_name), or none (false). Open
   * connections are not touched.
   */
  refuseNew(refuse: boolean | string): void;
  close(): Promise<void>;
}

export async function tcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  let refusing: boolean | string = false;
  const forward = (client: net.Socket, first: Buffer | undefined) => {
    const upstream = net.connect(port, host);
    if (first !== undefined) upstream.write(first);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      if (frozen) from.pause();
      // 'data' rather than pipe(): pause() then holds a socket's bytes until thaw() resumes it.
      from.on("data", (chunk) => to.write(chunk));
      from.on("error", () => from.destroy());
      from.on("close", () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  };
  const server = net.createServer((client) => {
    if (refusing === true) {
      client.destroy();
    } else if (typeof refusing === "string") {
      const text = refusing;
      client.on("error", () => client.destroy());
      client.once("data", (first) => {
        if (first.includes(text)) client.destroy();
        else forward(client, first);
      });
    } else {
      forward(client, undefined);
    }
  });
  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => server.once("error", reject).listen(at, "127.0.0.1", () => resolve()));
  await listen(0);
  const proxyPort = (server.address() as net.AddressInfo).port;
  return {
    port: proxyPort,
    async down() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
    up: () => listen(proxyPort),
    freeze() {
      frozen = true;
      for (const socket of sockets) socket.pause();
    },
    thaw() {
      frozen = false;
      for (const socket of sockets) socket.resume();
    },
    refuseNew(refuse) {
      refusing = refuse;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        if (server.listening) server.close(() => resolve());
        else resolve();
      }),
  };
}

/** The URL of `databaseUrl` through the proxy (same user, password and database). */
export function throughProxy(databaseUrl: string, proxy: TcpProxy): string {
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String(proxy.port);
  return url.toString();
}
