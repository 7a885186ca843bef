import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from '../errors';
import { run } from '../proc';
import { configBlockNetwork } from './config-block';
import { channelConfigBlock, channelGenesisBlock, type ChannelBlueprint, type MemberFabric } from './parties';

/*
 * A member's own look at a channel's configuration before its peer joins it (DESIGN.md, "Actors,
 * trust domains and identity"): the operator builds or governs the channels and serves their blocks,
 * so a member checks, from what it knows for sure (its own CA, the ordering service's TLS CA it was
 * given), that the channel is the one it expects and gives no one else a hold on its organisation.
 */

/** A signature policy's principals' MSPs, or an implicit-meta policy's rule over the sub-groups. */
export interface ConfigPolicy {
  readonly signers?: readonly string[];
  readonly implicitMeta?: { readonly rule: string; readonly subPolicy: string };
}

/** An application organisation of a channel config, as a member checks it. */
export interface ConfigOrganisation {
  readonly mspId: string;
  /** PEM root certificates of its MSP (its CA). */
  readonly rootCertPems: readonly string[];
  readonly intermediateCertPems: readonly string[];
  /** PEM TLS root certificates of its MSP (its peers' TLS CA). */
  readonly tlsRootCertPems: readonly string[];
  /** Its group's mod_policy (relative "Admins" is its own Admins policy). */
  readonly modPolicy: string;
  /** Its own policies (Readers, Writers, Admins, Endorsement), by name. */
  readonly policies: Readonly<Record<string, ConfigPolicy>>;
}

/** What a config block says that a member checks: the channel, its organisations, its ordering service, its application policies. */
export interface ChannelConfigView {
  readonly channelId: string;
  readonly organisations: readonly ConfigOrganisation[];
  readonly ordererOrganisations: ReadonlyArray<{ readonly mspId: string; readonly tlsRootCertPems: readonly string[] }>;
  /** The Application group's policies (Readers, Writers, Admins, Endorsement, LifecycleEndorsement). */
  readonly applicationPolicies: Readonly<Record<string, ConfigPolicy>>;
}

interface Group {
  readonly mod_policy?: string;
  readonly groups?: Record<string, Group>;
  readonly values?: Record<string, { readonly value?: Record<string, unknown> } | undefined>;
  readonly policies?: Record<string, { readonly policy?: { readonly type?: number; readonly value?: Record<string, unknown> } } | undefined>;
}

const pems = (list: unknown): string[] => (Array.isArray(list) ? list : []).map((c) => Buffer.from(String(c), 'base64').toString('utf8'));

/** The root CA certificates (PEM) of an organisation's config group (configtxlator's JSON), as its MSP value lists them; none when unreadable. */
export function mspRootCertPems(group: unknown): string[] {
  const config = (group as Group | undefined)?.values?.['MSP']?.value?.['config'] as { root_certs?: unknown } | undefined;
  return pems(config?.root_certs);
}

function policyOf(entry: { readonly policy?: { readonly type?: number; readonly value?: Record<string, unknown> } } | undefined): ConfigPolicy {
  const policy = entry?.policy;
  if (policy?.type === 3) {
    const value = policy.value as { rule?: string; sub_policy?: string } | undefined;
    return { implicitMeta: { rule: value?.rule ?? 'ANY', subPolicy: value?.sub_policy ?? '' } };
  }
  if (policy?.type === 1) {
    const identities = ((policy.value as { identities?: unknown[] } | undefined)?.identities ?? []) as Array<{ principal?: { msp_identifier?: string; mspid?: string } }>;
    // A principal whose MSP cannot be read counts as nobody's: a rule naming only its own MSP then fails.
    return { signers: identities.map((i) => i.principal?.msp_identifier ?? i.principal?.mspid ?? '?') };
  }
  return {};
}

const policiesOf = (g: Group): Record<string, ConfigPolicy> => Object.fromEntries(Object.entries(g.policies ?? {}).map(([name, p]) => [name, policyOf(p)]));

