import type { EntityManager } from 'typeorm';
import type { MeteringTerms } from './metering';

/** The coordinator's table of versions' metering terms (`metering_terms`), in the caller's transaction. */
export class MeteringTermsStore {
  readonly #s: string;

  constructor(schema: string) {
    this.#s = `"${schema.replace(/"/g, '""')}"`;
  }

  /** Keeps a version's terms: VersionCreated sets them, an accepted change-terms replaces them. */
  async put(manager: EntityManager, t: MeteringTerms): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.#s}.metering_terms (dao_id, version, business_model, per_computation) VALUES ($1, $2, $3, $4)
       ON CONFLICT (dao_id, version) DO UPDATE SET business_model = EXCLUDED.business_model, per_computation = EXCLUDED.per_computation, updated_at = now()`,
      [t.daoId, t.version, t.businessModel, t.perComputation ?? null],
    );
  }

  /** A version's terms as kept, or undefined when none were. */
  async get(manager: EntityManager, daoId: string, version: number): Promise<Pick<MeteringTerms, 'businessModel' | 'perComputation'> | undefined> {
    const rows = (await manager.query(`SELECT business_model, per_computation FROM ${this.#s}.metering_terms WHERE dao_id = $1 AND version = $2`, [daoId, version])) as Array<{
      business_model: string;
      per_computation: string | null;
    }>;
    const r = rows[0];
    return r && { businessModel: r.business_model, perComputation: r.per_computation ?? undefined };
  }
}
