import type { ChannelConfigView, ChannelOrganisation, ConfigOrganisation, JoiningChannel } from '@datawell/stack';
import { testCertificateAuthority } from '@datawell/testing';
import { ChannelConfigWatch } from './channel-config-watch';

const cas: Record<string, string> = {};
beforeAll(async () => {
  for (const msp of ['DspMSP', 'VspMSP', 'OperatorMSP', 'OrdererTls', 'OtherOrdererTls']) cas[msp] = (await testCertificateAuthority(`ca.${msp}`)).caCertPem;
});

const org = (mspId: string, ca = mspId): ChannelOrganisation => ({ mspId, rootCertPems: [cas[ca]!] });

/** A DAO channel's config as the stack builds it: each organisation's policies its own, governed by its members' majority. */
function view(orgs: readonly ChannelOrganisation[], options: { ordererTls?: string; admins?: { signers: string[] } } = {}): ChannelConfigView {
  const organisation = (o: ChannelOrganisation): ConfigOrganisation => ({ ...o, intermediateCertPems: [], tlsRootCertPems: [], modPolicy: 'Admins', policies: Object.fromEntries(['Admins', 'Readers', 'Writers', 'Endorsement'].map((n) => [n, { signers: [o.mspId] }])) });
  const meta = (rule: string, subPolicy: string) => ({ implicitMeta: { rule, subPolicy } });
  return {
    channelId: 'dao-acme-v1',
    organisations: orgs.map(organisation),
    ordererOrganisations: [{ mspId: 'OrdererMSP', tlsRootCertPems: [cas[options.ordererTls ?? 'OrdererTls']!] }],
    applicationPolicies: { Readers: meta('ANY', 'Readers'), Writers: meta('ANY', 'Writers'), Admins: options.admins ?? meta('MAJORITY', 'Admins'), Endorsement: meta('MAJORITY', 'Endorsement'), LifecycleEndorsement: meta('MAJORITY', 'Endorsement') },
  };
}

const logs: string[] = [];
const logger = {
  log: (m: { message: string }) => void logs.push(`log ${m.message}`),
  warn: (m: { message: string }) => void logs.push(`warn ${m.message}`),
  error: (m: { message: string; code?: string }) => void logs.push(`error ${m.code} ${m.message}`),
  debug: () => undefined,
} as never;

/**
 * A member admin whose peer reports, on each look, the next of `latest` (the last one repeats), with
 * the channel's genesis block when the watch asks for it (`joinedChannel`); `asked` says which it asked for.
 */
function watchOf(latest: Array<ChannelConfigView | Error>, channels: readonly string[] = ['marketplace', 'dao-acme-v1'], genesis = view([org('DspMSP'), org('VspMSP')])) {
  const asked: string[] = [];
  let look = 0;
  const next = () => {
    const config = latest[Math.min(look++, latest.length - 1)]!;
    if (config instanceof Error) throw config;
    return config;
  };
  const watch = new ChannelConfigWatch({
    admin: {
      joinedChannel: async (channel): Promise<JoiningChannel> => {
        asked.push(`genesis and latest ${channel}`);
        return { genesis, latest: next() };
      },
      latestChannelConfig: async (channel) => {
        asked.push(`latest ${channel}`);
        return next();
      },
      ownCaCertPems: () => [cas['VspMSP']!],
      ordererTlsCaPems: () => [cas['OrdererTls']!],
    },
    mspId: 'VspMSP',
    channels: async () => channels,
    logger,
    intervalMs: 1000,
  });
  return { watch, asked };
}

