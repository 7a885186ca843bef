import { chmodSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Writes `content` beside `file` and renames it into place, with `mode`: a process reading the file
 * meanwhile (without the stack's lock) reads the old file or the new one whole, never half of it.
 */
export function writeFileAtomically(file: string, content: string, mode: number): void {
  const next = `${file}.${process.pid}.tmp`;
  writeFileSync(next, content, { mode });
  // The process's umask may have narrowed the mode at creation.
  chmodSync(next, mode);
  renameSync(next, file);
}
