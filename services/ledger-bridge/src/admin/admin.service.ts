import { z } from 'zod';
import { DAO, DAO_ID_PATTERN, MARKETPLACE, MSP_ID_PATTERN, OPERATOR_MSP as CATALOGUE_OPERATOR_MSP, type Invocation, type MemberInboxMessage } from '@datawell/contracts';
import { CaRejectedError, mapAtMost, RESERVED_ENROLLMENT_ID, type ChannelConfigNetwork, type MspPackage, type OrdererChannel, type OrdererNode } from '@datawell/stack';
import { AdminError, chaincodeCode, chaincodeMessage, isNotVisible } from './admin.errors';
import { checkCertificateRequest } from './csr';
import type { DaoRead } from './dao-reads';
import type { FabricAdmin, KnownPeer } from './fabric-admin.adapter';
import type { OrgLedger } from './org-ledger.adapter';
import type { SubmitOptions } from '@datawell/fabric';

export const MARKETPLACE_CHANNEL = 'marketplace';
export const MARKETPLACE_CHAINCODE = MARKETPLACE.chaincode;
export const DAO_CHAINCODE = DAO.chaincode;
export const OPERATOR_MSP = CATALOGUE_OPERATOR_MSP;

const mspId = z.string().regex(MSP_ID_PATTERN, 'must be letters and digits ending in "MSP"');

export const participantRequest = z.strictObject({
  mspId,
  role: z.enum(['DSP', 'VSP']),
  name: z.string().trim().min(1).max(128),
  /** Registered to bring its own CA: admitted only from its domain's MSP package, never given a CA by the operator. */
  ownCa: z.boolean().optional(),
});
export type ParticipantRequest = z.output<typeof participantRequest>;

export const enrollmentRequest = z.strictObject({
  mspId,
  enrollmentId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_", "@" or "-"')
    .refine((id) => !RESERVED_ENROLLMENT_ID.test(id), 'is reserved for the network itself'),
  csrPem: z.string().max(8192, 'must be at most 8 KiB'),
});
export type EnrollmentRequest = z.output<typeof enrollmentRequest>;

export interface EnrolledCertificate {
  readonly mspId: string;
  readonly enrollmentId: string;
  readonly certificatePem: string;
  readonly caCertPem: string;
}

/** A suspension or its lifting: the reason is recorded on the ledger with the operator's identity. */
export const sanctionRequest = z.strictObject({ reason: z.string().trim().min(1, 'must not be empty').max(512, 'must be at most 512 characters') });

/** Only what the bridge itself needs from an agreement; the dao chaincode validates all of it. */
export const agreementRequest = z.looseObject({
  daoId: z.string().regex(DAO_ID_PATTERN, 'must be 1-41 lower-case letters, digits or "-"'),
  version: z.number().int().min(1).max(9999),
  members: z.array(z.looseObject({ mspId, group: z.string(), role: z.enum(['DSP', 'VSP']) })).min(2),
});
export type AgreementRequest = z.output<typeof agreementRequest>;

/** An agreement with its members' acceptances: InitVersion verifies them on chain (docs/ledger.md). */
export const signedAgreementRequest = z.strictObject({
  agreement: z.unknown(),
  signatures: z.array(z.looseObject({ mspId })).min(1, 'needs the signatures of the members who accepted'),
});

/** A Fabric channel name. */
export const CHANNEL_NAME = /^[a-z][a-z0-9.-]{0,248}$/;

