import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayEndpoint } from '@datawell/fabric';
import {
  admitOrganisation,
  committedChaincodeDefinition,
  formChannel,
  listDomains,
  readMspPackage,
  type ChaincodeDefinition,
  type ChannelBlueprint,
  type MspPackage,
  buildConnection,
  channelConfigNetwork,
  channelMembers,
  ordererChannels,
  ordererNodes,
  type ChannelConfigNetwork,
  type OrdererChannel,
  type OrdererNode,
  deployChaincode,
  enrollFromCsr,
  loadSettings,
  orgCaCertificate,
  silentProgress,
  type StackContext,
} from '@datawell/stack';

/** The network administration the bridge performs for the operator (the ledger's admin port). */
export interface FabricAdmin {
  /** Installs, approves (by every member) and commits a chaincode of `chaincode/<name>` on the channel. */
  ensureChaincode(channel: string, name: string): Promise<void>;
  /** The organisation's CA certificate (PEM), as its MSP holds it. */
  caCertificate(mspId: string): string;
  /**
   * Registers the enrollment id at the organisation's CA and enrolls it from the certificate request
   * (the key stays with the requester). Again for the same id: a new certificate. Throws
   * CaRejectedError (from @datawell/stack) when the CA refuses the request.
   */
  enrollFromCsr(mspId: string, enrollmentId: string, csrPem: string): Promise<{ certificatePem: string; caCertPem: string }>;
  channelMembers(channel: string, asMspId: string): Promise<string[]>;
  /**
   * The public MSP package of an organisation held in its own trust domain (certificates and its
   * peer's endpoint, never a key), or undefined for one the operator's tooling holds.
   */
  mspPackage(mspId: string): MspPackage | undefined;
  /** Admits a domain's organisation to a channel the operator governs (marketplace) by a config update from its package. */
  admitOrganisation(channel: string, pkg: MspPackage): Promise<void>;
  /** The operator's part of forming a channel of domain organisations: genesis block from their packages, orderers joined. */
  formChannel(channel: string, packages: readonly MspPackage[], chaincodes: readonly string[]): Promise<ChannelBlueprint>;
  /** The definition committed on a channel, with its public package, for members to approve. */
  committedDefinition(channel: string, chaincode: string): Promise<ChaincodeDefinition>;
  /** The organisation's own peer, which its gateway connections go to. */
  peerOf(mspId: string): GatewayEndpoint;
  /** The operator's orderers. */
  orderers(): OrdererNode[];
  /** The channels the operator's orderers serve, as their channel participation API reports them, by name. */
  ordererChannels(): Promise<Map<string, OrdererChannel[]>>;
  /** A channel's organisations, orderer organisations and consenters from its latest config block (fetched as the orderer organisation: config only, no ledger state). */
  channelConfig(channel: string): Promise<ChannelConfigNetwork>;
  /**
   * The organisations' peers as the operator knows them from public material: a domain's MSP package,
   * or the stack's connection for an organisation the operator's tooling holds; one it knows neither
   * way is left out.
   */
  knownPeers(mspIds: readonly string[]): KnownPeer[];
}

/** A peer the operator knows of, and from what. */
export interface KnownPeer {
  readonly mspId: string;
  readonly endpoint: string;
  readonly hostAlias: string;
  readonly source: 'msp-package' | 'operator-tooling';
}

/** The stack context of the native network the operator's bridge administers. */
export function adminStackContext(admin: { stackDir: string; cacheDir: string; repoDir: string }): StackContext {
  // The ports that stack folder recorded (`loadSettings` reads them from DATAWELL_STACK_DIR's settings.json):
  // with no environment it read the default stack's (.stack) and administered another folder with those.
  return { settings: loadSettings(admin.repoDir, { DATAWELL_STACK_DIR: admin.stackDir, DATAWELL_CACHE_DIR: admin.cacheDir }), progress: silentProgress };
}

