import { MSP_ID_PATTERN } from '@datawell/domain';
import { z } from 'zod';
import { buildCloudEvent, type CloudEvent } from '../cloudevent';

/**
 * What the operator's bridge tells a member domain's bridge about the network, on the member's inbox
 * topic (`memberInboxTopic`): only the operator writes there and only the member reads. It carries
 * what the member's own admin then does in its domain (DESIGN.md, life cycle steps 1 and 4): join its
 * own peer to a channel and approve the chaincode definitions there, and, for the DSP of a DAO
 * version, commit them and submit `InitVersion` with the signed agreement. Nothing secret from the
 * operator travels here: it formed the channel from the agreement it verified.
 */
export const MEMBER_INBOX_TYPE = 'datawell.network.member-inbox.v1';

const mspId = z.string().regex(MSP_ID_PATTERN, 'must be letters and digits ending in "MSP"');
const channel = z.string().regex(/^[a-z][a-z0-9.-]{0,248}$/, 'must be a Fabric channel name');

/** A chaincode definition to approve: the package is public (the operator's public folder). */
export const chaincodeDefinitionSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/),
  version: z.string().min(1).max(64),
  sequence: z.number().int().min(1),
  packageId: z.string().min(1).max(200),
  packageFile: z.string().min(1).max(1024),
});

const peer = z.object({ mspId, address: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/), tlsCaCert: z.string().min(1).max(16_384) });

export const memberInboxSchema = z.discriminatedUnion('kind', [
  /** Admitted to `marketplace`: join the peer, approve the committed marketplace chaincode. */
  z.object({ kind: z.literal('channel-admitted'), id: z.string().min(1).max(200), mspId, channel, chaincodes: z.array(chaincodeDefinitionSchema).min(1) }),
  /** A DAO version's channel formed from the members' MSP packages: join, approve; the DSP commits and initialises it. */
  z.object({
    kind: z.literal('channel-formed'),
    id: z.string().min(1).max(200),
    mspId,
    channel,
    daoId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/),
    version: z.number().int().min(1),
    dsp: mspId,
    members: z.array(mspId).min(1),
    chaincodes: z.array(chaincodeDefinitionSchema).min(1),
    peers: z.array(peer).min(1),
    /** The signed agreement, as InitVersion takes it (the chaincode validates and verifies it). */
    agreement: z.record(z.string(), z.unknown()),
    signatures: z.array(z.record(z.string(), z.unknown())).min(1),
  }),
]);
export type MemberInboxMessage = z.output<typeof memberInboxSchema>;
export type ChaincodeDefinitionMessage = z.output<typeof chaincodeDefinitionSchema>;

export function memberInboxCloudEvent(message: MemberInboxMessage, source: string): CloudEvent<MemberInboxMessage> {
  return buildCloudEvent({ id: message.id, source, type: MEMBER_INBOX_TYPE, subject: message.kind, data: memberInboxSchema.parse(message) });
}
