/**
 * Preloaded into a measured MPC node (`-r`, by mpc-node-memory.ts): on SIGUSR2 it writes one line
 * `{"probe":{…}}` to stderr with process.memoryUsage and V8's heap spaces, in MB.
 */
import { getHeapSpaceStatistics } from 'node:v8';

const mb = (bytes: number) => Math.round((10 * bytes) / (1024 * 1024)) / 10;

process.on('SIGUSR2', () => {
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, mb(s.space_size)]));
  const probe = { heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers), spaces };
  process.stderr.write(`${JSON.stringify({ probe })}\n`);
});
