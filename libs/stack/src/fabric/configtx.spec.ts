import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { silentProgress } from '../progress';
import { loadSettings } from '../settings';
import { writeChannelConfigtx } from './configtx';
import type { OrgRecord } from './layout';

interface Profile {
  Orderer: { EtcdRaft: { Consenters: { Port: number }[] }; Organizations: { ID: string }[] };
  Application: { Organizations: { ID: string; AnchorPeers: { Port: number }[]; Policies: Record<string, { Rule: string }> }[]; Policies: Record<string, { Rule: string }> };
}

describe('writeChannelConfigtx', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'configtx-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const orgs: OrgRecord[] = [
    { mspId: 'DspMSP', slug: 'dsp', kind: 'peer', index: 2 },
    { mspId: 'VspOneMSP', slug: 'vspone', kind: 'peer', index: 3 },
  ];

  function profile(orderers: number): Profile {
    const settings = { ...loadSettings('/repo', { DATAWELL_ORDERERS: String(orderers) }), stackDir: dir };
    const out = writeChannelConfigtx({ settings, progress: silentProgress }, 'dao-1-v1', orgs);
    return (parse(readFileSync(join(out, 'configtx.yaml'), 'utf8')) as { Profiles: { Channel: Profile } }).Profiles.Channel;
  }

  it('names exactly the given application organisations, each with its anchor peer', () => {
    const p = profile(1);
    expect(p.Application.Organizations.map((o) => o.ID)).toEqual(['DspMSP', 'VspOneMSP']);
    expect(p.Application.Organizations.map((o) => o.AnchorPeers[0]!.Port)).toEqual([27406, 27409]);
    expect(p.Application.Organizations[0]!.Policies['Endorsement']!.Rule).toBe("OR('DspMSP.peer')");
    expect(p.Orderer.Organizations.map((o) => o.ID)).toEqual(['OrdererMSP']);
  });

  it('needs a majority of the organisations to endorse and to change chaincode', () => {
    const p = profile(1);
    expect(p.Application.Policies['Endorsement']!.Rule).toBe('MAJORITY Endorsement');
    expect(p.Application.Policies['LifecycleEndorsement']!.Rule).toBe('MAJORITY Endorsement');
    expect(p.Application.Policies['Admins']!.Rule).toBe('MAJORITY Admins');
  });

  it('lists one Raft consenter per orderer', () => {
    expect(profile(1).Orderer.EtcdRaft.Consenters.map((c) => c.Port)).toEqual([27050]);
    expect(profile(3).Orderer.EtcdRaft.Consenters.map((c) => c.Port)).toEqual([27050, 27053, 27056]);
  });
});
