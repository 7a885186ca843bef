import { heldBy, loadHolds, loadSettings, parkHeldDomains, stderrProgress, type StackContext } from '@datawell/stack';
import { REPO_DIR } from '../stack-context';
import { stopPoolWorkloadsOfFile } from './pool';

/**
 * One test file's member domains set aside when it has ended (tools/jest/test-file-environment.js,
 * after the file's own afterAll hooks). Every file takes up the domains it needs (`addDomain` creates
 * a domain or takes a parked one up again) and the stack tooling records each as held by the file
 * (`holder`, DATAWELL_DOMAIN_HOLDER). Left running, each file's peers, CAs, stores, member services
 * and workloads kept the machine busy for every later file (a CI run ended past its limit at load 47
 * with thirty peers idling; the integration tier ran at load 15-25 with up to 390 processes). Only
 * domains no other running file holds are parked (three integration files run at once), and a domain
 * that was in use before any file took it (a developer's own) stays. The e2e tier's pool of domains
 * (./pool.ts) is held by the jest run itself: it stays up for the next file, without the workloads
 * this file's DAOs ran there.
 */
export async function parkDomainsOfFile(holder: string): Promise<string[]> {
  const ctx: StackContext = { settings: loadSettings(REPO_DIR), progress: stderrProgress };
  const held = heldBy(loadHolds(ctx), holder);
  const parked = await parkHeldDomains(ctx, holder);
  await stopPoolWorkloadsOfFile(ctx, held);
  return parked;
}
