import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { StackContext } from '../components/component';
import { HOST, ORDERER_ORG, fabricDirs, fabricPorts, type OrgRecord } from './layout';
import { nodeNames } from './org';

const sig = (rule: string) => ({ Type: 'Signature', Rule: rule });
const meta = (rule: string) => ({ Type: 'ImplicitMeta', Rule: rule });

function ordererOrg(ctx: StackContext) {
  const dirs = fabricDirs(ctx.settings);
  const id = ORDERER_ORG.mspId;
  return {
    Name: id,
    ID: id,
    MSPDir: dirs.orgMsp(ORDERER_ORG),
    Policies: {
      Readers: sig(`OR('${id}.member')`),
      Writers: sig(`OR('${id}.member')`),
      Admins: sig(`OR('${id}.admin')`),
    },
    OrdererEndpoints: nodeNames(ctx, ORDERER_ORG).map((_, i) => `${HOST}:${fabricPorts(ctx.settings).orderer(i).listen}`),
  };
}

/**
 * What a channel needs of an application organisation: its MSP id, a folder holding its public MSP
 * (cacerts, tlscacerts, config.yaml: no key) and its anchor peer. The operator's tooling has it for
 * the organisations it holds; for a member domain it comes from the domain's public MSP package.
 */
export interface OrgDefinition {
  readonly mspId: string;
  readonly mspDir: string;
  readonly anchor: { readonly host: string; readonly port: number };
}

export function orgDefinition(ctx: StackContext, org: OrgRecord): OrgDefinition {
  return { mspId: org.mspId, mspDir: fabricDirs(ctx.settings).orgMsp(org), anchor: { host: HOST, port: fabricPorts(ctx.settings).peer(org).listen } };
}

/** The definition of an application organisation, as configtxgen and configtxlator take it. */
export function applicationOrg(def: OrgDefinition) {
  const id = def.mspId;
  return {
    Name: id,
    ID: id,
    MSPDir: def.mspDir,
    Policies: {
      Readers: sig(`OR('${id}.admin', '${id}.peer', '${id}.client')`),
      Writers: sig(`OR('${id}.admin', '${id}.client')`),
      Admins: sig(`OR('${id}.admin')`),
      Endorsement: sig(`OR('${id}.peer')`),
    },
    AnchorPeers: [{ Host: def.anchor.host, Port: def.anchor.port }],
  };
}

/**
 * Writes the configtx.yaml of a channel whose application organisations are exactly `orgs`, ordered
 * by the Raft ordering service. Chaincode endorsement and lifecycle need a majority of the orgs —
 * unless the channel has a `governor` (the operator's `marketplace`): then its admin alone changes
 * the channel's membership and chaincode definitions, and its peer endorses, so admitting a
 * participant needs no other member's signature.
 */
export function writeChannelConfigtx(ctx: StackContext, channel: string, orgs: readonly (OrgRecord | OrgDefinition)[], governor?: string): string {
  const dirs = fabricDirs(ctx.settings);
  const dir = dirs.channel(channel);
  mkdirSync(dir, { recursive: true });
  const consenters = nodeNames(ctx, ORDERER_ORG).map((name, i) => {
    const tls = join(dirs.node(ORDERER_ORG, name), 'tls', 'server.crt');
    return { Host: HOST, Port: fabricPorts(ctx.settings).orderer(i).listen, ClientTLSCert: tls, ServerTLSCert: tls };
  });
  const doc = {
    Profiles: {
      Channel: {
        Policies: { Readers: meta('ANY Readers'), Writers: meta('ANY Writers'), Admins: meta('MAJORITY Admins') },
        Capabilities: { V3_0: true },
        Orderer: {
          OrdererType: 'etcdraft',
          BatchTimeout: '250ms',
          BatchSize: { MaxMessageCount: 100, AbsoluteMaxBytes: '10 MB', PreferredMaxBytes: '2 MB' },
          EtcdRaft: { Consenters: consenters, Options: { TickInterval: '500ms', ElectionTick: 10, HeartbeatTick: 1, MaxInflightBlocks: 5, SnapshotIntervalSize: '16 MB' } },
          Organizations: [ordererOrg(ctx)],
          Policies: { Readers: meta('ANY Readers'), Writers: meta('ANY Writers'), Admins: meta('MAJORITY Admins'), BlockValidation: meta('ANY Writers') },
          Capabilities: { V2_0: true },
        },
        Application: {
          Organizations: orgs.map((o) => applicationOrg('slug' in o ? orgDefinition(ctx, o) : o)),
          Policies: governor
            ? {
                Readers: meta('ANY Readers'),
                Writers: meta('ANY Writers'),
                Admins: sig(`OR('${governor}.admin')`),
                LifecycleEndorsement: sig(`OR('${governor}.peer')`),
                Endorsement: sig(`OR('${governor}.peer')`),
              }
            : {
                Readers: meta('ANY Readers'),
                Writers: meta('ANY Writers'),
                Admins: meta('MAJORITY Admins'),
                LifecycleEndorsement: meta('MAJORITY Endorsement'),
                Endorsement: meta('MAJORITY Endorsement'),
              },
          Capabilities: { V2_5: true },
        },
      },
    },
  };
  writeFileSync(join(dir, 'configtx.yaml'), stringify(doc));
  return dir;
}
