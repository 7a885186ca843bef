import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureOwnChaincode, ownChaincodeProcesses, startOwnChaincodeServer, stopOwnChaincodeServers, type OwnChaincodeServer } from '../../src/fabric/own-chaincode';
import { portOpen } from '../../src/fabric/chaincode';

function freePortPair(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

// A member's own chaincode server is started by two processes that do not share the stack lock: its
// bridge (approving a definition) and the tooling's `up` (every domain's servers). A CI run's `up` took
// the bridge's server, alive but not yet listening, for a dead one and the two starts killed each other.
describe("a member's own chaincode server", () => {
  let dir: string;
  let server: OwnChaincodeServer;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'own-cc-'));
    server = { port: await freePortPair(), dir: join(dir, 'chaincode'), repoDir: resolve(__dirname, '../../../..') };
  });
  afterEach(async () => {
    await stopOwnChaincodeServers(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('started by several callers at once runs once, and every caller finds it listening', async () => {
    const record = await ensureOwnChaincode(server, 'hello', '1');
    for (let round = 0; round < 5; round++) {
      await stopOwnChaincodeServers(server);
      // The bridge's approval beside two `up`s, as in CI, in one process or several alike (a lock file).
      await Promise.all([ensureOwnChaincode(server, 'hello', '1'), startOwnChaincodeServer(server, record), startOwnChaincodeServer(server, record)]);
      const [running] = ownChaincodeProcesses(server);
      expect(running?.pid).toBeDefined();
      expect(await portOpen(record.port)).toBe(true);
      // The caller that started it left it running: a second look starts nothing and stops nothing.
      await startOwnChaincodeServer(server, record);
      expect(ownChaincodeProcesses(server)[0]?.pid).toBe(running?.pid);
    }
  }, 240_000);
});
