import { join } from 'node:path';
import { goBinDir } from '../install/go-build';
import type { StackSettings } from '../settings';

export function fabricBin(settings: StackSettings, cmd: 'peer' | 'orderer' | 'configtxgen' | 'configtxlator' | 'osnadmin'): string {
  return join(goBinDir(settings.cacheDir, 'fabric'), cmd);
}

export function caBin(settings: StackSettings, cmd: 'fabric-ca-server' | 'fabric-ca-client'): string {
  return join(goBinDir(settings.cacheDir, 'fabricCa'), cmd);
}
