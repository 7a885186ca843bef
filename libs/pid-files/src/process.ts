import { existsSync, readFileSync } from 'node:fs';

export function readPidFile(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const pid = Number(readFileSync(path, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Whether a pid is a live process (a zombie counts as dead), whoever's it is: a process of another
 * user answers signal 0 with EPERM, and is alive. (Taking EPERM for dead, the operator's ledger bridge,
 * which runs as dw-operator, took the tooling's stack lock held by root for an abandoned one and tried
 * to remove it: its formation of a DAO channel failed in a CI run.)
 */
export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}
