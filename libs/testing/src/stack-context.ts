import { loadSettings, repoRootOf, silentProgress, type StackContext } from '@datawell/stack';
import { stackConnection } from './connection';

/** The repository root (libs/testing/src is three levels down), from the sources or the compiled tree. */
export const REPO_DIR = repoRootOf(__dirname, 3);

/** A stack context for library calls (add an organisation, create a channel) against the test stack. */
export function testStackContext(): StackContext {
  const connection = stackConnection();
  return { settings: { ...loadSettings(REPO_DIR), stackDir: connection.stackDir }, progress: silentProgress };
}
