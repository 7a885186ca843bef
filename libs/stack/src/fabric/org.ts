import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StackContext } from '../components/component';
import { enroll, enrollRegistrar, register, startCa, writeNodeOus } from './ca';
import { fabricDirs, type OrgRecord } from './layout';
import { randomBytes } from 'node:crypto';

export function nodeNames(ctx: StackContext, org: OrgRecord): string[] {
  return org.kind === 'orderer' ? Array.from({ length: ctx.settings.orderers }, (_, i) => `orderer${i}`) : ['peer0'];
}

/**
 * Everything an organisation needs before its nodes can start: its CA running, its MSP folder,
 * an MSP and TLS certificate for each node and an admin identity. Idempotent.
 */
export async function setupOrg(ctx: StackContext, org: OrgRecord): Promise<void> {
  const dirs = fabricDirs(ctx.settings);
  await startCa(ctx, org);
  await enrollRegistrar(ctx, org);
  const msp = dirs.orgMsp(org);
  if (!existsSync(join(msp, 'config.yaml'))) {
    for (const sub of ['cacerts', 'tlscacerts']) {
      mkdirSync(join(msp, sub), { recursive: true });
      copyFileSync(join(dirs.caHome(org), 'ca-cert.pem'), join(msp, sub, 'ca.pem'));
    }
    writeNodeOus(msp);
  }
  const nodeType = org.kind === 'orderer' ? 'orderer' : 'peer';
  for (const name of nodeNames(ctx, org)) {
    const home = dirs.node(org, name);
    if (existsSync(join(home, 'tls', 'server.crt')) && existsSync(join(home, 'msp', 'signcerts', 'cert.pem'))) continue;
    ctx.progress.step('fabric', `enrolling ${name}.${org.slug} at its CA`);
    // Node secrets are only needed once, for enrollment, so they are not kept.
    const secret = randomBytes(18).toString('base64url');
    await register(ctx, org, `${name}.${org.slug}`, secret, nodeType);
    await enroll(ctx, org, `${name}.${org.slug}`, secret, join(home, 'msp'));
    await enroll(ctx, org, `${name}.${org.slug}`, secret, join(home, 'tls'), true);
  }
  if (!existsSync(join(dirs.adminMsp(org), 'signcerts', 'cert.pem'))) {
    ctx.progress.step('fabric', `enrolling the ${org.mspId} admin`);
    const secret = randomBytes(18).toString('base64url');
    await register(ctx, org, `admin.${org.slug}`, secret, 'admin');
    await enroll(ctx, org, `admin.${org.slug}`, secret, dirs.adminMsp(org));
  }
}