/** The view of a decoded config block (configtxlator's JSON of a `common.Block`). Throws when it is not a channel config block. */
export function channelConfigView(decoded: unknown): ChannelConfigView {
  const payload = (decoded as { data?: { data?: Array<{ payload?: { header?: { channel_header?: { channel_id?: string } }; data?: { config?: { channel_group?: Group } } } }> } })?.data?.data?.[0]?.payload;
  const groups = payload?.data?.config?.channel_group?.groups;
  const application = groups?.['Application'];
  if (!application?.groups || !groups?.['Orderer']) throw new StackError('COMMAND_FAILED', 'the block is not a channel config block with Application and Orderer groups', 'fabric');
  const msp = (g: Group) => {
    const config = g.values?.['MSP']?.value?.['config'] as { name?: string; root_certs?: unknown; intermediate_certs?: unknown; tls_root_certs?: unknown } | undefined;
    if (!config?.name) throw new StackError('COMMAND_FAILED', 'an organisation of the block has no MSP name', 'fabric');
    return config as { name: string; root_certs?: unknown; intermediate_certs?: unknown; tls_root_certs?: unknown };
  };
  return {
    channelId: payload?.header?.channel_header?.channel_id ?? '',
    organisations: Object.values(application.groups).map((g) => {
      const m = msp(g);
      return { mspId: m.name, rootCertPems: pems(m.root_certs), intermediateCertPems: pems(m.intermediate_certs), tlsRootCertPems: pems(m.tls_root_certs), modPolicy: g.mod_policy ?? '', policies: policiesOf(g) };
    }),
    ordererOrganisations: Object.values(groups['Orderer'].groups ?? {}).map((g) => {
      const m = msp(g);
      return { mspId: m.name, tlsRootCertPems: pems(m.tls_root_certs) };
    }),
    applicationPolicies: policiesOf(application),
  };
}

/** A channel this member will not join (or relay), with the reason. */
export class ChannelRejectedError extends Error {
  override readonly name = 'ChannelRejectedError';
}

/** What a member knows for sure of itself and of the ordering service it was given. */
export interface OwnPlaceExpectations {
  readonly channel: string;
  /** This member and the CA certificate(s) of its own MSP (from its own domain). */
  readonly self: { readonly mspId: string; readonly caCertPems: readonly string[] };
  /** The ordering service's TLS CA certificate(s) this member pins (public material it was given). */
  readonly ordererTlsCaPems: readonly string[];
}

function fingerprints(list: readonly string[]): Set<string> {
  return new Set(
    list.flatMap((pem) => {
      try {
        return [new X509Certificate(pem).fingerprint256];
      } catch {
        return [];
      }
    }),
  );
}

/**
 * The rules every member applies to a channel it is about to join or relay, whoever built it:
 * - it is the channel asked for (a peer joins the channel its block names);
 * - it is ordered by the ordering service this member was given: every orderer organisation has the
 *   TLS CA the member pins;
 * - the member's own organisation is there and its MSP is exactly its own CA (every root and
 *   intermediate certificate one of its own: no other CA can issue identities of its MSP);
 * - every organisation's own policies are signature policies over that organisation's MSP only and
 *   its group is changed only by its own Admins: no one counts as another's admin, writer or endorser;
 * - the channel's Readers and Writers are each organisation's own (implicit-meta over the
 *   organisations), so no party's policy decides who writes or reads for the others.
 */
export function checkOwnPlace(expected: OwnPlaceExpectations, view: ChannelConfigView): void {
  checkOrdering(expected, view);
  const own = view.organisations.find((o) => o.mspId === expected.self.mspId);
  if (!own) throw new ChannelRejectedError(`${expected.self.mspId} is not an organisation of ${expected.channel}`);
  const ownCa = fingerprints(expected.self.caCertPems);
  const inBlock = [...own.rootCertPems, ...own.intermediateCertPems];
  if (ownCa.size === 0 || own.rootCertPems.length === 0 || !inBlock.every((pem) => [...fingerprints([pem])].some((f) => ownCa.has(f)))) {
    throw new ChannelRejectedError(`${expected.self.mspId}'s MSP in ${expected.channel} is not exactly its own CA`);
  }
  for (const org of view.organisations) {
    if (org.modPolicy !== 'Admins') throw new ChannelRejectedError(`${org.mspId}'s group in ${expected.channel} is changed by "${org.modPolicy}", not by its own Admins`);
    for (const [name, policy] of Object.entries(org.policies)) {
      if (!policy.signers || policy.signers.length === 0 || policy.signers.some((s) => s !== org.mspId)) {
        throw new ChannelRejectedError(`${org.mspId}'s ${name} policy in ${expected.channel} names ${policy.signers?.filter((s) => s !== org.mspId).join(', ') || 'no signature of its own'}: only its own MSP may`);
      }
    }
  }
  for (const name of ['Readers', 'Writers']) {
    const policy = view.applicationPolicies[name];
    if (policy?.implicitMeta?.subPolicy !== name) throw new ChannelRejectedError(`${expected.channel}'s ${name} policy is not each organisation's own ${name}`);
  }
}

