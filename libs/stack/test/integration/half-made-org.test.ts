import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { addOrganisation, isAlive, readPid } from '../../src';
import { loadSettings } from '../../src/settings';
import { silentProgress } from '../../src/progress';
import { withStackLock } from '../../src/lock';
import { fabricDirs, fabricPorts, loadRegistry, slugFor, type OrgRecord } from '../../src/fabric/layout';
import { peerProcess } from '../../src/fabric/nodes';
import { caPid } from '../../src/fabric/ca';

const REPO = join(__dirname, '..', '..', '..', '..');
const ctx = { settings: loadSettings(REPO), progress: silentProgress };

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    // Every interface, as the CA binds it: the CA's bind then fails with EADDRINUSE.
    server.listen(port, () => resolve(server));
  });
}

/**
 * A new organisation that cannot come up is not left half made: on this shared machine another
 * process sometimes holds one of the fixed ports of the next organisation's CA or peer, and the
 * organisation then stayed registered with a half-made folder, so that every later `up` failed on it.
 */
describe('an organisation whose CA cannot start', () => {
  it('is forgotten whole: not registered, nothing running, no folder, and the error says why', async () => {
    const mspId = `HalfMade${Date.now().toString(36)}MSP`;
    // Under the stack's lock (re-entrant), so that no other test adds an organisation between
    // reading the next index and adding this one.
    await withStackLock(ctx, async () => {
      const dirs = fabricDirs(ctx.settings);
      const index = Math.max(...loadRegistry(dirs).orgs.map((o) => o.index)) + 1;
      const org: OrgRecord = { mspId, slug: slugFor(mspId), kind: 'peer', index };
      const holder = await listen(fabricPorts(ctx.settings).ca(org).listen);
      try {
        await expect(addOrganisation(ctx, mspId)).rejects.toThrow(/CA|address already in use|bind/i);
      } finally {
        await new Promise<void>((resolve) => holder.close(() => resolve()));
      }
      const registry = loadRegistry(dirs);
      expect(registry.orgs.map((o) => o.mspId)).not.toContain(mspId);
      expect(registry.caSecrets[mspId]).toBeUndefined();
      expect(existsSync(dirs.org(org))).toBe(false);
      expect(caPid(ctx, org)).toBeUndefined();
      expect(isAlive(readPid(peerProcess(ctx, org).pidFile))).toBe(false);
      // The next organisation takes the same slot of the port plan.
      expect(Math.max(...registry.orgs.map((o) => o.index)) + 1).toBe(index);
    });
  }, 180_000);
});
