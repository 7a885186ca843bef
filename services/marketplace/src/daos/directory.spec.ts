import type { DirectoryRow } from './daos.repository';
import { DaosService } from './daos.service';
import { daoDirectoryEntryOf } from './directory';
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

describe('DaosService: the directory from DaoPublished', () => {
  const published: unknown[] = [];
  let rows: DirectoryRow[] = [];
  const repository = {
    publish: async (_m: unknown, p: unknown) => void published.push(p),
    directory: async () => rows,
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
});