export const channelRequest = z.strictObject({
  name: z.string().regex(CHANNEL_NAME, 'must be a Fabric channel name'),
  chaincodes: z.array(z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be a chaincode name')).min(1),
  actingMspId: mspId.optional(),
});

export interface ParticipantRecord {
  readonly mspId: string;
  readonly role: 'DSP' | 'VSP';
  readonly name: string;
  readonly status: string;
  /** The organisation's CA certificate (PEM), as recorded in ParticipantRegistered. */
  readonly caCertPem: string;
  /** The standing suspension, or the last one lifted (status says which). */
  readonly sanction?: { readonly reason: string; readonly atMs: number; readonly by: string };
}

/** The participants the marketplace chaincode registered (ListParticipants), without their CA certificates. */
export interface ParticipantListing {
  readonly participants: readonly {
    readonly mspId: string;
    readonly role: 'DSP' | 'VSP';
    readonly name: string;
    readonly status: 'active' | 'suspended';
    readonly registeredAtMs: number;
    readonly sanction?: { readonly reason: string; readonly atMs: number; readonly by: string };
  }[];
}

/**
 * The network as the operator can see it without any member's private state: the channels its own
 * orderers serve with what each channel's config block says, its orderers, and the peers it knows of
 * from public material.
 */
export interface NetworkView {
  readonly channels: readonly ({ readonly name: string; readonly orderers: readonly OrdererChannel[] } & ChannelConfigNetwork)[];
  readonly orderers: readonly OrdererNode[];
  readonly peers: readonly KnownPeer[];
}

export interface DaoVersionRecord {
  readonly daoId: string;
  readonly version: number;
  readonly channel: string;
  readonly members: readonly string[];
  readonly dsp: string;
  readonly initTxId: string;
}

/** What the operator tells a member domain's bridge: its inbox (only the operator writes, only the member reads). */
export interface MemberInbox {
  send(message: MemberInboxMessage): Promise<void>;
}

export interface ChannelRegistrar {
  /** Relays the channel's chaincode events from now on, acting there as `actingMspId`. */
  register(channel: string, chaincodes: readonly string[], actingMspId: string): Promise<void>;
}

export function daoChannel(daoId: string, version: number): string {
  return `dao-${daoId}-v${version}`;
}

function parse<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new AdminError('INVALID_REQUEST', `${what}${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`);
  }
  return result.data;
}

/** How many channel configs the network view fetches at once (each is a Fabric CLI process or two). */
const NETWORK_CONFIG_FETCHES = 3;

/**
 * Network administration for the operator: onboarding participants (an organisation, a CA, a peer,
 * membership of `marketplace` by a channel config update, registration on the ledger) and creating
 * DAO versions (channel CH_i with exactly D ∪ J_1 … J_i, the dao chaincode, InitVersion as the DSP,
 * then the DAO's public entry in the marketplace directory).
 * Every step is idempotent, so a retried request finishes what a failed one started.
 */
export class AdminService {
  /**
   * Each channel's config as last fetched, with the height it was fetched at: a config changes only
   * in a new (config) block, so at the same height it is reused (a stack holds a channel per DAO
   * version, and fetching each config costs two Fabric CLI processes).
   */
  readonly #configs = new Map<string, { readonly height: number; readonly config: ChannelConfigNetwork }>();

  constructor(
    private readonly fabric: FabricAdmin,
    private readonly ledger: OrgLedger,
    private readonly channels: ChannelRegistrar,
    private readonly inbox?: MemberInbox,
  ) {}

