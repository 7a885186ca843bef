import { X509Certificate } from 'node:crypto';
import { ChannelRejectedError, channelConfigView, checkMembersGovernance, checkOwnPlace, mspRootCertPems, type OwnPlaceExpectations } from '@datawell/stack';

/*
 * A member's check of a config update it is asked to sign for a transfer of rights (a seat or an
 * unseat, docs/governance.md): the update, applied to the channel's current config as Fabric applies
 * it, must change exactly one thing, the one the transfer calls for. Pure: every input (the decoded
 * envelope, the channel's current config, the transfer, the recipient's public MSP) was read by the
 * member's own admin from its own peer or the ordering service.
 */

type Version = string | number | undefined;
/** A config value or policy, as configtxlator decodes it. */
interface ConfigItem {
  readonly version?: Version;
  readonly mod_policy?: string;
  readonly value?: unknown;
  readonly policy?: unknown;
}
/** A config group, as configtxlator decodes it (a channel's `channel_group`, a ConfigUpdate's read or write set). */
export interface ConfigGroup {
  readonly version?: Version;
  readonly mod_policy?: string;
  readonly groups?: Readonly<Record<string, ConfigGroup>>;
  readonly values?: Readonly<Record<string, ConfigItem>>;
  readonly policies?: Readonly<Record<string, ConfigItem>>;
}

/** The envelope is not a config update envelope at all: bad input (400). */
export class MalformedConfigUpdateError extends Error {
  override readonly name = 'MalformedConfigUpdateError';
}

/** The update is not the one this member signs for the transfer (422 CONFIG_UPDATE_REFUSED): the message says what differs. */
export class ConfigUpdateRefusedError extends Error {
  override readonly name = 'ConfigUpdateRefusedError';
}

/** What the update does to the channel's organisations, and the config it leads to. */
export interface ConfigChange {
  readonly kind: 'seat' | 'unseat';
  readonly mspId: string;
  /** The channel group after the update. */
  readonly result: ConfigGroup;
}

/** A transfer as GetTransfer reads it on the channel (the fields the check needs). */
export interface TransferOnChannel {
  readonly transferId: string;
  readonly status: string;
  readonly from: string;
  readonly to: string;
  readonly consented?: boolean;
  readonly recipientWasMember?: boolean;
}

