import { join } from 'node:path';
import { loadSettings } from '../settings';
import { operatorOwnedPaths, operatorSharedDirs } from './operator-files';

describe("the operator's paths of the stack folder", () => {
  const stackDir = '/srv/stack';
  const settings = loadSettings('/repo', { DATAWELL_STACK_DIR: stackDir, DATAWELL_CACHE_DIR: '/cache' });

  it("are its Fabric folder, its public folder, its Fabric CLI's work folder, its wallet and the provisioner's work folder", () => {
    expect(operatorOwnedPaths(settings)).toEqual([
      join(stackDir, 'fabric'),
      join(stackDir, 'domains', 'public', 'operator'),
      join(stackDir, 'run', 'fabric-admin'),
      join(stackDir, 'wallet'),
      join(stackDir, 'provisioner'),
    ]);
  });

  it("hold no member domain's folder, no store's data, no Kafka principal and not the whole stack folder", () => {
    for (const path of operatorOwnedPaths(settings)) {
      expect(path.startsWith(`${stackDir}/`)).toBe(true);
      expect(path).not.toMatch(/\/(postgres|redis|kafka)(\/|$)|\/domains\/(?!public\/operator$)/);
    }
  });

  it('share with the tooling only the stack folder itself and its pid and log folders', () => {
    expect(operatorSharedDirs(settings)).toEqual([stackDir, join(stackDir, 'run'), join(stackDir, 'logs')]);
  });
});
