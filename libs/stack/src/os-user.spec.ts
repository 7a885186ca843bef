import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOsUser, passwdEntry } from './os-user';

describe('OS accounts', () => {
  const passwd = [
    'root:x:0:0:root:/root:/bin/bash',
    'dw-operator:x:998:997::/srv/stack/domains/operator:/usr/sbin/nologin',
    'dw-w1dspmsp:x:996:995::/srv/stack/domains/W1DspMSP:/usr/sbin/nologin',
    'broken:x::995::/x:/bin/sh',
    '',
  ].join('\n');

  it('reads the ids and home of a name from a passwd file, and only of that exact name', () => {
    expect(passwdEntry(passwd, 'dw-w1dspmsp')).toEqual({ name: 'dw-w1dspmsp', uid: 996, gid: 995, home: '/srv/stack/domains/W1DspMSP' });
    expect(passwdEntry(passwd, 'dw-operator')?.uid).toBe(998);
    expect(passwdEntry(passwd, 'dw-w1dsp')).toBeUndefined();
    expect(passwdEntry(passwd, 'broken')).toBeUndefined();
  });

  describe('findOsUser', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dw-passwd-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('answers from the passwd file without asking NSS (an account only that file has)', () => {
      const file = join(dir, 'passwd');
      writeFileSync(file, passwd);
      expect(findOsUser('dw-w1dspmsp', file)).toEqual({ name: 'dw-w1dspmsp', uid: 996, gid: 995, home: '/srv/stack/domains/W1DspMSP' });
    });

    it('asks NSS (getent) for an account the file lacks, and gives undefined for one that exists nowhere', () => {
      const file = join(dir, 'passwd');
      writeFileSync(file, 'someone:x:1234:1234::/home/someone:/bin/sh\n');
      expect(findOsUser('root', file)).toMatchObject({ name: 'root', uid: 0, gid: 0 });
      expect(findOsUser('dw-no-such-account-anywhere', file)).toBeUndefined();
      expect(findOsUser('root', join(dir, 'missing'))).toMatchObject({ uid: 0 });
    });
  });
});
