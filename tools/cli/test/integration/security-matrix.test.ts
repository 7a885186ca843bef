import * as grpc from '@grpc/grpc-js';
import { Client } from 'pg';
import request from 'supertest';
import { GrpcServer, loadGrpcService } from '@datawell/service-platform';
import {
  bootAllServices,
  enrolTestIdentity,
  grpcTestClient,
  hex,
  loginAtServer,
  stackAdminIdentity,
  stackConnection,
  testStackContext,
  type BootedServices,
  type EnrolledIdentity,
} from '@datawell/testing';
import { ALL_SERVICES, type DatawellService } from './all-services';

jest.setTimeout(600_000);

/*
 * The API security matrix: every HTTP operation of every service (from the OpenAPI document each
 * serves) and every rpc of its gRPC service (from its proto), called as {no identity, a participant
 * that is a member of nothing, a wrong role (the operator's administrator on participants' routes, a
 * participant on the operator's), another DAO's ids (ids of DAOs the caller is not in)}. Every cell
 * must be refused with a 4xx (a gRPC error status) carrying a stable code; never a 2xx or a 5xx,
 * except the public operations listed here and the caller-scoped lists, which must come back empty.
 * For another DAO's ids, ids that exist (a session made here, rows the services hold) must answer
 * exactly as unknown ones: same status, code and message with the ids masked.
 */

/** Open to anyone (issue 11): health, metrics, API docs, login, registration, public catalogue reads. */
const PUBLIC_HTTP = new Set([
  'GET /health',
  'GET /metrics',
  'POST /auth/challenge',
  'POST /auth/token',
  'POST /participants',
  'GET /participants/{mspId}',
  // Polled by a registering organisation for its first certificate, before it has any identity.
  'GET /participants/{mspId}/identities/{enrollmentId}',
  'GET /offers',
  'GET /offers/{offerId}',
  'GET /daos/{daoId}',
  // The public directory entries naming a participant (the DAOs it publicly belongs to: no β, no amounts).
  'GET /daos',
]);
const PUBLIC_RPC = new Set(['datawell.marketplace.v1.Marketplace/GetParticipant', 'datawell.marketplace.v1.Marketplace/SearchOffers', 'datawell.marketplace.v1.Marketplace/GetDao']);
/** The operator administrator's rpcs (as /admin/ routes over HTTP): their wrong role is a participant's token. */
const ADMIN_RPC = new Set(['datawell.marketplace.v1.Marketplace/ListAdmissions', 'datawell.marketplace.v1.Marketplace/AdmitParticipant', 'datawell.marketplace.v1.Marketplace/RejectParticipant']);

/** A participant's own lists: 200 with nothing of anyone else for a caller that is in no DAO. */
const CALLER_SCOPED = new Set(['GET /jobs', 'GET /sessions', 'GET /tofu/states', 'GET /workloads']);

type Who = 'none' | 'nonMember' | 'wrongRole' | 'otherDaoIds';
const WHO: readonly Who[] = ['none', 'nonMember', 'wrongRole', 'otherDaoIds'];

const STABLE_CODE = /^[A-Z][A-Z0-9_]+$/;
const OTHER_DAO = `other${hex(3)}`;

/** A value for a path parameter: another DAO's (or organisation's) id, well-formed, not the caller's. */
function paramValue(name: string): string {
  if (/dao/i.test(name)) return OTHER_DAO;
  if (/version|^v$/i.test(name)) return '1';
  if (/msp/i.test(name)) return 'OtherOrgMSP';
  if (name === 'what') return 'state';
  if (name === 'name') return `dao-${OTHER_DAO}-v1`;
  return `other-${hex(3)}`;
}

/** Ids that EXIST in a service, of DAOs (sessions, jobs…) the matrix's participant is no member of. */
interface ExistingIds {
  id?: string;
  daoId?: string;
  version?: string;
}

/** One existing row's ids per service, read from its own schema: whatever the stack's earlier runs left there. */
const EXISTING_QUERIES: Record<string, { id?: string; dao?: string }> = {
  // A ledger command some identity issued (GET /commands/{commandId}: the issuing identity's only).
  marketplace: { id: 'SELECT command_id AS id FROM marketplace.commands ORDER BY command_id LIMIT 1', dao: 'SELECT dao_id, version FROM marketplace.dao_versions ORDER BY dao_id, version LIMIT 1' },
  negotiation: { id: 'SELECT id FROM negotiation.sessions ORDER BY id LIMIT 1' },
  provisioner: { id: 'SELECT id FROM provisioner.jobs ORDER BY id LIMIT 1', dao: 'SELECT dao_id, version FROM provisioner.versions ORDER BY dao_id, version LIMIT 1' },
  telemetry: { id: 'SELECT workload_id AS id FROM telemetry.workloads ORDER BY workload_id LIMIT 1', dao: 'SELECT dao_id, version FROM telemetry.versions ORDER BY dao_id, version LIMIT 1' },
  'mpc-coordinator': { id: 'SELECT id FROM mpc_coordinator.computations ORDER BY id LIMIT 1', dao: 'SELECT dao_id, version FROM mpc_coordinator.dao_versions ORDER BY dao_id, version LIMIT 1' },
};

