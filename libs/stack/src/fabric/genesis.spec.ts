import { blockOrganisations } from './genesis';

const pem = (name: string) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(name).toString('base64')}\n-----END CERTIFICATE-----\n`;
const org = (name: string, roots: string[]) => ({ values: { MSP: { value: { config: { name, root_certs: roots.map((r) => Buffer.from(r).toString('base64')) } } } } });
const block = (groups: Record<string, unknown>) => ({ data: { data: [{ payload: { data: { config: { channel_group: { groups: { Application: { groups } } } } } } }] } });

describe("a config block's application organisations", () => {
  it('reads each MSP name and its root certificates (PEM) from configtxlator JSON', () => {
    expect(blockOrganisations(block({ DspMSP: org('DspMSP', [pem('dsp')]), VspMSP: org('VspMSP', [pem('vsp'), pem('vsp2')]) }))).toEqual([
      { mspId: 'DspMSP', rootCertPems: [pem('dsp')] },
      { mspId: 'VspMSP', rootCertPems: [pem('vsp'), pem('vsp2')] },
    ]);
  });

  it('refuses what is not a config block, or an organisation without an MSP name', () => {
    expect(() => blockOrganisations({ data: { data: [{ payload: { data: {} } }] } })).toThrow(/not a channel config block/);
    expect(() => blockOrganisations(null)).toThrow(/not a channel config block/);
    expect(() => blockOrganisations(block({ X: { values: {} } }))).toThrow(/no MSP name/);
  });
});