const HEADER_TYPE_CONFIG_UPDATE = 2;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The write set of a decoded CONFIG_UPDATE envelope (configtxlator's JSON of a `common.Envelope`) for
 * `channel`: MalformedConfigUpdateError when it carries no config update; refused when its header is
 * not a CONFIG_UPDATE or names another channel.
 */
export function configUpdateWriteSet(decoded: unknown, channel: string): ConfigGroup {
  const payload = isObject(decoded) && isObject(decoded['payload']) ? decoded['payload'] : undefined;
  const header = isObject(payload?.['header']) && isObject(payload['header']['channel_header']) ? payload['header']['channel_header'] : undefined;
  const update = isObject(payload?.['data']) && isObject(payload['data']['config_update']) ? payload['data']['config_update'] : undefined;
  if (!header) throw new MalformedConfigUpdateError('the envelope has no channel header');
  if (Number(header['type'] ?? 0) !== HEADER_TYPE_CONFIG_UPDATE) throw new ConfigUpdateRefusedError(`the envelope is not a CONFIG_UPDATE (header type ${String(header['type'] ?? 0)})`);
  if (!update || !isObject(update['write_set'])) throw new MalformedConfigUpdateError('the envelope carries no config update with a write set');
  for (const [where, id] of [['its header', header['channel_id']], ['its config update', update['channel_id']]] as const) {
    if (id !== channel) throw new ConfigUpdateRefusedError(`the envelope's ${where} names channel "${String(id ?? '')}", not ${channel}`);
  }
  return update['write_set'] as ConfigGroup;
}

const versionOf = (v: Version): number => Number(v ?? 0);

/** Every element of a new part of the config is at version 0, as Fabric requires of a key that does not exist yet. */
function checkNew(group: ConfigGroup, path: string): void {
  if (versionOf(group.version) !== 0) throw new ConfigUpdateRefusedError(`${path} is new but written at version ${versionOf(group.version)}`);
  for (const [kind, items] of [['value', group.values], ['policy', group.policies]] as const) {
    for (const [name, item] of Object.entries(items ?? {})) if (versionOf(item.version) !== 0) throw new ConfigUpdateRefusedError(`${path}'s ${kind} ${name} is new but written at version ${versionOf(item.version)}`);
  }
  for (const [name, child] of Object.entries(group.groups ?? {})) checkNew(child, `${path}/${name}`);
}

function applyItems(current: Readonly<Record<string, ConfigItem>> | undefined, write: Readonly<Record<string, ConfigItem>> | undefined, modified: boolean, path: string, kind: string): Record<string, ConfigItem> {
  const out: Record<string, ConfigItem> = {};
  const names = modified ? Object.keys(write ?? {}) : Object.keys(current ?? {});
  if (!modified) for (const name of Object.keys(write ?? {})) if (!current?.[name]) throw new ConfigUpdateRefusedError(`${path} adds ${kind} ${name} without a new version of its group`);
  for (const name of names) {
    const cur = current?.[name];
    const w = write?.[name];
    if (!cur) {
      if (versionOf(w!.version) !== 0) throw new ConfigUpdateRefusedError(`${path}'s ${kind} ${name} is new but written at version ${versionOf(w!.version)}`);
      out[name] = w!;
    } else if (!w || versionOf(w.version) === versionOf(cur.version)) out[name] = cur;
    else if (versionOf(w.version) === versionOf(cur.version) + 1) out[name] = w;
    else throw new ConfigUpdateRefusedError(`${path}'s ${kind} ${name} is written at version ${versionOf(w.version)}, the channel has ${versionOf(cur.version)}`);
  }
  return out;
}

/**
 * The group after a write set is applied, as Fabric's config transaction validator computes it: an
 * element written at its current version is left as it is (a reference); one written at the next
 * version replaces it; a group at its next version keeps exactly the children its write set names (the
 * others are deleted); a new element is at version 0. Any other version is refused (Fabric would
 * refuse the update too).
 */
export function applyWriteSet(current: ConfigGroup, write: ConfigGroup, path = 'Channel'): ConfigGroup {
  const cv = versionOf(current.version);
  const wv = versionOf(write.version);
  if (wv !== cv && wv !== cv + 1) throw new ConfigUpdateRefusedError(`${path} is written at version ${wv}, the channel has ${cv}`);
  const modified = wv === cv + 1;
  const groups: Record<string, ConfigGroup> = {};
  if (!modified) for (const name of Object.keys(write.groups ?? {})) if (!current.groups?.[name]) throw new ConfigUpdateRefusedError(`${path} adds group ${name} without a new version of its group`);
  for (const name of modified ? Object.keys(write.groups ?? {}) : Object.keys(current.groups ?? {})) {
    const cur = current.groups?.[name];
    const w = write.groups?.[name];
    if (!cur) {
      checkNew(w!, `${path}/${name}`);
      groups[name] = w!;
    } else groups[name] = w ? applyWriteSet(cur, w, `${path}/${name}`) : cur;
  }
  return {
    version: modified ? wv : cv,
    mod_policy: modified ? (write.mod_policy ?? '') : (current.mod_policy ?? ''),
    groups,
    values: applyItems(current.values, write.values, modified, path, 'value'),
    policies: applyItems(current.policies, write.policies, modified, path, 'policy'),
  };
}

/** JSON with sorted keys and without elements' `version` (which a write set bumps), for comparing config elements. */
function canonical(value: unknown, dropVersion = false): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v)).join(',')}]`;
  if (!isObject(value)) return JSON.stringify(value ?? null);
  const keys = Object.keys(value)
    .filter((k) => !(dropVersion && k === 'version'))
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
}

/** The first place where two channel groups differ (elements' versions aside), in words; undefined when they are the same. */
export function configDifference(actual: ConfigGroup, expected: ConfigGroup, path = 'Channel'): string | undefined {
  if ((actual.mod_policy ?? '') !== (expected.mod_policy ?? '')) return `changes the mod_policy of ${path}`;
  for (const [kind, a, e] of [['value', actual.values, expected.values], ['policy', actual.policies, expected.policies]] as const) {
    for (const name of new Set([...Object.keys(a ?? {}), ...Object.keys(e ?? {})])) {
      const x = a?.[name];
      const y = e?.[name];
      if (!y) return `adds the ${kind} ${name} to ${path}`;
      if (!x) return `removes the ${kind} ${name} of ${path}`;
      if (canonical(x, true) !== canonical(y, true)) return `changes the ${kind} ${name} of ${path}`;
    }
  }
  for (const name of new Set([...Object.keys(actual.groups ?? {}), ...Object.keys(expected.groups ?? {})])) {
    const x = actual.groups?.[name];
    const y = expected.groups?.[name];
    if (!y) return `adds ${path}/${name}`;
    if (!x) return `removes ${path}/${name}`;
    const found = configDifference(x, y, `${path}/${name}`);
    if (found) return found;
  }
  return undefined;
}

const organisationsOf = (g: ConfigGroup): string[] => Object.keys(g.groups?.['Application']?.groups ?? {});

/**
 * What the update does to the channel's application organisations: exactly one added (a seat) or
 * exactly one removed (an unseat), with the channel group it leads to. Anything else is refused.
 */
export function configChange(current: ConfigGroup, write: ConfigGroup): ConfigChange {
  if (!current.groups?.['Application']) throw new ConfigUpdateRefusedError("the channel's current config has no Application group");
  const result = applyWriteSet(current, write);
  const before = organisationsOf(current);
  const after = organisationsOf(result);
  const added = after.filter((o) => !before.includes(o));
  const removed = before.filter((o) => !after.includes(o));
  if (added.length === 1 && removed.length === 0) return { kind: 'seat', mspId: added[0]!, result };
  if (removed.length === 1 && added.length === 0) return { kind: 'unseat', mspId: removed[0]!, result };
  const what = [added.length ? `adds ${added.join(', ')}` : '', removed.length ? `removes ${removed.join(', ')}` : ''].filter(Boolean).join(' and ') || 'adds and removes no organisation';
  throw new ConfigUpdateRefusedError(`the update ${what}: a transfer's update adds its recipient or removes its leaver, one organisation`);
}

