import { channelConfigView, checkGovernedBy, configBlockEndorsers, checkMembersGovernance, checkOrdering, checkOwnPlace, checkSeatedChannel, type ChannelConfigView, type OwnPlaceExpectations } from './channel-check';

/** Three self-signed test CAs (fixtures, no keys kept): a member's own, another party's, the ordering service's TLS CA. */
const OWN_CA = `-----BEGIN CERTIFICATE-----
MIIBdTCCARugAwIBAgIUBL+fms1XmthmtK/mBuEYO/hSqKswCgYIKoZIzj0EAwIw
DzENMAsGA1UEAwwEY2EuYTAgFw0yNjEyMDYxNjE3MTJaGA8yMTI2MTExMjE2MTcx
MlowDzENMAsGA1UEAwwEY2EuYTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABG5W
k/OqgYqZj6U/N4J2IHkDT2c3E5HJSLHrZ1MKPsSRFNUEiayrM7I4VfwVIMoflWvQ
K5JhEDM4k82szHHtsEujUzBRMB0GA1UdDgQWBBTiFJq9uS6x/8be6E0zp0WVbTFg
+zAfBgNVHSMEGDAWgBTiFJq9uS6x/8be6E0zp0WVbTFg+zAPBgNVHRMBAf8EBTAD
AQH/MAoGCCqGSM49BAMCA0gAMEUCIQDKNxTDACOvqkwGBqLJsip1Jf7QOQjFB9ZS
JiqU9esSUAIgDo2fTsmnZRwoCDHlrpd5SaQT6jDZQ7K3n4ImvLvtc/A=
-----END CERTIFICATE-----
`;
const OTHER_CA = `-----BEGIN CERTIFICATE-----
MIIBdTCCARugAwIBAgIUIWMVCL5aW6cayRwzx8WAyCtmJNowCgYIKoZIzj0EAwIw
DzENMAsGA1UEAwwEY2EuYjAgFw0yNjEyMDYxNjE3MTJaGA8yMTI2MTExMjE2MTcx
MlowDzENMAsGA1UEAwwEY2EuYjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABFgh
JoMW1SzlN8fUq8KW0/KSZ4O/yMk81JNgZfkCHaoPIJ7AOFQHMXFhWKegeZltyVVZ
ZIhRhl5tFSdNxZaroTejUzBRMB0GA1UdDgQWBBT4XuS2y9bpW22bDW8sfUv5d2BA
+DAfBgNVHSMEGDAWgBT4XuS2y9bpW22bDW8sfUv5d2BA+DAPBgNVHRMBAf8EBTAD
AQH/MAoGCCqGSM49BAMCA0gAMEUCIARXqiPHzi5WmyiuOs3a3nKlm76hW/WmkbzJ
pFfQQu0pAiEA7wSuoQ+9v6QIS47wjDVIIS2eJoMIjlIrB6O+M9mF+GY=
-----END CERTIFICATE-----
`;
const ORDERER_TLS_CA = `-----BEGIN CERTIFICATE-----
MIIBdTCCARugAwIBAgIUfWn5HKPpKyzmiXEhTdLn1kFlTpAwCgYIKoZIzj0EAwIw
DzENMAsGA1UEAwwEY2EuYzAgFw0yNjEyMDYxNjE3MTJaGA8yMTI2MTExMjE2MTcx
MlowDzENMAsGA1UEAwwEY2EuYzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABPOh
IhpTPIqaT3FhcZSk5Wuz1p+MS8eOOT3saEfpLNZqQGm6YORsZ8LWm+7sKa+OCsXQ
Swj9OsDcaplvbYfcoiqjUzBRMB0GA1UdDgQWBBTf3eef/ixLWT2xpDCzSCsLcAkK
dzAfBgNVHSMEGDAWgBTf3eef/ixLWT2xpDCzSCsLcAkKdzAPBgNVHRMBAf8EBTAD
AQH/MAoGCCqGSM49BAMCA0gAMEUCIFXaim66heIYCARLUtC7RzO255kvi2/+9vSQ
2l5sm2RgAiEAjEkzKxO3woLxM24kSwZ2Fd1HPEr+0660Bz3m52JH3FM=
-----END CERTIFICATE-----
`;

const b64 = (pem: string) => Buffer.from(pem).toString('base64');
const sig = (...msps: string[]) => ({ policy: { type: 1, value: { identities: msps.map((m) => ({ principal: { msp_identifier: m, role: 'ADMIN' }, principal_classification: 'ROLE' })), rule: {} } } });
const meta = (rule: string, sub: string) => ({ policy: { type: 3, value: { rule, sub_policy: sub } } });
const org = (name: string, roots: string[], policies?: Record<string, unknown>) => ({
  mod_policy: 'Admins',
  values: { MSP: { value: { config: { name, root_certs: roots.map(b64), intermediate_certs: [] } } } },
  policies: policies ?? { Admins: sig(name), Readers: sig(name), Writers: sig(name), Endorsement: sig(name) },
});

