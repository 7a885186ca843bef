import { resolve } from 'node:path';
import { loadSettings, silentProgress, type StackContext } from '@datawell/stack';
import { stackConnection } from './connection';

/** The repository root (libs/testing/src is three levels down). */
export const REPO_DIR = resolve(__dirname, '..', '..', '..');

/** A stack context for library calls (add an organisation, create a channel) against the test stack. */
export function testStackContext(): StackContext {
  const connection = stackConnection();
  return { settings: { ...loadSettings(REPO_DIR), stackDir: connection.stackDir }, progress: silentProgress };
}