/** The first two rules of `checkOwnPlace`: the channel asked for, ordered by the ordering service this member pins. */
export function checkOrdering(expected: Pick<OwnPlaceExpectations, 'channel' | 'self' | 'ordererTlsCaPems'>, view: ChannelConfigView): void {
  if (view.channelId !== expected.channel) throw new ChannelRejectedError(`the block is of channel "${view.channelId}", not ${expected.channel}`);
  const pinned = fingerprints(expected.ordererTlsCaPems);
  if (pinned.size === 0) throw new ChannelRejectedError(`${expected.self.mspId} has no readable TLS CA of the ordering service to check ${expected.channel} against`);
  if (view.ordererOrganisations.length === 0) throw new ChannelRejectedError(`${expected.channel} names no orderer organisation`);
  for (const o of view.ordererOrganisations) {
    if (![...fingerprints(o.tlsRootCertPems)].some((f) => pinned.has(f))) {
      throw new ChannelRejectedError(`${expected.channel} is ordered by ${o.mspId}, whose TLS CA is not the ordering service's this member was given`);
    }
  }
}

const GOVERNING = ['Admins', 'Endorsement', 'LifecycleEndorsement'] as const;

/**
 * A members' channel (a DAO's): its Admins, Endorsement and LifecycleEndorsement are a majority of
 * its organisations' own (implicit-meta MAJORITY), so no single party changes its config or its
 * chaincode definitions or endorses for the others; and the operator (`outsider`) is none of them.
 */
export function checkMembersGovernance(channel: string, view: ChannelConfigView, outsider: string): void {
  if (view.organisations.some((o) => o.mspId === outsider)) throw new ChannelRejectedError(`${outsider} is an organisation of ${channel}: the operator is a member of no DAO channel`);
  for (const name of GOVERNING) {
    const meta = view.applicationPolicies[name]?.implicitMeta;
    const sub = name === 'Admins' ? 'Admins' : 'Endorsement';
    if (meta?.rule !== 'MAJORITY' || meta.subPolicy !== sub) throw new ChannelRejectedError(`${channel}'s ${name} policy is not a majority of its organisations' ${sub}`);
  }
}

/**
 * A channel one party governs (the operator's `marketplace`): that party is an organisation of it,
 * and its Admins, Endorsement and LifecycleEndorsement name no one else (a majority rule over the
 * organisations is accepted too). The governor may change the channel and endorses its writes (it
 * can refuse a member's write, not make one: the chaincode takes the writer from its signature).
 */
export function checkGovernedBy(channel: string, view: ChannelConfigView, governor: string): void {
  if (!view.organisations.some((o) => o.mspId === governor)) throw new ChannelRejectedError(`${governor}, who governs ${channel}, is not an organisation of it`);
  for (const name of GOVERNING) {
    const policy = view.applicationPolicies[name];
    if (policy?.implicitMeta) continue;
    if (!policy?.signers || policy.signers.length === 0 || policy.signers.some((s) => s !== governor)) {
      throw new ChannelRejectedError(`${channel}'s ${name} policy names ${policy?.signers?.filter((s) => s !== governor).join(', ') || 'nobody'}, not ${governor} alone`);
    }
  }
}

/** The genesis block a member fetched and the channel's latest config, as views. */
export interface JoiningChannel {
  readonly genesis: ChannelConfigView;
  readonly latest: ChannelConfigView;
}

/**
 * A DAO channel a newcomer was seated on by a transfer of rights (a config update added its
 * organisation, so its genesis block does not name it): the genesis block of the channel asked for,
 * ordered by the ordering service it pins; the latest config with its own place (`checkOwnPlace`)
 * and a members' governance without the operator (`checkMembersGovernance`). Who the members are is
 * the chaincode's to check: the newcomer is a member once it accepts the transfer.
 */