/** A decoded config block (configtxlator's JSON), as the stack's configtx makes them: a DAO's (members' majority) or marketplace (the operator's). */
function block(channel: string, orgs: Record<string, unknown>, governance: 'members' | 'operator' = 'members', tls = ORDERER_TLS_CA): unknown {
  const governing =
    governance === 'members'
      ? { Admins: meta('MAJORITY', 'Admins'), Endorsement: meta('MAJORITY', 'Endorsement'), LifecycleEndorsement: meta('MAJORITY', 'Endorsement') }
      : { Admins: sig('OperatorMSP'), Endorsement: sig('OperatorMSP'), LifecycleEndorsement: sig('OperatorMSP') };
  return {
    data: {
      data: [
        {
          payload: {
            header: { channel_header: { channel_id: channel } },
            data: {
              config: {
                channel_group: {
                  groups: {
                    Application: { groups: orgs, policies: { Readers: meta('ANY', 'Readers'), Writers: meta('ANY', 'Writers'), ...governing } },
                    Orderer: { groups: { OrdererMSP: { values: { MSP: { value: { config: { name: 'OrdererMSP', root_certs: [], tls_root_certs: [b64(tls)] } } } } } } },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

const expected: OwnPlaceExpectations = { channel: 'dao-acme-v1', self: { mspId: 'VspMSP', caCertPems: [OWN_CA] }, ordererTlsCaPems: [ORDERER_TLS_CA] };
const honest = (): ChannelConfigView => channelConfigView(block('dao-acme-v1', { DspMSP: org('DspMSP', [OTHER_CA]), VspMSP: org('VspMSP', [OWN_CA]) }));

describe("a member's check of a channel's configuration before it joins", () => {
  it('reads the channel, each organisation (MSP, certificates, policies), the orderer organisations and the Application policies', () => {
    const view = honest();
    expect(view.channelId).toBe('dao-acme-v1');
    expect(view.organisations.map((o) => [o.mspId, o.rootCertPems, o.modPolicy, o.policies['Endorsement']])).toEqual([
      ['DspMSP', [OTHER_CA], 'Admins', { signers: ['DspMSP'] }],
      ['VspMSP', [OWN_CA], 'Admins', { signers: ['VspMSP'] }],
    ]);
    expect(view.ordererOrganisations).toEqual([{ mspId: 'OrdererMSP', tlsRootCertPems: [ORDERER_TLS_CA] }]);
    expect(view.applicationPolicies['Admins']).toEqual({ implicitMeta: { rule: 'MAJORITY', subPolicy: 'Admins' } });
    expect(() => channelConfigView({ data: { data: [{ payload: {} }] } })).toThrow(/not a channel config block/);
  });

  it('accepts the channel as the stack builds it', () => {
    expect(() => checkOwnPlace(expected, honest())).not.toThrow();
    expect(() => checkMembersGovernance('dao-acme-v1', honest(), 'OperatorMSP')).not.toThrow();
  });

  it('refuses another channel, or one ordered by another ordering service', () => {
    expect(() => checkOrdering({ ...expected, channel: 'dao-acme-v2' }, honest())).toThrow('the block is of channel "dao-acme-v1", not dao-acme-v2');
    const elsewhere = channelConfigView(block('dao-acme-v1', { VspMSP: org('VspMSP', [OWN_CA]) }, 'members', OTHER_CA));
    expect(() => checkOrdering(expected, elsewhere)).toThrow(/ordered by OrdererMSP, whose TLS CA is not the ordering service's/);
    expect(() => checkOrdering({ ...expected, ordererTlsCaPems: ['not a certificate'] }, honest())).toThrow(/no readable TLS CA/);
  });

  it('refuses its own MSP with another CA, with another CA beside its own, or missing', () => {
    const swapped = channelConfigView(block('dao-acme-v1', { VspMSP: org('VspMSP', [OTHER_CA]) }));
    expect(() => checkOwnPlace(expected, swapped)).toThrow("VspMSP's MSP in dao-acme-v1 is not exactly its own CA");
    const added = channelConfigView(block('dao-acme-v1', { VspMSP: org('VspMSP', [OWN_CA, OTHER_CA]) }));
    expect(() => checkOwnPlace(expected, added)).toThrow(/not exactly its own CA/);
    const missing = channelConfigView(block('dao-acme-v1', { DspMSP: org('DspMSP', [OTHER_CA]) }));
    expect(() => checkOwnPlace(expected, missing)).toThrow('VspMSP is not an organisation of dao-acme-v1');
  });

  it("refuses an organisation whose own policy names another MSP (the operator's peer as a member's endorser)", () => {
    const endorsedByOperator = org('DspMSP', [OTHER_CA], { Admins: sig('DspMSP'), Readers: sig('DspMSP'), Writers: sig('DspMSP'), Endorsement: sig('DspMSP', 'OperatorMSP') });
    expect(() => checkOwnPlace(expected, channelConfigView(block('dao-acme-v1', { DspMSP: endorsedByOperator, VspMSP: org('VspMSP', [OWN_CA]) })))).toThrow("DspMSP's Endorsement policy in dao-acme-v1 names OperatorMSP: only its own MSP may");
    const changedByOthers = { ...org('VspMSP', [OWN_CA]), mod_policy: '/Channel/Application/Admins' };
    expect(() => checkOwnPlace(expected, channelConfigView(block('dao-acme-v1', { VspMSP: changedByOthers })))).toThrow(/is changed by "\/Channel\/Application\/Admins", not by its own Admins/);
  });

  it("refuses a DAO channel with the operator in it or governed by one party; accepts marketplace governed by the operator alone", () => {
    const withOperator = channelConfigView(block('dao-acme-v1', { VspMSP: org('VspMSP', [OWN_CA]), OperatorMSP: org('OperatorMSP', [OTHER_CA]) }));
    expect(() => checkMembersGovernance('dao-acme-v1', withOperator, 'OperatorMSP')).toThrow(/OperatorMSP is an organisation of dao-acme-v1/);
    const governed = channelConfigView(block('dao-acme-v1', { VspMSP: org('VspMSP', [OWN_CA]) }, 'operator'));
    expect(() => checkMembersGovernance('dao-acme-v1', governed, 'OperatorMSP')).toThrow("dao-acme-v1's Admins policy is not a majority of its organisations' Admins");
    const marketplace = channelConfigView(block('marketplace', { OperatorMSP: org('OperatorMSP', [OTHER_CA]), VspMSP: org('VspMSP', [OWN_CA]) }, 'operator'));
    expect(() => checkGovernedBy('marketplace', marketplace, 'OperatorMSP')).not.toThrow();
    expect(() => checkGovernedBy('marketplace', marketplace, 'OtherMSP')).toThrow(/OtherMSP, who governs marketplace, is not an organisation of it/);
  });

  it("checks a seat on the genesis block's channel and ordering and on the latest config's place and governance", () => {
    const genesis = channelConfigView(block('dao-acme-v1', { DspMSP: org('DspMSP', [OTHER_CA]) }));
    expect(() => checkSeatedChannel(expected, { genesis, latest: honest() }, 'OperatorMSP')).not.toThrow();
    const stale = channelConfigView(block('dao-acme-v1', { DspMSP: org('DspMSP', [OTHER_CA]) }));
    expect(() => checkSeatedChannel(expected, { genesis, latest: stale }, 'OperatorMSP')).toThrow(/VspMSP is not an organisation/);
  });
});

describe('the endorsers of a chaincode commit, as a channel config lists them', () => {
  /** An organisation with its anchor peer and its MSP's TLS root certificates. */
  const withPeer = (name: string, tls: string[], anchors: Array<{ host: string; port: number }>) => {
    const o = org(name, [OWN_CA]);
    return { ...o, values: { MSP: { value: { config: { ...o.values.MSP.value.config, tls_root_certs: tls.map(b64) } } }, AnchorPeers: { value: { anchor_peers: anchors } } } };
  };

  it("reads each organisation's first anchor peer and its MSP's TLS root certificates, by MSP id", () => {
    const decoded = block('dao-acme-v1', { VspMSP: withPeer('VspMSP', [OWN_CA], [{ host: '127.0.0.1', port: 9051 }]), DspMSP: withPeer('DspMSP', [OTHER_CA, OWN_CA], [{ host: 'peer0.dsp', port: 7051 }, { host: 'peer1.dsp', port: 7051 }]) });
    expect(configBlockEndorsers(decoded)).toEqual([
      { mspId: 'DspMSP', address: 'peer0.dsp:7051', tlsCaCert: OTHER_CA + OWN_CA },
      { mspId: 'VspMSP', address: '127.0.0.1:9051', tlsCaCert: OWN_CA },
    ]);
  });

  it('refuses an organisation the commit could not reach: no anchor peer, no TLS root certificate', () => {
    expect(() => configBlockEndorsers(block('dao-acme-v1', { VspMSP: withPeer('VspMSP', [OWN_CA], []) }))).toThrow(/VspMSP has no anchor peer/);
    expect(() => configBlockEndorsers(block('dao-acme-v1', { VspMSP: withPeer('VspMSP', [], [{ host: 'h', port: 1 }]) }))).toThrow(/VspMSP's MSP in the channel's config has no TLS root certificate/);
  });
});
