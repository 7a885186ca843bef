import { ContractValidationError, decodeCloudEvent, decodeLedgerEvent, LEDGER_RECEIPT_TYPE, ledgerReceiptSchema } from '@datawell/contracts';
import { processOnce, type ConnectionLogger } from '@datawell/messaging';
import { ProjectionError, projectLedgerEvent } from './ledger-projection';
import type { TelemetryRepository } from './telemetry.repository';

/** Ledger events and receipts in: the read models, and the outcome of telemetry's own commands. */
export class LedgerEventsService {
  constructor(
    private readonly repository: TelemetryRepository,
    private readonly logger: ConnectionLogger,
  ) {}

  /** One message of the ledger events topic, applied once per event id. */
  async handleEvent(value: Buffer | null): Promise<void> {
    let envelope;
    try {
      envelope = decodeLedgerEvent(value);
    } catch (error) {
      if (!(error instanceof ContractValidationError)) throw error;
      this.logger.warn({ message: 'unreadable ledger event skipped', code: error.code, error: error.message });
      return;
    }
    let projections;
    try {
      projections = projectLedgerEvent(envelope.data, Date.parse(envelope.time));
    } catch (error) {
      if (!(error instanceof ProjectionError)) throw error;
      this.logger.warn({ message: 'malformed ledger event skipped', eventId: envelope.id, code: error.code, error: error.message });
      return;
    }
    if (projections.length === 0) return;
    const { dataSource, schema } = this.repository;
    const applied = await processOnce(dataSource, schema, 'ledger-events', envelope.id, async (manager) => {
      for (const projection of projections) await this.repository.apply(manager, projection);
    });
    if (applied) this.logger.debug({ message: 'ledger event applied', eventId: envelope.id, event: envelope.data.eventName, channel: envelope.data.channel });
  }

  /** One message of the receipts topic: only telemetry's own commands matter here. */
  async handleReceipt(value: Buffer | null): Promise<void> {
    let envelope;
    try {
      envelope = decodeCloudEvent(value, LEDGER_RECEIPT_TYPE, ledgerReceiptSchema);
    } catch (error) {
      if (!(error instanceof ContractValidationError)) throw error;
      this.logger.warn({ message: 'unreadable ledger receipt skipped', code: error.code, error: error.message });
      return;
    }
    const receipt = envelope.data;
    if (!receipt.commandId.startsWith('telemetry:')) return;
    const { dataSource, schema } = this.repository;
    await processOnce(dataSource, schema, 'ledger-receipts', envelope.id, async (manager) => {
      await this.repository.applyReceipt(manager, receipt);
    });
    if (receipt.status === 'failed') {
      this.logger.warn({ message: 'telemetry command failed on the ledger', commandId: receipt.commandId, code: receipt.errorCode, error: receipt.errorMessage });
    }
  }
}
