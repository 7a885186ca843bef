import { z } from 'zod';
import { DAO, idSchema, MARKETPLACE, MARKETPLACE_CHANNEL, OPERATOR_MSP } from '@datawell/contracts';
import { AdminError, chaincodeCode, chaincodeMessage, firstLine, readOwn } from '../admin/admin.errors';
import { memberVersionChannel, parse, type MemberLedger } from '../admin/member-dao';
import type { MemberAdmin } from './member-network.service';
import {
  checkSeatUpdate,
  checkUnseatUpdate,
  configChange,
  configUpdateWriteSet,
  ConfigUpdateRefusedError,
  MalformedConfigUpdateError,
  type ConfigGroup,
  type TransferOnChannel,
} from './config-update-check';

/** A config update envelope is a few kilobytes per organisation; this leaves room for a large channel. */
const MAX_ENVELOPE_BASE64 = 1_000_000;

export const configSignatureSchema = z.strictObject({
  transferId: idSchema.describe('the transfer of rights the update serves: its recipient is seated (added) or its leaver unseated (removed)'),
  envelope: z
    .string()
    .min(4)
    .max(MAX_ENVELOPE_BASE64)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')
    .describe("base64 of the config update's common.Envelope (a CONFIG_UPDATE), with the signatures other admins have added"),
  submit: z
    .boolean()
    .optional()
    .describe("true: this member's admin also submits the update to the ordering service once it is checked (`peer channel update` adds its signature), as the last signer of the majority does; the answer's envelope is then the one given"),
});

/** What the route answers: the envelope with this member's admin signature added, and what it signed. */
export interface ConfigSignature {
  readonly daoId: string;
  readonly version: number;
  readonly channel: string;
  readonly transferId: string;
  /** What the update does, as this member checked it. */
  readonly change: { readonly kind: 'seat' | 'unseat'; readonly mspId: string };
  /** This member's organisation, whose admin signed. */
  readonly signedBy: string;
  /** base64 of the envelope with this member's ConfigSignature added (with `submit`: the envelope given, which the submission signed). */
  readonly envelope: string;
  /** With `submit`: the member's admin submitted the update to the ordering service (it took it; the channel shows it once the block is cut). */
  readonly submitted?: true;
}

export interface ConfigSignaturesOptions {
  readonly ledger: Pick<MemberLedger, 'mspId' | 'channels' | 'evaluate'>;
  readonly admin: Pick<MemberAdmin, 'channelConfig' | 'decodeConfigUpdate' | 'signConfigUpdate' | 'submitConfigUpdate' | 'ownCaCertPems' | 'ordererTlsCaPems'>;
  /** Throws when the bridge signs nothing on the channel (its latest config failed the member's checks: ChannelConfigWatch). */
  readonly guard?: (channel: string) => void;
}

/**
 * A member signs a seat's or an unseat's config update of its DAO channel (a transfer of rights)
 * with its own admin, only after its own check (config-update-check.ts) of what the update does,
 * against what its own peer and the ordering service show: the channel's current config, the
 * transfer on the channel, and the recipient's public MSP in `marketplace`. The tooling only
 * carries the envelope from one member's bridge to the next; the last signer's bridge, asked to
 * (`submit`), submits it as its own admin, so no signature of a member is made outside its bridge.
 */
export class ConfigSignatures {
  constructor(private readonly options: ConfigSignaturesOptions) {}

