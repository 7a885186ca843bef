import { loadSettings } from '../settings';
import { fabricPorts, MAX_ORGS, ORDERER_ORG, OPERATOR_ORG, slugFor, type OrgRecord } from './layout';

describe('the Fabric port plan', () => {
  it('gives every process of 100 organisations, 3 orderers and 200 chaincodes its own port, clear of PostgreSQL, Redis and Kafka', () => {
    const settings = loadSettings('/repo', {});
    const plan = fabricPorts(settings);
    const used: number[] = [settings.ports.postgres, settings.ports.redis, settings.ports.kafka, settings.ports.kafkaController];
    for (let i = 0; i < 3; i++) used.push(...Object.values(plan.orderer(i)));
    for (let k = 0; k < MAX_ORGS; k++) {
      const org: OrgRecord = { mspId: `O${k}MSP`, slug: `o${k}`, kind: 'peer', index: k };
      used.push(...Object.values(plan.ca(org)), ...Object.values(plan.peer(org)));
    }
    for (let n = 0; n < 200; n++) used.push(plan.chaincodeServer(n));
    expect(new Set(used).size).toBe(used.length);
    expect(Math.max(...used)).toBeLessThan(32768);
  });

  it('places the operator and the ordering org at fixed indexes', () => {
    const plan = fabricPorts(loadSettings('/repo', { DATAWELL_FABRIC_PORT_BASE: '30000' }));
    expect(plan.ca(ORDERER_ORG).listen).toBe(30100);
    expect(plan.peer(OPERATOR_ORG).listen).toBe(30403);
    expect(plan.orderer(0)).toEqual({ listen: 30050, admin: 30051, operations: 30052 });
  });
});

describe('slugFor', () => {
  it('derives a folder name from an MSP id', () => {
    expect(slugFor('AcmeAnalyticsMSP')).toBe('acmeanalytics');
    expect(slugFor('Dsp1MSP')).toBe('dsp1');
  });

  it.each(['acme', 'Acme-MSP', 'MSP', '1AcmeMSP', 'Acme MSP', ''])('refuses %j', (id) => {
    expect(() => slugFor(id)).toThrow(/must be letters and digits ending in "MSP"/);
  });
});