export function checkSeatedChannel(expected: OwnPlaceExpectations, joining: JoiningChannel, operatorMspId: string): void {
  checkOrdering(expected, joining.genesis);
  checkOwnPlace(expected, joining.latest);
  checkMembersGovernance(expected.channel, joining.latest, operatorMspId);
}

/** Decodes a block file with Fabric's configtxlator, as the member (its OS user, in its work folder). */
export async function decodeBlockFile(m: MemberFabric, blockFile: string, dir: string): Promise<unknown> {
  const out = join(dir, 'decoded-block.json');
  try {
    await run(m.bin.configtxlator, ['proto_decode', '--input', blockFile, '--type', 'common.Block', '--output', out], { ...(m.user ? { user: m.user } : {}), cwd: dir });
    return JSON.parse(readFileSync(out, 'utf8')) as unknown;
  } finally {
    rmSync(out, { force: true });
  }
}

/** The genesis block (the file `joinOwnPeer` fetched) and the channel's latest config block fetched by the member from the ordering service, as views. */
export async function joiningChannel(m: MemberFabric, channel: string, genesisFile: string, dir: string): Promise<JoiningChannel> {
  return { genesis: channelConfigView(await decodeBlockFile(m, genesisFile, dir)), latest: channelConfigView(await channelConfigBlock(m, channel)) };
}

/** A channel the member's peer is on already (e.g. joined by the tooling for a seat): its genesis block and latest config, fetched by the member from the ordering service, as views. */
export async function joinedChannel(m: MemberFabric, channel: string): Promise<JoiningChannel> {
  return { genesis: channelConfigView(await channelGenesisBlock(m, channel)), latest: await latestChannelConfig(m, channel) };
}

/** The latest config of a channel the member's peer is on, fetched by the member from the ordering service, as a view (its genesis block never changes: see joinedChannel). */
export async function latestChannelConfig(m: MemberFabric, channel: string): Promise<ChannelConfigView> {
  return channelConfigView(await channelConfigBlock(m, channel));
}

/**
 * The peers that endorse a chaincode commit on a channel, as a decoded config block (configtxlator's
 * JSON of a `common.Block`) lists them: each application organisation's first anchor peer (host:port)
 * with its MSP's TLS root certificates (PEM), by MSP id. Throws for an organisation with no anchor
 * peer or no TLS root certificate: the commit could not reach its peer.
 */
export function configBlockEndorsers(decoded: unknown): ChannelBlueprint['peers'] {
  const view = channelConfigView(decoded);
  return configBlockNetwork(decoded).organisations.map(({ mspId, anchorPeers }) => {
    const tls = view.organisations.find((o) => o.mspId === mspId)?.tlsRootCertPems ?? [];
    const address = anchorPeers[0];
    if (!address) throw new StackError('COMMAND_FAILED', `${mspId} has no anchor peer in the channel's config: no peer of its to endorse a commit`, 'fabric');
    if (tls.length === 0) throw new StackError('COMMAND_FAILED', `${mspId}'s MSP in the channel's config has no TLS root certificate`, 'fabric');
    return { mspId, address, tlsCaCert: tls.join('') };
  });
}

/** The endorsers of a chaincode commit on a channel (`configBlockEndorsers`), from its latest config block fetched by the member from the ordering service. */
export async function channelEndorsers(m: MemberFabric, channel: string): Promise<ChannelBlueprint['peers']> {
  return configBlockEndorsers(await channelConfigBlock(m, channel));
}

/** The ordering service's TLS CA the member pins (its `orderer.tlsCaFile`). */
export function pinnedOrdererTlsCa(m: MemberFabric): string[] {
  return [readFileSync(m.orderer.tlsCaFile, 'utf8')];
}

/** The CA certificate(s) of the member's own MSP, from its own admin MSP folder (its domain's). */
export function ownCaCertPems(m: MemberFabric): string[] {
  const dir = join(m.adminMspDir, 'cacerts');
  return readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
}

/** What a member knows for sure before it joins `channel` (`OwnPlaceExpectations`), from its own folder and the public material it was given. */
export function ownPlaceExpectations(m: MemberFabric, channel: string): OwnPlaceExpectations {
  return { channel, self: { mspId: m.mspId, caCertPems: ownCaCertPems(m) }, ordererTlsCaPems: pinnedOrdererTlsCa(m) };
}
