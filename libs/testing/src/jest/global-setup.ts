import { join } from 'node:path';
import { connectionFile, down, loadSettings, status, stderrProgress, up, type StackContext } from '@datawell/stack';
import { CONNECTION_FILE_ENV } from '../connection';
import { REPO_DIR } from '../stack-context';

/**
 * Starts the real native stack once for the integration run (like testcontainers would start its
 * containers) and tells the tests where it is. Reuses a stack that is already up and healthy.
 * A stack that cannot start fails the run with the reason: integration tests never skip.
 */
export default async function globalSetup(): Promise<void> {
  const ctx: StackContext = { settings: loadSettings(REPO_DIR), progress: stderrProgress };
  const before = await status(ctx);
  const started = !before.healthy;
  if (started) {
    process.stderr.write(`\n[testing] starting the native stack in ${ctx.settings.stackDir}\n`);
    try {
      await up(ctx);
    } catch (e) {
      // Jest skips the global teardown when the setup fails: stop what did start, so no process is left behind.
      await down(ctx).catch(() => undefined);
      const reason = e instanceof Error ? e.message : String(e);
      throw new Error(`integration tests need the native stack, and it could not start: ${reason}\n(see ./dev stack status and ./dev stack logs <component>)`);
    }
  } else {
    await up(ctx); // refreshes connection.json; every component is already running
  }
  process.env[CONNECTION_FILE_ENV] = connectionFile(ctx);
  process.env['DATAWELL_TEST_STARTED_STACK'] = started ? '1' : '';
  process.env['DATAWELL_TEST_STACK_LOGS'] = join(ctx.settings.stackDir, 'logs');
}
