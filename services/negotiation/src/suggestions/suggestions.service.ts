import { formatPpm } from '@datawell/domain';
import type { DaosRepository } from '../daos/daos.repository';
import { negotiationError } from '../sessions/negotiation.errors';
import type { Principal } from '@datawell/auth';
import { groupLevel, groupName } from '../sessions/agreement';
import { betaAdviceSchema, betaSuggestionSchema, parseInput, PPM } from '../sessions/proposal.schema';
import { adviseJoinBeta, suggestFormationBetas, suggestJoinBeta, type BetaAdvice, type BetaSuggestion } from './beta';

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

  /**
   * `GET /suggestions/beta/advice`: the Pareto β advisor for `joiners` (default the caller) joining
   * `daoId` at its current version, with `betaPpm` evaluated beside it when given. 404 DAO_NOT_FOUND,
   * 409 DAO_NOT_ACTIVE, 409 ALREADY_MEMBER, 400 for a bad query.
   */
  async advice(principal: Principal, query: unknown): Promise<BetaAdvice> {
    const input = parseInput(betaAdviceSchema, query, 'query');
    const joiners = [...new Set(input.joiners ?? [principal.mspId])];
    const current = await this.daos.current(input.daoId);
    if (!current) throw negotiationError('DAO_NOT_FOUND', `no DAO ${input.daoId} on the ledger`);
    if (current.status !== 'active') throw negotiationError('DAO_NOT_ACTIVE', `version ${current.version} of DAO ${input.daoId} is ${current.status}`);
    for (let level = 0; level <= current.version; level++) {
      if (!current.activeMembers.some((m) => groupLevel(m.group) === level)) {
        throw negotiationError('DAO_NOT_ACTIVE', `group ${groupName(level)} of DAO ${input.daoId} has no active member`);
      }
    }
    const already = joiners.filter((j) => current.activeMembers.some((m) => m.mspId === j));
    if (already.length > 0) throw negotiationError('ALREADY_MEMBER', `${already.join(', ')} already member(s) of DAO ${input.daoId}: name the joiners`);
    return adviseJoinBeta(input.daoId, current.version, current.activeMembers, joiners, input.betaPpm);
  }
}
