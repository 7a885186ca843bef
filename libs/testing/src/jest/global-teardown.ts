import { down, loadSettings, stderrProgress } from '@datawell/stack';
import { REPO_DIR } from '../stack-context';

/**
 * Stops the stack when this run started it and nobody asked to keep it (DATAWELL_KEEP_STACK=1 keeps
 * it for the next run or for inspection).
 */
export default async function globalTeardown(): Promise<void> {
  if (process.env['DATAWELL_TEST_STARTED_STACK'] !== '1' || process.env['DATAWELL_KEEP_STACK'] === '1') return;
  await down({ settings: loadSettings(REPO_DIR), progress: stderrProgress });
}
