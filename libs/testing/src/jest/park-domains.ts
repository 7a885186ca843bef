import { isParked, listDomains, loadSettings, parkDomain, stderrProgress, type StackContext } from '@datawell/stack';
import { REPO_DIR } from '../stack-context';

/**
 * One e2e file's member domains set aside when it ends. Every file takes up the domains it needs
 * (`addDomain` creates a domain or takes a parked one up again), and the tier runs one file after
 * another on one stack: left running, each file's peers, CAs, stores, member services and workloads
 * kept the machine busy for every later file (a CI run ended past its limit at load 47 with thirty
 * peers idling). A domain that was already in use when the file began (a developer's own) stays.
 */
export function parkDomainsAfterEachFile(): void {
  const ctx: StackContext = { settings: loadSettings(REPO_DIR), progress: stderrProgress };
  const members = () => listDomains(ctx).filter((d) => d.role !== 'operator');
  let inUseBefore = new Set<string>();
  beforeAll(() => {
    inUseBefore = new Set(members().filter((d) => !isParked(ctx, d.name)).map((d) => d.name));
  });
  afterAll(async () => {
    for (const d of members()) {
      if (inUseBefore.has(d.name) || isParked(ctx, d.name)) continue;
      await parkDomain(ctx, d.name);
    }
  }, 10 * 60_000);
}