describe("a member bridge's second look at its DAO channels' config", () => {
  beforeEach(() => logs.splice(0));

  it('holds a channel refused once a config update takes its own place away, and guards writes on it with CHANNEL_REFUSED', async () => {
    const honest = view([org('DspMSP'), org('VspMSP')]);
    const swapped = view([org('DspMSP'), org('VspMSP', 'OperatorMSP')]);
    const { watch, asked } = watchOf([honest, swapped]);
    await watch.check();
    expect(asked).toEqual(['genesis and latest dao-acme-v1']);
    expect(watch.refusal('dao-acme-v1')).toBeUndefined();
    expect(() => watch.guard('dao-acme-v1')).not.toThrow();
    await watch.check();
    expect(watch.refusal('dao-acme-v1')).toBe("VspMSP's MSP in dao-acme-v1 is not exactly its own CA");
    expect(() => watch.guard('dao-acme-v1')).toThrow(expect.objectContaining({ code: 'CHANNEL_REFUSED', message: expect.stringContaining('VspMSP signs nothing more on dao-acme-v1') }));
    expect(() => watch.guard('dao-other-v1')).not.toThrow();
    // Said once, not on every look.
    await watch.check();
    expect(logs.filter((l) => l.startsWith('error CHANNEL_REFUSED'))).toHaveLength(1);
  });

  it('fetches the genesis block once, on the first look, and on later looks the latest config alone, which is still refused when it fails', async () => {
    const honest = view([org('DspMSP'), org('VspMSP')]);
    const swapped = view([org('DspMSP'), org('VspMSP', 'OperatorMSP')]);
    const { watch, asked } = watchOf([honest, honest, swapped]);
    await watch.check();
    await watch.check();
    expect(asked).toEqual(['genesis and latest dao-acme-v1', 'latest dao-acme-v1']);
    expect(watch.refusal('dao-acme-v1')).toBeUndefined();
    await watch.check();
    expect(asked).toEqual(['genesis and latest dao-acme-v1', 'latest dao-acme-v1', 'latest dao-acme-v1']);
    expect(watch.refusal('dao-acme-v1')).toBe("VspMSP's MSP in dao-acme-v1 is not exactly its own CA");
  });

  it('keeps refusing a channel whose genesis block failed (ordered by another ordering service), though later looks fetch only the latest config', async () => {
    const honest = view([org('DspMSP'), org('VspMSP')]);
    const { watch, asked } = watchOf([honest], ['dao-acme-v1'], view([org('DspMSP'), org('VspMSP')], { ordererTls: 'OtherOrdererTls' }));
    await watch.check();
    await watch.check();
    expect(asked).toEqual(['genesis and latest dao-acme-v1', 'latest dao-acme-v1']);
    expect(watch.refusal('dao-acme-v1')).toMatch(/ordered by OrdererMSP, whose TLS CA is not the ordering service's this member was given/);
  });

  it('asks for the genesis block again after a first look that could not read it', async () => {
    const honest = view([org('DspMSP'), org('VspMSP')]);
    const { watch, asked } = watchOf([new Error('peer unavailable'), honest, honest]);
    await watch.check();
    await watch.check();
    await watch.check();
    expect(asked).toEqual(['genesis and latest dao-acme-v1', 'genesis and latest dao-acme-v1', 'latest dao-acme-v1']);
  });

  it('refuses a config that gives the operator a say in governance, or another ordering service', async () => {
    const withOperator = watchOf([view([org('DspMSP'), org('VspMSP'), org('OperatorMSP')])]);
    await withOperator.watch.check();
    expect(withOperator.watch.refusal('dao-acme-v1')).toMatch(/OperatorMSP/);
    const operatorAdmins = watchOf([view([org('DspMSP'), org('VspMSP')], { admins: { signers: ['OperatorMSP'] } })]);
    await operatorAdmins.watch.check();
    expect(operatorAdmins.watch.refusal('dao-acme-v1')).toBeDefined();
    const otherOrderer = watchOf([view([org('DspMSP'), org('VspMSP')], { ordererTls: 'OtherOrdererTls' })]);
    await otherOrderer.watch.check();
    expect(otherOrderer.watch.refusal('dao-acme-v1')).toMatch(/ordered by OrdererMSP, whose TLS CA is not the ordering service's this member was given/);
  });

  it('lifts the refusal when a later config passes again; an unreadable config keeps the earlier verdict and is never thrown', async () => {
    const honest = view([org('DspMSP'), org('VspMSP')]);
    const swapped = view([org('DspMSP'), org('VspMSP', 'OperatorMSP')]);
    const { watch } = watchOf([swapped, new Error('peer unavailable'), honest]);
    await watch.check();
    expect(watch.refusal('dao-acme-v1')).toBeDefined();
    await expect(watch.check()).resolves.toBeUndefined();
    expect(watch.refusal('dao-acme-v1')).toBeDefined();
    expect(logs).toContain("warn could not read the channel's config to check it; trying again later");
    await watch.check();
    expect(watch.refusal('dao-acme-v1')).toBeUndefined();
    expect(logs).toContain("log the channel's latest config passes this member's checks again: signing on it resumes");
  });

  it('looks once at start and then every interval until stopped', async () => {
    jest.useFakeTimers();
    try {
      const { watch, asked } = watchOf([view([org('DspMSP'), org('VspMSP', 'OperatorMSP')])]);
      watch.start();
      await jest.advanceTimersByTimeAsync(2500);
      expect(asked).toHaveLength(3);
      await watch.stop();
      await jest.advanceTimersByTimeAsync(5000);
      expect(asked).toHaveLength(3);
      expect(watch.refusal('dao-acme-v1')).toBeDefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('forgets the refusal of a channel the member no longer follows (its position transferred)', async () => {
    const genesis = view([org('DspMSP'), org('VspMSP')]);
    let followed = ['dao-acme-v1'];
    const watch = new ChannelConfigWatch({
      admin: { joinedChannel: async () => ({ genesis, latest: view([org('DspMSP'), org('VspMSP', 'OperatorMSP')]) }), latestChannelConfig: async () => view([org('DspMSP'), org('VspMSP', 'OperatorMSP')]), ownCaCertPems: () => [cas['VspMSP']!], ordererTlsCaPems: () => [cas['OrdererTls']!] },
      mspId: 'VspMSP',
      channels: async () => followed,
      logger,
    });
    await watch.check();
    expect(watch.refusal('dao-acme-v1')).toBeDefined();
    followed = [];
    await watch.check();
    expect(watch.refusal('dao-acme-v1')).toBeUndefined();
  });
});