  async sign(daoId: string, version: number, body: unknown): Promise<ConfigSignature> {
    const { ledger, admin } = this.options;
    const input = parse(configSignatureSchema, body);
    const channel = await memberVersionChannel(ledger, daoId, version);
    this.options.guard?.(channel);
    const transfer = await this.#transfer(channel, input.transferId);
    const envelope = Buffer.from(input.envelope, 'base64');
    let decoded: unknown;
    try {
      decoded = await admin.decodeConfigUpdate(envelope);
    } catch (error) {
      throw new AdminError('INVALID_REQUEST', `envelope: not a common.Envelope (${firstLine(error)})`, { cause: error });
    }
    const current = await this.#read(`the config of ${channel}`, () => admin.channelConfig(channel));
    try {
      const write = configUpdateWriteSet(decoded, channel);
      const change = configChange(current, write);
      const ground = { own: { channel, self: { mspId: ledger.mspId, caCertPems: admin.ownCaCertPems() }, ordererTlsCaPems: admin.ordererTlsCaPems() }, operatorMspId: OPERATOR_MSP };
      if (transfer.status === 'offered') checkSeatUpdate(current, change, transfer, await this.#recipient(change.kind === 'seat' ? change.mspId : transfer.to), ground);
      else checkUnseatUpdate(current, change, transfer, ground);
      const what = { daoId, version, channel, transferId: transfer.transferId, change: { kind: change.kind, mspId: change.mspId }, signedBy: ledger.mspId };
      if (input.submit) {
        // `peer channel update` signs as this member's admin and sends the update to the ordering service, which refuses it without the majority's signatures.
        await this.#submit(channel, envelope);
        return { ...what, envelope: input.envelope, submitted: true };
      }
      const signed = await this.#read('the signature of the update', () => admin.signConfigUpdate(envelope));
      return { ...what, envelope: signed.toString('base64') };
    } catch (error) {
      if (error instanceof MalformedConfigUpdateError) throw new AdminError('INVALID_REQUEST', `envelope: ${error.message}`, { cause: error });
      if (error instanceof ConfigUpdateRefusedError) throw new AdminError('CONFIG_UPDATE_REFUSED', `${ledger.mspId} does not sign this update of ${channel}: ${error.message}`, { cause: error });
      throw error;
    }
  }

  /** The transfer on the channel as this member's own peer reads it (GetTransfer, as itself): TRANSFER_NOT_FOUND when the channel does not record it. */
  async #transfer(channel: string, transferId: string): Promise<TransferOnChannel> {
    const call = DAO.invocation(DAO.tx.GetTransfer, transferId);
    let text: string;
    try {
      text = await this.options.ledger.evaluate(this.options.ledger.mspId, channel, call.chaincode, call.transaction, call.arguments);
    } catch (error) {
      if (chaincodeCode(error) === 'NOT_FOUND') throw new AdminError('TRANSFER_NOT_FOUND', `no transfer ${transferId} on ${channel}`, { cause: error });
      if (chaincodeCode(error)) throw new AdminError('LEDGER_REJECTED', chaincodeMessage(error), { cause: error });
      throw new AdminError('LEDGER_UNAVAILABLE', `the peer did not answer for ${channel}; try again`, { cause: error });
    }
    return JSON.parse(text) as TransferOnChannel;
  }

  /** The recipient's group in `marketplace`'s latest config (fetched by this member's admin) and the CA certificate its registration holds (GetParticipant, as itself). */
  async #recipient(mspId: string): Promise<{ group: ConfigGroup | undefined; registeredCaCertPem: string | undefined }> {
    const config = await this.#read(`the config of ${MARKETPLACE_CHANNEL}`, () => this.options.admin.channelConfig(MARKETPLACE_CHANNEL));
    const call = MARKETPLACE.invocation(MARKETPLACE.tx.GetParticipant, mspId);
    let registered: string | undefined;
    try {
      const participant = JSON.parse(await this.options.ledger.evaluate(this.options.ledger.mspId, MARKETPLACE_CHANNEL, call.chaincode, call.transaction, call.arguments)) as { caCertPem?: string; status?: string };
      registered = participant.status === 'active' ? participant.caCertPem : undefined;
    } catch (error) {
      if (chaincodeCode(error) !== 'NOT_FOUND') throw new AdminError('LEDGER_UNAVAILABLE', `the peer did not answer for ${MARKETPLACE_CHANNEL}; try again`, { cause: error });
    }
    return { group: config.groups?.['Application']?.groups?.[mspId], registeredCaCertPem: registered };
  }

  /** The ordering service's refusal (too few signatures, a stale read set) is the caller's to fix: 422 CONFIG_UPDATE_NOT_ACCEPTED; no answer is 503. */
  async #submit(channel: string, envelope: Buffer): Promise<void> {
    try {
      await this.options.admin.submitConfigUpdate(channel, envelope);
    } catch (error) {
      // The peer CLI's failure names the command on its first line; the ordering service's answer is in the output below it.
      const lines = (error instanceof Error ? error.message : String(error)).split('\n');
      const refusal = lines.find((l) => /BAD_REQUEST|FORBIDDEN|implicit policy evaluation failed|signature set did not satisfy|status: 4\d\d/i.test(l));
      if (refusal) throw new AdminError('CONFIG_UPDATE_NOT_ACCEPTED', `the ordering service did not take the update of ${channel}: ${refusal.trim().slice(0, 300)}`, { cause: error });
      throw new AdminError('LEDGER_UNAVAILABLE', `the update of ${channel} could not be submitted by ${this.options.ledger.mspId}'s admin: ${firstLine(error)}`, { cause: error });
    }
  }

  async #read<T>(what: string, read: () => Promise<T>): Promise<T> {
    return readOwn(this.options.ledger.mspId, what, read);
  }
}
