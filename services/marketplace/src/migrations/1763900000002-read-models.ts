import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The marketplace's state: participants (registration requests, then the ledger's registry),
 * identities being enrolled, offers with their off-chain descriptions and full-text index, feedback
 * comments, and the DAO read model (versions, members per channel, payouts) built from ledger events.
 */
export class CreateMarketplaceTables1763900000002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    await queryRunner.query(`
      CREATE TABLE ${s}.participants (
        msp_id            text PRIMARY KEY,
        role              text NOT NULL CHECK (role IN ('DSP', 'VSP')),
        name              text NOT NULL,
        status            text NOT NULL CHECK (status IN ('pending', 'active', 'failed')),
        command_id        text,
        ca_cert_pem       text,
        failure_code      text,
        failure_message   text,
        reputation_count  integer NOT NULL DEFAULT 0,
        reputation_sum    integer NOT NULL DEFAULT 0,
        reputation_milli  integer NOT NULL DEFAULT 0,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.identities (
        msp_id          text NOT NULL REFERENCES ${s}.participants (msp_id),
        enrollment_id   text NOT NULL,
        status          text NOT NULL CHECK (status IN ('pending', 'requested', 'enrolled', 'failed')),
        csr_pem         text NOT NULL,
        command_id      text NOT NULL UNIQUE,
        certificate_pem text,
        ca_cert_pem     text,
        failure_code    text,
        failure_message text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (msp_id, enrollment_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.offers (
        offer_id           text PRIMARY KEY,
        owner_msp_id       text NOT NULL,
        kind               text NOT NULL CHECK (kind IN ('data', 'value')),
        title              text NOT NULL,
        description        text,
        tags               text[] NOT NULL DEFAULT '{}',
        -- The tags as one text (array_to_string is not immutable, so a generated column cannot use it).
        tags_text          text NOT NULL DEFAULT '',
        terms              jsonb NOT NULL DEFAULT '{}'::jsonb,
        description_digest text NOT NULL,
        status             text NOT NULL CHECK (status IN ('submitted', 'open', 'withdrawn', 'failed')),
        revision           integer NOT NULL DEFAULT 0,
        command_id         text,
        failure_code       text,
        failure_message    text,
        search             tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english'::regconfig, title), 'A') ||
          setweight(to_tsvector('english'::regconfig, tags_text), 'A') ||
          setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')
        ) STORED,
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX offers_search ON ${s}.offers USING gin (search)`);
    await queryRunner.query(`CREATE INDEX offers_tags ON ${s}.offers USING gin (tags)`);
    await queryRunner.query(`CREATE INDEX offers_owner ON ${s}.offers (owner_msp_id)`);
    // Off-chain descriptions by digest: the ledger holds only the digest, the event names which one is current.
    await queryRunner.query(`
      CREATE TABLE ${s}.offer_descriptions (
        offer_id    text NOT NULL,
        digest      text NOT NULL,
        description text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (offer_id, digest)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.feedback (
        dao_id         text NOT NULL,
        from_msp_id    text NOT NULL,
        target_msp_id  text NOT NULL,
        rating         integer NOT NULL,
        comment        text NOT NULL,
        comment_digest text NOT NULL,
        status         text NOT NULL CHECK (status IN ('submitted', 'recorded', 'failed')),
        command_id     text NOT NULL UNIQUE,
        failure_code   text,
        created_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (dao_id, from_msp_id, target_msp_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.dao_versions (
        dao_id       text NOT NULL,
        version      integer NOT NULL,
        channel      text NOT NULL UNIQUE,
        agreement_id text NOT NULL,
        beta_ppm     integer NOT NULL,
        terms        jsonb NOT NULL,
        status       text NOT NULL CHECK (status IN ('active', 'dissolved')),
        superseded   boolean NOT NULL DEFAULT false,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (dao_id, version)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.dao_members (
        channel       text NOT NULL,
        dao_id        text NOT NULL,
        msp_id        text NOT NULL,
        position      integer NOT NULL,
        member_group  text NOT NULL,
        role          text NOT NULL,
        weight        integer NOT NULL,
        ownership_ppm integer NOT NULL,
        status        text NOT NULL CHECK (status IN ('active', 'abandoned', 'exited')),
        PRIMARY KEY (channel, msp_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.dao_payouts (
        event_id      text NOT NULL,
        dao_id        text NOT NULL,
        channel       text NOT NULL,
        allocation_id text NOT NULL,
        msp_id        text NOT NULL,
        amount        numeric(40, 0) NOT NULL,
        PRIMARY KEY (event_id, msp_id)
      )`);
    await queryRunner.query(`CREATE INDEX dao_payouts_dao ON ${s}.dao_payouts (dao_id)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.dao_revenue (
        dao_id      text NOT NULL,
        revenue_id  text NOT NULL,
        channel     text NOT NULL,
        amount      numeric(40, 0) NOT NULL,
        kind        text NOT NULL,
        status      text NOT NULL CHECK (status IN ('submitted', 'recorded', 'failed')),
        recorded_by text NOT NULL,
        command_id  text NOT NULL UNIQUE,
        failure_code text,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (dao_id, revenue_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${(queryRunner.connection.options as { schema?: string }).schema ?? 'public'}"`;
    for (const t of ['dao_revenue', 'dao_payouts', 'dao_members', 'dao_versions', 'feedback', 'offer_descriptions', 'offers', 'identities', 'participants']) {
      await queryRunner.query(`DROP TABLE ${s}.${t}`);
    }
  }
}
