/**
 * A loopback TCP proxy that can make connections go silent: they stay open but nothing
 * passes either way, as on a half-open link behind a firewall or to a hung server. `freeze`
 * holds the bytes of the links open now (new ones pass); `cut` drops the bytes of every link,
 * new ones too, until `mend`. For testing what a node does when its connection to PostgreSQL
 * goes silent without closing.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections open through the proxy now. */
  readonly open: number;
  /** Holds every byte on the connections open now; nothing is closed. */
  freeze(): void;
  /** Delivers what was held, in order, and passes bytes again. */
  thaw(): void;
  /** Every link, open now or made until `mend`, drops every byte from now on: dead for good. */
  cut(): void;
  /** New links pass again; those made or open during the cut stay dead. */
  mend(): void;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket;
  frozen: boolean;
  dead: boolean;
  held: [Socket, Buffer][];
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const links = new Set<Link>();
  let cut = false;
  const server = createServer((client) => {
    const link: Link = { client, upstream: connect(target.port, target.host), frozen: false, dead: cut, held: [] };
    links.add(link);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (link.dead) return;
        if (link.frozen) link.held.push([to, chunk]);
        else to.write(chunk);
      });
    forward(link.client, link.upstream);
    forward(link.upstream, link.client);
    const end = () => {
      link.client.destroy();
      link.upstream.destroy();
      links.delete(link);
    };
    for (const s of [link.client, link.upstream]) s.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    get open() {
      return links.size;
    },
    freeze() {
      for (const link of links) link.frozen = true;
    },
    thaw() {
      for (const link of links) {
        link.frozen = false;
        for (const [to, chunk] of link.held.splice(0)) if (!to.destroyed) to.write(chunk);
      }
    },
    cut() {
      cut = true;
      for (const link of links) link.dead = true;
    },
    mend() {
      cut = false;
    },
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