/** A message with the ids it names masked, to compare the shape of two answers about different ids. */
const masked = (message: unknown, ids: readonly string[]) =>
  [...ids]
    .filter((id) => id !== '')
    .sort((a, b) => b.length - a.length)
    .reduce((m, id) => m.split(id).join('<id>'), String(message ?? ''));

describe('API security matrix (every operation × identity)', () => {
  let all: BootedServices<DatawellService>;
  let participant: EnrolledIdentity;
  const existing: Record<string, ExistingIds> = {};
  const counts = {
    http: { operations: 0, public: 0, cells: 0, refused: 0, callerScoped: 0, existingCompared: 0 },
    grpc: { rpcs: 0, public: 0, cells: 0, refused: 0, existingCompared: 0 },
  };

  beforeAll(async () => {
    all = await bootAllServices(ALL_SERVICES, { label: 'matrix', logLevel: 'error', listen: false });
    // A participant that is a member of nothing, known to every service's identity directory.
    participant = await all.enrolParticipant(`Matrix${hex(2)}MSP`, 'VSP');
    const db = new Client({ connectionString: stackConnection().postgres.url });
    await db.connect();
    try {
      // Existing ids of DAOs the participant is not in: a negotiation session of two other organisations
      // (made here, so the column never depends on what earlier runs left), and one row of each service.
      const negotiationService = all.services.find((b) => b.name === 'negotiation')!;
      const register = async (entry: { mspId: string; role: string; name: string; status: string; caCertPem: string }) => {
        await db.query(
          `INSERT INTO "${negotiationService.schema}".identity_directory (msp_id, role, name, status, ca_cert_pem, event_id) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (msp_id) DO NOTHING`,
          [entry.mspId, entry.role, entry.name, entry.status, entry.caCertPem, `matrix-${hex()}`],
        );
      };
      const dsp = await enrolTestIdentity(`MatrixDsp${hex(2)}MSP`, 'DSP', register);
      const vsp = await enrolTestIdentity(`MatrixVsp${hex(2)}MSP`, 'VSP', register);
      const negotiation = negotiationService.app.getHttpServer();
      const session = await request(negotiation)
        .post('/sessions')
        .set('authorization', `Bearer ${await loginAtServer(negotiation, dsp)}`)
        .send({ kind: 'formation', daoId: `mx${hex(3)}`, parties: [vsp.mspId] });
      if (session.status !== 201) throw new Error(`a session of two other organisations: ${session.status} ${JSON.stringify(session.body)}`);
      existing['negotiation'] = { id: (session.body as { id: string }).id };
      for (const [service, queries] of Object.entries(EXISTING_QUERIES)) {
        const ids: ExistingIds = { ...existing[service] };
        if (queries.id && ids.id === undefined) {
          const row = (await db.query(queries.id)).rows[0] as { id: string } | undefined;
          if (row) ids.id = row.id;
        }
        if (queries.dao) {
          const row = (await db.query(queries.dao)).rows[0] as { dao_id: string; version: number } | undefined;
          if (row) Object.assign(ids, { daoId: row.dao_id, version: String(row.version) });
        }
        existing[service] = ids;
      }
    } finally {
      await db.end();
    }
  });

  afterAll(async () => {
    await all?.close();
  });

  it('refuses every non-public operation to every identity outside its rights, with a 4xx and a stable code', async () => {
    const operatorAdmin = stackAdminIdentity(testStackContext(), 'OperatorMSP');
    const problems: string[] = [];
    const booted = all.services;
    for (const b of booted) {
      const server = b.app.getHttpServer();
      const tokens = { participant: await loginAtServer(server, participant), operatorAdmin: await loginAtServer(server, { mspId: 'OperatorMSP', ...operatorAdmin }) };
      const adminApi = (path: string) => path.startsWith('/admin/') && !/\/admin\/daos\/|\/admin\/channels\/\{name\}\/members/.test(path);
      const tokenOf = (who: Who, path: string): string | undefined => {
        if (who === 'none') return undefined;
        if (who === 'wrongRole') return adminApi(path) ? tokens.participant : tokens.operatorAdmin;
        return tokens.participant;
      };

      const document = (await request(server).get('/docs/openapi.json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
      for (const [template, operations] of Object.entries(document.paths)) {
        for (const method of Object.keys(operations).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))) {
          const operation = `${method.toUpperCase()} ${template}`;
          counts.http.operations++;
          if (PUBLIC_HTTP.has(operation)) {
            counts.http.public++;
            continue;
          }
          const path = template.replace(/\{(\w+)\}/g, (_, name: string) => paramValue(name));
          for (const who of WHO) {
            const token = tokenOf(who, template);
            let req = request(server)[method as 'get'](path);
            if (token) req = req.set('authorization', `Bearer ${token}`);
            if (['post', 'put', 'patch'].includes(method)) req = req.send({});
            const res = await req;
            counts.http.cells++;
            const cell = `${b.name} ${operation} as ${who}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`;
            if (res.status >= 200 && res.status < 300 && CALLER_SCOPED.has(operation) && who !== 'none' && who !== 'wrongRole') {
              // Nothing of anyone else: an empty list or a zero count.
              const body = res.body as unknown;
              if (!(Array.isArray(body) ? body.length === 0 : (body as { count?: number }).count === 0)) problems.push(`${cell} (a caller-scoped list leaked others' data)`);
              counts.http.callerScoped++;
              continue;
            }
            if (res.status < 400 || res.status >= 500) problems.push(`${cell} (not a 4xx)`);
            else if (!STABLE_CODE.test(String((res.body as { code?: unknown }).code))) problems.push(`${cell} (no stable code)`);
            else counts.http.refused++;
            if (who === 'none' && res.status !== 401) problems.push(`${cell} (no identity must be 401)`);
          }
          // Another DAO's EXISTING ids answer exactly as unknown ones: same status, code and message shape.
          const ids = existing[b.name] ?? {};
          const params = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
          const existingOf = (name: string) => (name === 'id' || name === 'commandId' ? ids.id : /dao/i.test(name) ? ids.daoId : /version|^v$/i.test(name) ? ids.version : undefined);
          if (params.length > 0 && params.every((name) => existingOf(name) !== undefined)) {
            const unknown = Object.fromEntries(params.map((name) => [name, /version|^v$/i.test(name) ? existingOf(name)! : /dao/i.test(name) ? `other${hex(3)}` : `other-${hex(3)}`]));
            const answer = async (value: (name: string) => string) => {
              let req = request(server)[method as 'get'](template.replace(/\{(\w+)\}/g, (_, name: string) => value(name))).set('authorization', `Bearer ${tokens.participant}`);
              if (['post', 'put', 'patch'].includes(method)) req = req.send({});
              const res = await req;
              const body = res.body as { code?: unknown; message?: unknown };
              // Versions are the same in both calls: only the ids are masked.
              const idParams = params.filter((name) => !/version|^v$/i.test(name));
              return { status: res.status, code: body.code, message: masked(body.message, [...idParams.map(existingOf), ...idParams.map((name) => unknown[name])] as string[]) };
            };
            const [ofExisting, ofUnknown] = [await answer((name) => existingOf(name)!), await answer((name) => unknown[name]!)];
            counts.http.existingCompared++;
            if (JSON.stringify(ofExisting) !== JSON.stringify(ofUnknown)) problems.push(`${b.name} ${operation}: an existing id of another DAO answers ${JSON.stringify(ofExisting)}, an unknown one ${JSON.stringify(ofUnknown)}`);
            if (ofExisting.status < 400 || ofExisting.status >= 500) problems.push(`${b.name} ${operation}: an existing id of another DAO answers ${ofExisting.status}`);
          }
        }
      }

      if (b.grpc) {
        const port = b.app.get(GrpcServer).port;
        const { call, close } = grpcTestClient(b.grpc.protoFile, b.grpc.service, port);
        try {
          const definition = loadGrpcService(b.grpc.protoFile, b.grpc.service);
          for (const rpc of Object.keys(definition)) {
            counts.grpc.rpcs++;
            const name = `${b.grpc.service}/${rpc}`;
            if (PUBLIC_RPC.has(name)) {
              counts.grpc.public++;
              continue;
            }
            for (const who of WHO) {
              const token = who === 'none' ? undefined : who === 'wrongRole' ? (ADMIN_RPC.has(name) ? tokens.participant : tokens.operatorAdmin) : tokens.participant;
              const message = who === 'otherDaoIds' ? { dao_id: OTHER_DAO, version: 1, id: `other-${hex(3)}`, session_id: `ses-${hex(3)}`, workload_id: `w-${hex(3)}` } : {};
              counts.grpc.cells++;
              const outcome = await call(rpc, message, token).then(
                (value) => ({ ok: true as const, value }),
                (error: grpc.ServiceError) => ({ ok: false as const, error }),
              );
              const allowed = [grpc.status.UNAUTHENTICATED, grpc.status.PERMISSION_DENIED, grpc.status.NOT_FOUND, grpc.status.INVALID_ARGUMENT, grpc.status.FAILED_PRECONDITION];
              if (outcome.ok) problems.push(`${b.name} rpc ${name} as ${who}: answered ${JSON.stringify(outcome.value).slice(0, 160)}`);
              else if (!allowed.includes(outcome.error.code)) problems.push(`${b.name} rpc ${name} as ${who}: status ${outcome.error.code} ${outcome.error.details}`);
              else if (who === 'none' && outcome.error.code !== grpc.status.UNAUTHENTICATED) problems.push(`${b.name} rpc ${name} as none: ${outcome.error.code}, not UNAUTHENTICATED`);
              else counts.grpc.refused++;
            }
            // Another DAO's existing ids, as over HTTP: the same status and details shape as unknown ones.
            const ids = existing[b.name] ?? {};
            const fields = ((definition[rpc] as unknown as { requestType?: { type?: { field?: Array<{ name: string }> } } }).requestType?.type?.field ?? []).map((f) => f.name);
            const valueOf = (field: string) => (field === 'dao_id' ? ids.daoId : field === 'version' ? ids.version : ['id', 'session_id', 'workload_id', 'command_id'].includes(field) ? ids.id : undefined);
            const idFields = fields.filter((f) => f !== 'version' && valueOf(f) !== undefined);
            if (idFields.length > 0 && fields.filter((f) => ['id', 'session_id', 'workload_id', 'command_id', 'dao_id'].includes(f)).every((f) => valueOf(f) !== undefined)) {
              const unknown = Object.fromEntries(idFields.map((f) => [f, f === 'dao_id' ? `other${hex(3)}` : `other-${hex(3)}`]));
              const message = (value: (field: string) => string | undefined) =>
                Object.fromEntries(fields.filter((f) => valueOf(f) !== undefined).map((f) => [f, f === 'version' ? Number(ids.version) : value(f)]));
              const answer = async (m: Record<string, unknown>) =>
                call(rpc, m, tokens.participant).then(
                  () => ({ code: -1, details: 'answered' }),
                  (error: grpc.ServiceError) => ({ code: error.code, details: masked(error.details, [...idFields.map((f) => valueOf(f)!), ...Object.values(unknown)]) }),
                );
              const [ofExisting, ofUnknown] = [await answer(message(valueOf)), await answer(message((f) => unknown[f]))];
              counts.grpc.existingCompared++;
              if (JSON.stringify(ofExisting) !== JSON.stringify(ofUnknown)) problems.push(`${b.name} rpc ${name}: an existing id of another DAO answers ${JSON.stringify(ofExisting)}, an unknown one ${JSON.stringify(ofUnknown)}`);
            }
          }
        } finally {
          close();
        }
      }
    }
    process.stdout.write(
      `security matrix: HTTP ${counts.http.operations} operations (${counts.http.public} public), ${counts.http.cells} cells, ${counts.http.refused} refused with a 4xx and a code, ` +
        `${counts.http.callerScoped} caller-scoped lists empty; gRPC ${counts.grpc.rpcs} rpcs (${counts.grpc.public} public), ${counts.grpc.cells} cells, ${counts.grpc.refused} refused; ` +
        `existing ids of another DAO answered as unknown ones: HTTP ${counts.http.existingCompared} operations, gRPC ${counts.grpc.existingCompared} rpcs ` +
        `(existing ids: ${JSON.stringify(existing)})\n`,
    );
    expect(problems).toEqual([]);
    // The matrix really ran over every service.
    expect(booted.map((b) => b.name)).toEqual(['marketplace', 'negotiation', 'provisioner', 'telemetry', 'mpc-coordinator', 'ledger-bridge']);
    expect(counts.http.cells).toBeGreaterThan(100);
    expect(counts.grpc.cells).toBeGreaterThan(20);
    // At least the session made here was compared (the other services' rows are whatever the stack holds).
    expect(counts.http.existingCompared).toBeGreaterThanOrEqual(5);
    expect(counts.grpc.existingCompared).toBeGreaterThanOrEqual(2);
  });
});
