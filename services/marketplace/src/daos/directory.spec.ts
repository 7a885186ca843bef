import type { DirectoryRow } from './daos.repository';
import { DaosService } from './daos.service';
import { daoDirectoryEntryOf, directoryOfMember } from './directory';
import type { Store } from '../store';
import type { CommandsService } from '../commands/commands.service';
import type { DaosRepository } from './daos.repository';

const row = (version: number, members: string[], over: Partial<DirectoryRow> = {}): DirectoryRow => ({
  dao_id: 'acme',
  version,
  channel: `dao-acme-v${version}`,
  name: 'acme',
  summary: `DAO acme, version ${version}, ${members.length} members`,
  members,
  status: 'active',
  published_by: 'DspMSP',
  updated_at_ms: String(1000 + version),
  ...over,
});

describe('daoDirectoryEntryOf: the public DAO entry from its DaoPublished rows', () => {
  it('is undefined for a DAO never published', () => {
    expect(daoDirectoryEntryOf([])).toBeUndefined();
  });

  it('takes name, status and top version from the latest row, lists every version and each member with its channels', () => {
    const entry = daoDirectoryEntryOf([row(2, ['DspMSP', 'V1MSP', 'V2MSP'], { name: 'Harbour', status: 'dissolved' }), row(1, ['DspMSP', 'V1MSP'])]);
    expect(entry).toEqual({
      daoId: 'acme',
      name: 'Harbour',
      summary: 'DAO acme, version 2, 3 members',
      status: 'dissolved',
      topVersion: 2,
      topChannel: 'dao-acme-v2',
      publishedBy: 'DspMSP',
      updatedAtMs: 1002,
      versions: [
        { version: 1, channel: 'dao-acme-v1', status: 'active', superseded: true, members: ['DspMSP', 'V1MSP'] },
        { version: 2, channel: 'dao-acme-v2', status: 'dissolved', superseded: false, members: ['DspMSP', 'V1MSP', 'V2MSP'] },
      ],
      members: [
        { mspId: 'DspMSP', channels: ['dao-acme-v1', 'dao-acme-v2'] },
        { mspId: 'V1MSP', channels: ['dao-acme-v1', 'dao-acme-v2'] },
        { mspId: 'V2MSP', channels: ['dao-acme-v2'] },
      ],
    });
  });
});

describe('directoryOfMember: the entries of the DAOs a participant belongs to', () => {
  it('groups the rows by DAO into entries, the most recently published first, then by DAO id', () => {
    const entries = directoryOfMember([
      row(1, ['DspMSP', 'V1MSP'], { dao_id: 'old', channel: 'dao-old-v1', updated_at_ms: '5' }),
      row(2, ['DspMSP', 'V2MSP'], { dao_id: 'acme', channel: 'dao-acme-v2', updated_at_ms: '90' }),
      row(1, ['DspMSP'], { dao_id: 'acme', channel: 'dao-acme-v1', updated_at_ms: '10' }),
      row(1, ['DspMSP'], { dao_id: 'beta', channel: 'dao-beta-v1', updated_at_ms: '90' }),
    ]);
    expect(entries.map((e) => [e.daoId, e.topVersion, e.updatedAtMs])).toEqual([
      ['acme', 2, 90],
      ['beta', 1, 90],
      ['old', 1, 5],
    ]);
    expect(entries[0]!.versions.map((v) => [v.channel, v.superseded])).toEqual([
      ['dao-acme-v1', true],
      ['dao-acme-v2', false],
    ]);
  });

  it('is empty without rows', () => {
    expect(directoryOfMember([])).toEqual([]);
  });
});

describe('DaosService: the directory from DaoPublished', () => {
  const published: unknown[] = [];
  let rows: DirectoryRow[] = [];
  const asked: string[] = [];
  const repository = {
    publish: async (_m: unknown, p: unknown) => void published.push(p),
    directory: async () => rows,
    directoryOfMember: async (mspId: string) => {
      asked.push(mspId);
      return rows.filter((r) => rows.some((x) => x.dao_id === r.dao_id && x.members.includes(mspId)));
    },
  } as unknown as DaosRepository;
  const service = new DaosService({} as Store, repository, {} as CommandsService);
  const publication = { daoId: 'acme', version: 2, name: 'acme', summary: '', members: ['DspMSP', 'V1MSP'], status: 'active' as const, publishedBy: 'DspMSP', updatedAtMs: 1 };

  it('keeps a publication under its version’s channel, dao-<id>-v<version>', async () => {
    await service.onDaoPublished({} as never, publication);
    expect(published).toEqual([{ ...publication, channel: 'dao-acme-v2' }]);
  });

  it('answers feedback’s membership question from the latest entry, and DAO_NOT_FOUND when unpublished', async () => {
    rows = [row(1, ['DspMSP', 'V1MSP']), row(2, ['DspMSP', 'V1MSP', 'V2MSP'])];
    expect([...(await service.memberIds('acme'))]).toEqual(['DspMSP', 'V1MSP', 'V2MSP']);
    rows = [];
    await expect(service.memberIds('acme')).rejects.toMatchObject({ code: 'DAO_NOT_FOUND' });
    await expect(service.directoryEntry('Bad_Id')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('lists a member’s DAOs by its MSP id, and refuses a query without one, with another field or a bad id before the store', async () => {
    rows = [row(1, ['DspMSP', 'V1MSP']), row(2, ['DspMSP', 'V1MSP', 'V2MSP'])];
    expect(await service.directoryOfMember({ member: 'V2MSP' })).toMatchObject({ member: 'V2MSP', daos: [{ daoId: 'acme', topVersion: 2, members: [{ mspId: 'DspMSP' }, { mspId: 'V1MSP' }, { mspId: 'V2MSP' }] }] });
    expect(await service.directoryOfMember({ member: 'NobodyMSP' })).toEqual({ member: 'NobodyMSP', daos: [] });
    asked.length = 0;
    for (const bad of [{}, undefined, { member: 'nope' }, { member: ['V1MSP', 'V2MSP'] }, { member: 'V1MSP', limit: '3' }]) {
      await expect(service.directoryOfMember(bad)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    }
    expect(asked).toEqual([]);
  });
});
