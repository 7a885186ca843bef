import { randomBytes } from 'node:crypto';
import { chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackContext } from '../components/component';
import { caName, caTlsCert, caUrl, enrollRegistrar } from '../fabric/ca';
import { fabricDirs, fabricPorts, findOrg, loadRegistry, orgUser, type OrgRecord } from '../fabric/layout';
import { binaryFor, caBin } from '../fabric/tools';
import { withStackLock } from '../lock';
import { osUser } from '../os-user';
import { run } from '../proc';
import { domainPaths, type DomainRecord } from './domain';

/**
 * The enrollment id at a member's own CA with which its provisioner obtains its MPC nodes' TLS
 * identities. Fabric CA makes a certificate's CN its enrollment id, and every node needs its own CN
 * (the mesh tells parties apart by it), so this identity is a registrar for client identities only
 * (`hf.Registrar.Roles=client`, and the one attribute `datawell.workload`: ENROLLER_ATTRIBUTES): the provisioner registers one identity per node under the node's name
 * and enrols it from a request made beside the node's key. Unlimited enrolments (`maxenrollments -1`).
 */
export const MPC_NODE_ENROLLER_ID = 'mpc-node';

/**
 * The enroller's rights at the member's CA: it registers client identities only, and may give them
 * one attribute, `datawell.workload` (libs/auth WORKLOAD_ATTRIBUTE), which marks each node identity
 * as a workload's so the member's services never take it for a person of the member.
 */
const ENROLLER_ATTRIBUTES = 'hf.Registrar.Roles=client,hf.Registrar.Attributes=datawell.workload';

/** What a member's provisioner needs to have its MPC nodes' identities issued by its own CA. */
export interface MpcEnrollment {
  /** https://127.0.0.1:<the domain CA's port>. */
  readonly url: string;
  readonly caName: string;
  /** PEM that verifies the CA's TLS certificate (its root and the certificate), in the domain's public folder. */
  readonly tlsCaFile: string;
  /** `mpc-node:<secret>`, mode 0600, the domain user's, in the domain's secrets folder. */
  readonly secretFile: string;
  /** A copy of the operator's MPC coordinator CA certificate (public), in the domain's public folder. */
  readonly coordinatorCaFile: string;
}

/** The operator's MPC mesh CA certificate as `./dev up` makes it (tools/cli services runner). */
export function operatorMpcCaFile(ctx: StackContext): string {
  return join(ctx.settings.stackDir, 'mpc-pki', 'ca.crt');
}

/**
 * Makes sure member domain `d` can issue its MPC nodes' identities: registers the enroller at the
 * domain's own CA once (a random secret kept in the domain's secrets folder, never in the operator's
 * folders; a secret lost since is replaced), and places the public files the domain's user reads.
 * Undefined while the operator has no MPC coordinator CA (`./dev up` makes it): then there is no
 * coordinator to trust, and the member's provisioner runs placeholders.
 */
export async function ensureMpcEnrollment(ctx: StackContext, d: DomainRecord): Promise<MpcEnrollment | undefined> {
  const coordinatorCa = operatorMpcCaFile(ctx);
  if (!existsSync(coordinatorCa)) return undefined;
  const org = findOrg(loadRegistry(fabricDirs(ctx.settings)), d.mspId);
  const p = domainPaths(ctx.settings, d.name);
  const { uid, gid } = osUser(d.osUser);
  const own = (file: string) => chownSync(file, uid, gid);
  for (const dir of [p.secrets, p.publicDir]) {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: dir === p.secrets ? 0o700 : 0o755 });
    own(dir);
  }
  const secretFile = join(p.secrets, 'mpc-node-enrollment');
  // The rights the enroller was last registered with: an enroller of an earlier release gets the current ones.
  const rightsFile = join(p.secrets, 'mpc-node-enrollment.rights');
  const current = () => existsSync(rightsFile) && readFileSync(rightsFile, 'utf8') === ENROLLER_ATTRIBUTES;
  if (!existsSync(secretFile) || !current()) {
    await withStackLock(ctx, async () => {
      if (!existsSync(secretFile)) {
        const secret = randomBytes(24).toString('base64url');
        await registerEnroller(ctx, org, secret);
        writeFileSync(secretFile, `${MPC_NODE_ENROLLER_ID}:${secret}\n`, { mode: 0o600, flag: 'wx' });
      } else if (!current()) {
        // Registered already: the same secret, the current rights (identity modify).
        await registerEnroller(ctx, org, readFileSync(secretFile, 'utf8').trim().slice(MPC_NODE_ENROLLER_ID.length + 1));
      }
      writeFileSync(rightsFile, ENROLLER_ATTRIBUTES, { mode: 0o600 });
    });
  }
  own(secretFile);
  own(rightsFile);
  // The CA's TLS certificate is issued by its own root; TLS clients need the root as their anchor.
  const tlsCaFile = join(p.publicDir, 'ca-tls-ca.pem');
  writeFileSync(tlsCaFile, `${readFileSync(join(fabricDirs(ctx.settings).caHome(org), 'ca-cert.pem'), 'utf8').trim()}\n${readFileSync(caTlsCert(ctx, org), 'utf8').trim()}\n`, { mode: 0o644 });
  own(tlsCaFile);
  // Copied at every launch: a coordinator CA made anew reaches the member at its provisioner's next start.
  const coordinatorCaFile = join(p.publicDir, 'mpc-coordinator-ca.pem');
  copyFileSync(coordinatorCa, coordinatorCaFile);
  own(coordinatorCaFile);
  return { url: `https://127.0.0.1:${fabricPorts(ctx.settings).ca(org).listen}`, caName: caName(org), tlsCaFile, secretFile, coordinatorCaFile };
}

/**
 * Registers the enroller as the domain's CA registrar (fabric-ca-client as the domain's user, the
 * secret in its environment), or, registered already (its secret file was lost), gives it the new
 * secret and the same rights, so that the old secret no longer works. register() in fabric/ca.ts takes neither
 * attributes nor an enrolment limit, which a registrar of node identities needs.
 */
async function registerEnroller(ctx: StackContext, org: OrgRecord, secret: string): Promise<void> {
  await enrollRegistrar(ctx, org);
  const home = fabricDirs(ctx.settings).caAdmin(org);
  const user = orgUser(org);
  const client = (args: string[], env: Record<string, string> = {}) =>
    run(binaryFor(ctx.settings, caBin(ctx.settings, 'fabric-ca-client'), org), [...args, '-u', caUrl(ctx, org), '--caname', caName(org), '--tls.certfiles', caTlsCert(ctx, org), '-H', home], {
      env,
      ...(user ? { user, cwd: home } : {}),
    });
  const rights = ['--id.type', 'client', '--id.maxenrollments', '-1', '--id.attrs', ENROLLER_ATTRIBUTES];
  try {
    await client(['register', '--id.name', MPC_NODE_ENROLLER_ID, ...rights], { FABRIC_CA_CLIENT_ID_SECRET: secret });
    return;
  } catch (e) {
    if (!(e instanceof Error && /already registered/i.test(e.message))) throw e;
  }
  // `identity modify` reads the secret only from its command line (unlike `register`, from the
  // environment): the rare recovery of a lost file, as csr-enrollment's registerWithFreshSecret does.
  await client(['identity', 'modify', MPC_NODE_ENROLLER_ID, '--type', 'client', '--maxenrollments', '-1', '--attrs', ENROLLER_ATTRIBUTES, '--secret', secret]);
}