/** The channel group with the Application group's organisations changed by `edit`. */
function withOrganisations(current: ConfigGroup, edit: (orgs: Record<string, ConfigGroup>) => void): ConfigGroup {
  const application = current.groups!['Application']!;
  const orgs = { ...(application.groups ?? {}) };
  edit(orgs);
  return { ...current, groups: { ...current.groups, Application: { ...application, groups: orgs } } };
}

/** What the member knows for sure of itself and of the ordering service, and who the operator is (channel-check.ts). */
export interface OwnGround {
  readonly own: OwnPlaceExpectations;
  readonly operatorMspId: string;
}

/** The recipient's public MSP as the marketplace ledger records it: its group in `marketplace`'s latest config and the CA certificate its registration holds. */
export interface RecordedRecipient {
  readonly group: ConfigGroup | undefined;
  readonly registeredCaCertPem: string | undefined;
}

function fingerprint(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    return undefined;
  }
}

/** The channel after the update still passes the member's own checks (its place, a members' governance): ChannelConfigWatch would refuse it otherwise. */
function checkResult(change: ConfigChange, ground: OwnGround): void {
  const view = channelConfigView({ data: { data: [{ payload: { header: { channel_header: { channel_id: ground.own.channel } }, data: { config: { channel_group: change.result } } } }] } });
  try {
    if (view.organisations.some((o) => o.mspId === ground.own.self.mspId)) checkOwnPlace(ground.own, view);
    checkMembersGovernance(ground.own.channel, view, ground.operatorMspId);
  } catch (error) {
    if (error instanceof ChannelRejectedError) throw new ConfigUpdateRefusedError(`after the update, ${error.message}`);
    throw error;
  }
}

