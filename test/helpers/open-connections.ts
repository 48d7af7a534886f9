import type { Server } from 'node:net';

/** Connections open on the server's side right now. */
export function openConnections(server: Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

/**
 * The connections still open once every one has closed or `ms` has passed. Keep `ms` well under
 * the 4 s an undici agent nobody closed keeps its idle sockets, so that a leak shows.
 */
export async function connectionsLeft(server: Server, ms = 1_500): Promise<number> {
  let open = await openConnections(server);
  for (const until = Date.now() + ms; open > 0 && Date.now() < until; open = await openConnections(server)) await new Promise((resolve) => setTimeout(resolve, 20));
  return open;
}