/** Every organisation's own peer, read from the native network as it is now (organisations are added at runtime). */
export function stackPeerDirectory(admin: { stackDir: string; cacheDir: string; repoDir: string }): (mspId: string) => GatewayEndpoint | undefined {
  return peerDirectory(adminStackContext(admin));
}

function peerDirectory(ctx: StackContext): (mspId: string) => GatewayEndpoint | undefined {
  return (mspId) => {
    const org = buildConnection(ctx).fabric.orgs[mspId];
    return org ? { endpoint: org.peer.endpoint, hostAlias: org.peer.hostAlias, tlsCaPem: readFileSync(org.peer.tlsCaFile, 'utf8') } : undefined;
  };
}

/** FabricAdmin over the native network's library (libs/stack), with Fabric's own tools underneath. */
export class StackFabricAdmin implements FabricAdmin {
  constructor(
    private readonly ctx: StackContext,
    /** Folder holding the chaincode packages (`<repo>/chaincode`). */
    private readonly chaincodeDir: string,
  ) {}

  async ensureChaincode(channel: string, name: string): Promise<void> {
    await deployChaincode(this.ctx, { name, channel, modulePath: join(this.chaincodeDir, name) });
  }

  caCertificate(mspId: string): string {
    return orgCaCertificate(this.ctx, mspId);
  }

  enrollFromCsr(mspId: string, enrollmentId: string, csrPem: string): Promise<{ certificatePem: string; caCertPem: string }> {
    return enrollFromCsr(this.ctx, mspId, enrollmentId, csrPem);
  }

  channelMembers(channel: string, asMspId: string): Promise<string[]> {
    return channelMembers(this.ctx, asMspId, channel);
  }

  mspPackage(mspId: string): MspPackage | undefined {
    const domain = listDomains(this.ctx).find((d) => d.role !== 'operator' && d.mspId === mspId);
    return domain ? readMspPackage(this.ctx, domain.name) : undefined;
  }

  admitOrganisation(channel: string, pkg: MspPackage): Promise<void> {
    return admitOrganisation(this.ctx, channel, pkg);
  }

  formChannel(channel: string, packages: readonly MspPackage[], chaincodes: readonly string[]): Promise<ChannelBlueprint> {
    // Packaged from the repository's chaincode folder, at the version the operator's deployments use.
    return formChannel(this.ctx, channel, packages, chaincodes.map((name) => ({ name, modulePath: join(this.chaincodeDir, name) })));
  }

  committedDefinition(channel: string, chaincode: string): Promise<ChaincodeDefinition> {
    return committedChaincodeDefinition(this.ctx, channel, chaincode);
  }

  peerOf(mspId: string): GatewayEndpoint {
    const peer = peerDirectory(this.ctx)(mspId);
    if (!peer) throw new Error(`no peer is known for ${mspId}`);
    return peer;
  }

  orderers(): OrdererNode[] {
    return ordererNodes(this.ctx);
  }

  ordererChannels(): Promise<Map<string, OrdererChannel[]>> {
    return ordererChannels(this.ctx);
  }

  channelConfig(channel: string): Promise<ChannelConfigNetwork> {
    return channelConfigNetwork(this.ctx, channel);
  }

  knownPeers(mspIds: readonly string[]): KnownPeer[] {
    // The stack's connection is built once for the whole list.
    const orgs = buildConnection(this.ctx).fabric.orgs;
    return mspIds.flatMap((mspId): KnownPeer[] => {
      const pkg = this.mspPackage(mspId);
      if (pkg) return [{ mspId, endpoint: pkg.peer.endpoint, hostAlias: pkg.peer.hostAlias, source: 'msp-package' }];
      const org = orgs[mspId];
      return org ? [{ mspId, endpoint: org.peer.endpoint, hostAlias: org.peer.hostAlias, source: 'operator-tooling' }] : [];
    });
  }
}

export function stackFabricAdmin(admin: { stackDir: string; cacheDir: string; repoDir: string }): StackFabricAdmin {
  return new StackFabricAdmin(adminStackContext(admin), join(admin.repoDir, 'chaincode'));
}
