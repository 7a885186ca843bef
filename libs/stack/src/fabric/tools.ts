import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, renameSync, statSync, utimesSync } from 'node:fs';
import { basename, join } from 'node:path';
import { goBinDir } from '../install/go-build';
import type { StackSettings } from '../settings';

export function fabricBin(settings: StackSettings, cmd: 'peer' | 'orderer' | 'configtxgen' | 'configtxlator' | 'osnadmin'): string {
  return join(goBinDir(settings.cacheDir, 'fabric'), cmd);
}

export function caBin(settings: StackSettings, cmd: 'fabric-ca-server' | 'fabric-ca-client'): string {
  return join(goBinDir(settings.cacheDir, 'fabricCa'), cmd);
}

/**
 * A binary the given org's processes can run. The build cache usually sits in root's home, which
 * other users cannot enter; a domain's processes run the same file through a hard link (a copy
 * across file systems) in the stack's shared `domains/bin`, mode 0755.
 */
export function binaryFor(settings: StackSettings, bin: string, org: { readonly domain?: string }): string {
  if (!org.domain) return bin;
  const dir = join(settings.stackDir, 'domains', 'bin');
  const target = join(dir, basename(bin));
  const source = statSync(bin);
  const current = existsSync(target) ? statSync(target) : undefined;
  if (current && current.size === source.size && current.mtimeMs === source.mtimeMs) return target;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  const partial = `${target}.${process.pid}`;
  try {
    linkSync(bin, partial);
  } catch {
    copyFileSync(bin, partial);
    utimesSync(partial, source.atime, source.mtime);
  }
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  return target;
}
