import { spawnSync } from 'node:child_process';

/**
 * What `script` writes on stdout, run by node as the OS user `nobody` (the tests run as root), with
 * the repository's TypeScript loader; its modules are required by absolute path. Throws when it fails.
 */
export function stdoutAsNobody(script: string): string {
  const uid = Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim());
  const child = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
    uid,
    gid: uid,
    encoding: 'utf8',
    // nobody may not read root's home: module resolution stays in the repository.
    cwd: process.cwd(),
    env: { PATH: process.env['PATH'] ?? '', HOME: '/tmp' },
    timeout: 60_000,
  });
  if (child.status !== 0) throw new Error(`node as nobody exited ${child.status}: ${child.stderr}`);
  return child.stdout;
}