/**
 * A seat: the update adds exactly the transfer's recipient, whose group is exactly its group in
 * `marketplace` (its MSP: root and TLS root certificates, NodeOUs, admins; its own policies; its
 * anchor peer) with the CA its registration holds, and changes nothing else; the transfer is open
 * (offered), consented (the join consent rule holds) and its recipient a newcomer.
 */
export function checkSeatUpdate(current: ConfigGroup, change: ConfigChange, transfer: TransferOnChannel, recipient: RecordedRecipient, ground: OwnGround): void {
  if (change.kind !== 'seat') throw new ConfigUpdateRefusedError(`the update removes ${change.mspId}: transfer ${transfer.transferId} is ${transfer.status}, its recipient not seated yet`);
  if (change.mspId !== transfer.to) throw new ConfigUpdateRefusedError(`the update adds ${change.mspId}; transfer ${transfer.transferId}'s recipient is ${transfer.to}`);
  if (transfer.status !== 'offered') throw new ConfigUpdateRefusedError(`transfer ${transfer.transferId} is ${transfer.status}: a recipient is seated while it is offered`);
  if (transfer.recipientWasMember === true) throw new ConfigUpdateRefusedError(`${transfer.to} was a member when transfer ${transfer.transferId} was offered: it needs no seat`);
  if (transfer.consented !== true) throw new ConfigUpdateRefusedError(`the consent rule of transfer ${transfer.transferId} does not hold yet: its recipient is seated once it does`);
  if (!recipient.group) throw new ConfigUpdateRefusedError(`${transfer.to} is not an organisation of marketplace: its public MSP is not recorded`);
  const registered = recipient.registeredCaCertPem === undefined ? undefined : fingerprint(recipient.registeredCaCertPem);
  const roots = mspRootCertPems(recipient.group).map(fingerprint);
  if (!registered || roots.length !== 1 || roots[0] !== registered) throw new ConfigUpdateRefusedError(`${transfer.to}'s MSP in marketplace is not exactly the CA its registration holds`);
  const expected = withOrganisations(current, (orgs) => void (orgs[transfer.to] = recipient.group!));
  const differs = configDifference(change.result, expected);
  if (differs) throw new ConfigUpdateRefusedError(`the update ${differs}, beyond adding ${transfer.to} as marketplace records it`);
  checkResult(change, ground);
}

/** An unseat: the update removes exactly the transfer's leaver and changes nothing else; the transfer is completed. */
export function checkUnseatUpdate(current: ConfigGroup, change: ConfigChange, transfer: TransferOnChannel, ground: OwnGround): void {
  if (change.kind !== 'unseat') throw new ConfigUpdateRefusedError(`the update adds ${change.mspId}: transfer ${transfer.transferId} is ${transfer.status}, its leaver is what an update removes once it completed`);
  if (change.mspId !== transfer.from) throw new ConfigUpdateRefusedError(`the update removes ${change.mspId}; transfer ${transfer.transferId}'s leaver is ${transfer.from}`);
  if (transfer.status !== 'completed') throw new ConfigUpdateRefusedError(`transfer ${transfer.transferId} is ${transfer.status}: its leaver is removed once it completed`);
  const expected = withOrganisations(current, (orgs) => void delete orgs[transfer.from]);
  const differs = configDifference(change.result, expected);
  if (differs) throw new ConfigUpdateRefusedError(`the update ${differs}, beyond removing ${transfer.from}`);
  checkResult(change, ground);
}
