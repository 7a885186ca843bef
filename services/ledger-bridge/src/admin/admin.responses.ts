import type { SameShape as Same } from '@datawell/service-platform';
import { z } from 'zod';
import type { NetworkView, ParticipantListing, ParticipantRecord } from './admin.service';

/*
 * What the operator's administration routes answer, as zod schemas for the OpenAPI document
 * (zodResponse), so that typed clients (the console's) get the shapes. Each is tied to the service's
 * own type below: the type check fails when one of them changes without the other.
 */

const role = z.enum(['DSP', 'VSP']);
const sanction = z.object({ reason: z.string(), atMs: z.number().int(), by: z.string().describe('OperatorMSP: and the signer’s x509 id') });

export const participantRecordSchema = z.object({
  mspId: z.string(),
  role,
  name: z.string(),
  status: z.string().describe('active | suspended, as the marketplace chaincode records it'),
  caCertPem: z.string(),
  sanction: sanction.optional().describe('the standing suspension, or the last one lifted (status says which)'),
});

export const participantListingSchema = z.object({
  participants: z.array(
    z.object({
      mspId: z.string(),
      role,
      name: z.string(),
      status: z.enum(['active', 'suspended']),
      registeredAtMs: z.number().int(),
      sanction: sanction.optional(),
    }),
  ),
});

export const networkViewSchema = z.object({
  channels: z
    .array(
      z.object({
        name: z.string(),
        orderers: z.array(z.object({ orderer: z.string(), endpoint: z.string(), status: z.string(), consensusRelation: z.string(), height: z.number().int() })).describe('each of the operator’s orderers that serves it, as its channel participation API reports it'),
        organisations: z.array(z.object({ mspId: z.string(), anchorPeers: z.array(z.string()) })).describe('the application organisations of its latest config block'),
        ordererOrganisations: z.array(z.object({ mspId: z.string(), endpoints: z.array(z.string()) })),
        consenters: z.array(z.string()),
        consensusType: z.string(),
      }),
    )
    .describe('the channels the operator’s orderers serve, by name'),
  orderers: z.array(z.object({ name: z.string(), mspId: z.string(), endpoint: z.string(), adminEndpoint: z.string() })),
  peers: z
    .array(z.object({ mspId: z.string(), endpoint: z.string(), hostAlias: z.string(), source: z.enum(['msp-package', 'operator-tooling']) }))
    .describe('the peer of each organisation of those channels, as the operator knows it from public material (a domain’s MSP package, or its own tooling); an organisation it knows no peer of is absent'),
});

// The schemas say what the service returns: each line fails the type check when they part.
export const RESPONSES_MATCH_THE_SERVICE: ReadonlyArray<true> = [
  true satisfies Same<z.output<typeof networkViewSchema>, NetworkView>,
  true satisfies Same<z.output<typeof participantListingSchema>, ParticipantListing>,
  true satisfies Same<z.output<typeof participantRecordSchema>, ParticipantRecord>,
];
