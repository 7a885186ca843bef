import { createServer } from 'node:net';

/**
 * A loopback port nothing listens on at this moment: bound to port 0, then released. For a process
 * about to listen on it (a service instance, an MPC node) or to find nothing at; another process may
 * take it in between, so callers that keep a port record it once and reuse it.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