  /**
   * The refusal of an organisation without a trust domain: the operator creates no organisation's CA,
   * peer or keys and acts as none, so every participant comes from its own domain's MSP package.
   */
  #noDomain(mspIds: readonly string[], role?: 'DSP' | 'VSP'): AdminError {
    const names = mspIds.join(', ');
    const add = mspIds.length === 1 ? `./dev domain add ${mspIds[0]} --role ${role ?? 'DSP|VSP'}` : './dev domain add <MSPID> --role DSP|VSP';
    return new AdminError('NO_MSP_PACKAGE', `${names} ${mspIds.length === 1 ? 'has' : 'have'} published no MSP package: create ${mspIds.length === 1 ? 'its' : 'each'} trust domain first (${add})`);
  }

  /** Admits a participant from its domain's MSP package; an organisation without one is refused (NO_MSP_PACKAGE), nothing created. */
  async onboardParticipant(input: unknown): Promise<ParticipantRecord> {
    // `ownCa` (a registration that brought its own CA) changes nothing now: every participant brings its own.
    const { ownCa: _ownCa, ...request } = parse(participantRequest, input, 'participant');
    if (request.mspId === OPERATOR_MSP) throw new AdminError('INVALID_REQUEST', 'participant.mspId: the operator is not a participant');
    const pkg = this.fabric.mspPackage(request.mspId);
    if (!pkg) throw this.#noDomain([request.mspId], request.role);
    return this.#admitDomain(request, pkg);
  }

  /**
   * A participant whose organisation is held in its own trust domain: the operator creates nothing
   * of it and holds none of its keys. From its public MSP package the operator admits it to
   * `marketplace` (a config update only the operator's admin signs: it governs that channel) and
   * records it with its CA certificate; the member's own bridge then joins its peer and approves the
   * marketplace chaincode, told so through its inbox. Idempotent.
   */
  async #admitDomain(request: ParticipantRequest, pkg: MspPackage): Promise<ParticipantRecord> {
    if (pkg.role !== request.role) throw new AdminError('ROLE_MISMATCH', `${request.mspId}'s domain is a ${pkg.role}, not a ${request.role}`);
    const inbox = this.#requireInbox();
    await this.fabric.ensureChaincode(MARKETPLACE_CHANNEL, MARKETPLACE_CHAINCODE);
    const existing = await this.#participant(request.mspId);
    if (existing && existing.role !== request.role) throw new AdminError('ROLE_MISMATCH', `${request.mspId} is registered as a ${existing.role}, not a ${request.role}`);
    await this.fabric.admitOrganisation(MARKETPLACE_CHANNEL, pkg);
    const caCertPem = pkg.cacerts[0]!;
    if (!existing) await this.#submit(OPERATOR_MSP, MARKETPLACE_CHANNEL, MARKETPLACE.invocation(MARKETPLACE.tx.RegisterParticipant, { ...request, caCertPem }));
    const definition = await this.fabric.committedDefinition(MARKETPLACE_CHANNEL, MARKETPLACE_CHAINCODE);
    await inbox.send({ kind: 'channel-admitted', id: `admitted:${request.mspId}:${MARKETPLACE_CHANNEL}:${definition.sequence}`, mspId: request.mspId, channel: MARKETPLACE_CHANNEL, chaincodes: [definition] });
    const record = (await this.#participant(request.mspId)) as ParticipantRecord;
    return { ...record, caCertPem: record.caCertPem ?? caCertPem };
  }

  #requireInbox(): MemberInbox {
    if (!this.inbox) throw new Error("this bridge has no member inbox: it cannot tell members' domains their part");
    return this.inbox;
  }

  /**
   * Enrolls an identity of a registered participant at its organisation's CA from a certificate
   * request: the private key never reaches the bridge. The same enrollment id may enroll again (a new
   * key, a new certificate); each registration gets a fresh one-time secret.
   */
  async enrollIdentity(input: unknown): Promise<EnrolledCertificate> {
    const request = parse(enrollmentRequest, input, 'enrollment');
    if (request.mspId === OPERATOR_MSP) throw new AdminError('NOT_A_PARTICIPANT', 'the operator enrolls no identities through the bridge');
    if (this.fabric.mspPackage(request.mspId)) {
      throw new AdminError('ENROLL_IN_DOMAIN', `${request.mspId} is held in its own domain: its identities are enrolled at its own CA there, not through the operator`);
    }
    await checkCertificateRequest(request.csrPem, request.enrollmentId);
    if (!(await this.#participant(request.mspId))) throw new AdminError('NOT_A_PARTICIPANT', `${request.mspId} is not a registered participant`);
    try {
      const enrolled = await this.fabric.enrollFromCsr(request.mspId, request.enrollmentId, request.csrPem);
      return { mspId: request.mspId, enrollmentId: request.enrollmentId, ...enrolled };
    } catch (error) {
      if (error instanceof CaRejectedError) throw new AdminError('ENROLLMENT_REJECTED', `the CA of ${request.mspId} refused the enrollment: ${error.message}`, { cause: error });
      throw error;
    }
  }

  /**
   * The marketplace's governance: the operator suspends a participant, or lifts its suspension,
   * with a reason (SuspendParticipant / ReinstateParticipant on `marketplace`, submitted as the
   * operator; the chaincode allows no one else and records the signing identity).
   */
  async sanctionParticipant(mspIdParam: string, input: unknown, suspend: boolean): Promise<ParticipantRecord> {
    const id = parse(mspId, mspIdParam, 'mspId');
    const { reason } = parse(sanctionRequest, input, 'sanction');
    const participant = await this.#participant(id);
    if (!participant) throw new AdminError('NOT_A_PARTICIPANT', `${id} is not a registered participant`);
    if (suspend && participant.status === 'suspended') throw new AdminError('ALREADY_SUSPENDED', `${id} is suspended already`);
    if (!suspend && participant.status !== 'suspended') throw new AdminError('NOT_SUSPENDED', `${id} is not suspended`);
    const tx = suspend ? MARKETPLACE.tx.SuspendParticipant : MARKETPLACE.tx.ReinstateParticipant;
    await this.#submit(OPERATOR_MSP, MARKETPLACE_CHANNEL, MARKETPLACE.invocation(tx, { mspId: id, reason }));
    return (await this.#participant(id)) as ParticipantRecord;
  }

  async createDaoVersion(input: unknown): Promise<DaoVersionRecord> {
    const signed = parse(signedAgreementRequest, input, 'request');
    const agreement = parse(agreementRequest, signed.agreement, 'agreement');
    const members = agreement.members.map((m) => m.mspId);
    const dsp = agreement.members.find((m) => m.group === 'D')?.mspId;
    if (!dsp) throw new AdminError('INVALID_REQUEST', 'agreement.members: the founding group D has no member');
    for (const member of agreement.members) {
      const participant = await this.#participant(member.mspId);
      if (!participant) throw new AdminError('NOT_A_PARTICIPANT', `${member.mspId} is not a registered participant`);
      if (participant.role !== member.role) throw new AdminError('ROLE_MISMATCH', `${member.mspId} is registered as a ${participant.role}, not a ${member.role}`);
      // The marketplace's sanction: a suspended participant joins no DAO. The dao chaincode cannot
      // read the marketplace channel (its peers need not be on it), so the operator's path checks it.
      if (participant.status === 'suspended') throw new AdminError('PARTICIPANT_SUSPENDED', `${member.mspId} is suspended by the marketplace and may not join a DAO`);
    }
    const channel = daoChannel(agreement.daoId, agreement.version);
    const packages = members.map((m) => this.fabric.mspPackage(m));
    const missing = members.filter((_, i) => packages[i] === undefined);
    if (missing.length > 0) throw this.#noDomain(missing);
    return this.#formInDomains(agreement, signed.signatures, channel, dsp, packages as MspPackage[]);
  }

  /**
   * Formation as Fabric's multi-party workflow: the operator builds CH_i from the members' public
   * MSP packages and joins its orderers, then tells each member's bridge (its inbox) to join its own
   * peer and approve; the DSP's bridge commits and submits InitVersion as the DSP, which the chaincode
   * verifies. The operator submits nothing as a member: the record has no InitVersion transaction
   * (its id is empty); VersionCreated comes from the channel, relayed by the members' bridges.
   */
  async #formInDomains(agreement: AgreementRequest, signatures: readonly Record<string, unknown>[], channel: string, dsp: string, packages: readonly MspPackage[]): Promise<DaoVersionRecord> {
    const inbox = this.#requireInbox();
    const members = agreement.members.map((m) => m.mspId);
    const blueprint = await this.fabric.formChannel(channel, packages, [DAO_CHAINCODE]);
    for (const mspId of members) {
      await inbox.send({
        kind: 'channel-formed',
        id: `formed:${channel}:${mspId}`,
        mspId,
        channel,
        daoId: agreement.daoId,
        version: agreement.version,
        dsp,
        members,
        chaincodes: [...blueprint.chaincodes],
        peers: [...blueprint.peers],
        agreement: agreement as Record<string, unknown>,
        signatures: [...signatures],
      });
    }
    return { daoId: agreement.daoId, version: agreement.version, channel, members, dsp, initTxId: '' };
  }

  /** Relays the chaincode events of an existing channel from now on (e.g. one created by operators' tools). */
  async registerChannel(input: unknown): Promise<{ name: string; chaincodes: string[] }> {
    const request = parse(channelRequest, input, 'channel');
    if (request.name.startsWith('dao-') && !request.actingMspId) throw new AdminError('INVALID_REQUEST', 'channel.actingMspId: a DAO channel needs its DSP');
    if (request.actingMspId !== undefined && request.actingMspId !== OPERATOR_MSP) {
      throw new AdminError('NOT_CUSTODIAN', `channel.actingMspId: the operator acts only as ${OPERATOR_MSP}; ${request.actingMspId}'s own bridge relays its channels`);
    }
    await this.channels.register(request.name, request.chaincodes, request.actingMspId ?? OPERATOR_MSP);
    return { name: request.name, chaincodes: request.chaincodes };
  }

  /** The CA certificate of an organisation of the network, or undefined for one it does not have. */
  orgCaCertificate(mspId: string): string | undefined {
    try {
      return this.fabric.caCertificate(mspId);
    } catch {
      return undefined;
    }
  }

  /** A channel's organisations from its config block, fetched as `asMspId`: CHANNEL_NOT_FOUND when there is none it may read. */
  async channelMembers(channel: string, asMspId: string): Promise<string[]> {
    if (!CHANNEL_NAME.test(channel)) throw new AdminError('INVALID_REQUEST', 'channel: must be a Fabric channel name');
    try {
      return await this.fabric.channelMembers(channel, asMspId);
    } catch (error) {
      if (isNotVisible(error)) throw new AdminError('CHANNEL_NOT_FOUND', `no channel ${channel} that ${asMspId} may read`, { cause: error });
      throw new AdminError('LEDGER_UNAVAILABLE', `the peer did not answer for channel ${channel}; try again`, { cause: error });
    }
  }

  /** Every participant the marketplace chaincode registered, as the operator reads `marketplace` (public registry data). */
  async listParticipants(): Promise<ParticipantListing> {
    const call = MARKETPLACE.invocation(MARKETPLACE.tx.ListParticipants);
    let listed: Array<ParticipantListing['participants'][number] & { caCertPem?: string; registeredBy?: string }>;
    try {
      listed = JSON.parse(await this.ledger.evaluate(OPERATOR_MSP, MARKETPLACE_CHANNEL, call.chaincode, call.transaction, call.arguments)) as typeof listed;
    } catch (error) {
      throw new AdminError('LEDGER_UNAVAILABLE', `the operator's peer did not answer for ${MARKETPLACE_CHANNEL}; try again`, { cause: error });
    }
    return {
      participants: listed
        .map(({ mspId, role, name, status, registeredAtMs, sanction }) => ({ mspId, role, name, status, registeredAtMs, ...(sanction ? { sanction: { reason: sanction.reason, atMs: sanction.atMs, by: sanction.by } } : {}) }))
        .sort((a, b) => (a.mspId < b.mspId ? -1 : a.mspId > b.mspId ? 1 : 0)),
    };
  }

  /**
   * The network the operator's own orderers serve: each channel as the channel participation API
   * lists it and as its latest config block describes it (organisations, orderer organisations,
   * consenters; the config block is public to the orderers, the ledger's state is never read), the
   * orderers, and the peer of each organisation named there that the operator knows of from public
   * material (a domain's MSP package, or the organisations its own tooling holds).
   */
  async network(): Promise<NetworkView> {
    let served: Map<string, OrdererChannel[]>;
    try {
      served = await this.fabric.ordererChannels();
    } catch (error) {
      throw new AdminError('LEDGER_UNAVAILABLE', "the operator's orderers did not list their channels; try again", { cause: error });
    }
    const entries = [...served];
    const configs = await mapAtMost(NETWORK_CONFIG_FETCHES, entries, async ([name, orderers]) => {
      const height = Math.max(0, ...orderers.map((o) => o.height));
      const known = this.#configs.get(name);
      if (known && known.height === height) return known.config;
      try {
        const config = await this.fabric.channelConfig(name);
        this.#configs.set(name, { height, config });
        return config;
      } catch (error) {
        throw new AdminError('LEDGER_UNAVAILABLE', `the ordering service did not give the config of channel ${name}; try again`, { cause: error });
      }
    });
    for (const name of this.#configs.keys()) if (!served.has(name)) this.#configs.delete(name);
    const channels: NetworkView['channels'][number][] = entries.map(([name, orderers], i) => ({ name, orderers, ...configs[i]! }));
    const mspIds = [...new Set(channels.flatMap((c) => c.organisations.map((o) => o.mspId)))].sort();
    return { channels, orderers: this.fabric.orderers(), peers: this.fabric.knownPeers(mspIds) };
  }

  /**
   * A DAO's private state is never read through the operator: it holds no identity of any member, so
   * the caller is sent to its own domain's bridge (NOT_CUSTODIAN, 403).
   */
  evaluateDao(daoId: string, version: number, _fn: DaoRead, asMspId: string): Promise<never> {
    return Promise.reject(new AdminError('NOT_CUSTODIAN', `the operator holds no identity of ${asMspId}: a DAO's private state is read through the member's own domain (GET /daos/${daoId}/versions/${version}/state or /entitlements on its own bridge)`));
  }

  async #participant(id: string): Promise<(Omit<ParticipantRecord, 'caCertPem'> & { caCertPem?: string }) | undefined> {
    try {
      const call = MARKETPLACE.invocation(MARKETPLACE.tx.GetParticipant, id);
      return JSON.parse(await this.ledger.evaluate(OPERATOR_MSP, MARKETPLACE_CHANNEL, call.chaincode, call.transaction, call.arguments)) as ParticipantRecord;
    } catch (error) {
      if (chaincodeCode(error) === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  async #submit(mspId: string, channel: string, call: Invocation, options: Pick<SubmitOptions, 'endorsingOrganizations'> = {}) {
    try {
      return await this.ledger.submit(mspId, channel, call.chaincode, call.transaction, call.arguments, options);
    } catch (error) {
      const code = chaincodeCode(error);
      if (code === 'INVALID_ARGUMENT' || code === 'FORBIDDEN' || code === 'CONFLICT') {
        throw new AdminError('LEDGER_REJECTED', chaincodeMessage(error), { cause: error });
      }
      throw error;
    }
  }
}
