import { MARKETPLACE_CHANNEL, parseDaoChannel } from '../channels';
import type { LedgerEvent } from '../ledger-event.v1';
import { DAO, type DaoEvent } from './dao';
import { MARKETPLACE, type MarketplaceEvent } from './marketplace';

/** A relayed ledger event in its typed form: which chaincode's vocabulary, then its name and payload. */
export type CatalogueEvent = ({ readonly chaincode: 'marketplace' } & MarketplaceEvent) | ({ readonly chaincode: 'dao'; readonly daoId: string; readonly level: number } & DaoEvent);

/**
 * Decodes a relayed ledger event by its channel: the marketplace chaincode's events on `marketplace`,
 * the dao chaincode's on a DAO channel. Undefined for another channel or a name the chaincode does not
 * emit; a ContractValidationError for a known event whose payload does not match its schema.
 */
export function decodeCatalogueEvent(event: Pick<LedgerEvent, 'channel' | 'eventName' | 'payload'>): CatalogueEvent | undefined {
  if (event.channel === MARKETPLACE_CHANNEL) {
    const decoded = MARKETPLACE.decode(event);
    return decoded && { chaincode: 'marketplace', ...decoded };
  }
  const dao = parseDaoChannel(event.channel);
  if (!dao) return undefined;
  const decoded = DAO.decode(event);
  return decoded && { chaincode: 'dao', daoId: dao.daoId, level: dao.level, ...decoded };
}
