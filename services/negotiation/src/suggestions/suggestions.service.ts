import { formatPpm } from '@datawell/domain';
import type { DaosRepository } from '../daos/daos.repository';
import { negotiationError } from '../sessions/negotiation.errors';
import { betaSuggestionSchema, parseInput, PPM } from '../sessions/proposal.schema';
import { suggestFormationBetas, suggestJoinBeta, type BetaSuggestion } from './beta';

/**
 * `GET /suggestions/beta`: with `daoId` and `targetOwnershipPpm`, β for a group joining that DAO;
 * without `daoId`, a formation: `shares` (s_D,s_1…s_n decimals summing to 1) or `targetOwnershipPpm`
 * for J1.
 */
export class SuggestionsService {
  constructor(private readonly daos: DaosRepository) {}

  async beta(query: unknown): Promise<BetaSuggestion> {
    const input = parseInput(betaSuggestionSchema, query, 'query');
    if (input.daoId !== undefined) {
      if (input.targetOwnershipPpm === undefined) throw negotiationError('INVALID_REQUEST', 'targetOwnershipPpm is required with daoId');
      const current = await this.daos.current(input.daoId);
      if (!current) throw negotiationError('DAO_NOT_FOUND', `no DAO ${input.daoId} on the ledger`);
      return suggestJoinBeta(input.daoId, current.version, current.activeMembers, input.targetOwnershipPpm);
    }
    if (input.shares !== undefined) return suggestFormationBetas(input.shares);
    if (input.targetOwnershipPpm !== undefined) {
      return suggestFormationBetas(`${formatPpm(PPM - input.targetOwnershipPpm)},${formatPpm(input.targetOwnershipPpm)}`);
    }
    throw negotiationError('INVALID_REQUEST', 'give daoId and targetOwnershipPpm (a join), or shares or targetOwnershipPpm (a formation)');
  }
}
