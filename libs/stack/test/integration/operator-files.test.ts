import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { giveOperatorFiles, osUser, osUserFor } from '../../src';
import { fabricDirs, OPERATOR_ORG, ORDERER_ORG } from '../../src/fabric/layout';
import { silentProgress } from '../../src/progress';
import { loadSettings } from '../../src/settings';

/**
 * Issue 11, the operator's domain: its CA enrolments run as dw-operator, so the tooling (root) never
 * made one of its private keys; and the hand-over of what the tooling writes in its paths is
 * incremental without leaving a file root's.
 */
const REPO = join(__dirname, '..', '..', '..', '..');
const ctx = { settings: loadSettings(REPO), progress: silentProgress };
const operator = osUser(osUserFor('operator'));

/** Every private key of the operator's enrolled identities (nodes, admins, registrars, its bridge's): the keystores fabric-ca-client wrote. */
function operatorKeystoreFiles(): string[] {
  const files: string[] = [];
  for (const org of [ORDERER_ORG, OPERATOR_ORG]) {
    const root = fabricDirs(ctx.settings).org(org);
    const dirs = [join(root, 'ca-admin', 'msp'), ...['nodes', 'users'].flatMap((d) => readdirSync(join(root, d)).map((n) => join(root, d, n, 'msp')))];
    for (const msp of dirs) if (existsSync(join(msp, 'keystore'))) for (const f of readdirSync(join(msp, 'keystore'))) files.push(join(msp, 'keystore', f));
  }
  return files;
}

describe("the operator's files", () => {
  it("are its enrolled identities' keys, each written by dw-operator itself: never made by root and given afterwards", () => {
    const keys = operatorKeystoreFiles();
    // Orderer and peer nodes, both admins, both registrars: what a stack enrols when it starts (the
    // operator bridge's own identity too once a bridge has started, which no file before this one need have done).
    expect(keys.length).toBeGreaterThanOrEqual(6);
    for (const key of keys) {
      const st = statSync(key, { bigint: true });
      // A file root made and chowned later has its ctime (the chown) after its last write (mtime).
      expect({ key, uid: Number(st.uid), changedSinceWritten: st.ctimeNs !== st.mtimeNs }).toEqual({ key, uid: operator.uid, changedSinceWritten: false });
    }
  });

  it('are handed over incrementally: a file root writes is given at the next hand-over, a folder unchanged since the last one is not looked into', () => {
    giveOperatorFiles(ctx.settings);
    const dir = join(fabricDirs(ctx.settings).org(OPERATOR_ORG), 'msp', 'cacerts');
    const planted = join(dir, `it-${process.pid}.pem`);
    const deep = join(fabricDirs(ctx.settings).root, `it-${process.pid}`, 'a', 'b');
    try {
      writeFileSync(planted, 'not a certificate\n');
      mkdirSync(deep, { recursive: true });
      writeFileSync(join(deep, 'f'), 'x\n');
      expect(statSync(planted).uid).toBe(0);
      giveOperatorFiles(ctx.settings);
      expect([planted, deep, join(deep, 'f')].map((f) => statSync(f).uid)).toEqual([operator.uid, operator.uid, operator.uid]);
      // Control of the incremental walk: a file given back to root without its folder changing (nothing in
      // the stack does that) is not looked at again; a full walk would give it. Its folder (unlike
      // cacerts above) has not changed since the stack made it.
      const ca = join(fabricDirs(ctx.settings).org(OPERATOR_ORG), 'msp', 'tlscacerts', 'ca.pem');
      chownSync(ca, 0, 0);
      try {
        giveOperatorFiles(ctx.settings);
        expect(statSync(ca).uid).toBe(0);
      } finally {
        chownSync(ca, operator.uid, operator.gid);
      }
    } finally {
      rmSync(planted, { force: true });
      rmSync(join(fabricDirs(ctx.settings).root, `it-${process.pid}`), { recursive: true, force: true });
    }
  });
});
