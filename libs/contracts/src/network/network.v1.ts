import { MSP_ID_PATTERN } from '@datawell/domain';
import { z } from 'zod';
import { buildCloudEvent, type CloudEvent } from '../cloudevent';

export const NETWORK_COMMAND_TYPE = 'datawell.network.command.v1';
export const NETWORK_EVENT_TYPE = 'datawell.network.event.v1';

const mspId = z.string().regex(MSP_ID_PATTERN, 'must be letters and digits ending in "MSP"');
const enrollmentId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_", "@" or "-"');
const csrPem = z.string().max(8192).regex(/^-----BEGIN CERTIFICATE REQUEST-----[\s\S]+-----END CERTIFICATE REQUEST-----\s*$/, 'must be a PEM certificate request');
const commandId = z.string().min(1).max(200);

/**
 * Network administration asked of the ledger bridge. Private keys never travel: an identity is
 * enrolled from a certificate request made where its key lives.
 */
export const networkCommandSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('onboard-participant'),
    commandId,
    mspId,
    role: z.enum(['DSP', 'VSP']),
    name: z.string().trim().min(1).max(128),
    /** The organisation runs its own CA in its own domain (it published an MSP package); its identities are never enrolled through the operator. */
    ownCa: z.boolean().optional(),
  }),
  z.object({ kind: z.literal('enroll-identity'), commandId, mspId, enrollmentId, csrPem }),
]);
export type NetworkCommand = z.output<typeof networkCommandSchema>;

/** What became of a network command or an agreement; `commandId` ties it to its cause. */
export const networkEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('participant-onboarded'), commandId, mspId, role: z.enum(['DSP', 'VSP']), name: z.string(), caCertPem: z.string() }),
  z.object({ kind: z.literal('identity-enrolled'), commandId, mspId, enrollmentId, certificatePem: z.string(), caCertPem: z.string() }),
  z.object({ kind: z.literal('dao-version-created'), commandId, daoId: z.string(), version: z.number().int(), channel: z.string(), members: z.array(mspId), initTxId: z.string() }),
  z.object({ kind: z.literal('command-failed'), commandId, subject: z.string(), code: z.string().min(1), message: z.string() }),
]);
export type NetworkEvent = z.output<typeof networkEventSchema>;

export function networkCommandCloudEvent(command: NetworkCommand, source: string): CloudEvent<NetworkCommand> {
  return buildCloudEvent({ id: command.commandId, source, type: NETWORK_COMMAND_TYPE, subject: command.kind, data: networkCommandSchema.parse(command) });
}

export function networkEventCloudEvent(event: NetworkEvent, source: string): CloudEvent<NetworkEvent> {
  return buildCloudEvent({ id: `network:${event.kind}:${event.commandId}`, source, type: NETWORK_EVENT_TYPE, subject: event.kind, data: networkEventSchema.parse(event) });
}
