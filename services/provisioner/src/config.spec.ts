import { ConfigError, loadServiceConfig } from '@datawell/config';
import { provisionerService } from './config';

const base = { DATAWELL_POSTGRES_URL: 'postgres://u:p@localhost:5432/d', DATAWELL_REDIS_URL: 'redis://localhost:6379', DATAWELL_KAFKA_BROKERS: 'localhost:9092' };

function problems(env: Record<string, string>): string[] {
  try {
    loadServiceConfig(provisionerService, { ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n').filter((line) => /PROVISIONER_/.test(line));
    throw error;
  }
  return [];
}

describe('provisioner settings: member mode', () => {
  it('is off by default (the operator-mode provisioner) and on with a member MSP id', () => {
    expect(loadServiceConfig(provisionerService, base).settings.member).toBeUndefined();
    expect(loadServiceConfig(provisionerService, { ...base, PROVISIONER_MEMBER_MSP_ID: 'AcmeMSP' }).settings.member).toEqual({ mspId: 'AcmeMSP' });
  });

  it('refuses a bad MSP id, and the operator\'s mesh CA beside a member, naming the variables', () => {
    expect(problems({ PROVISIONER_MEMBER_MSP_ID: 'acme org' }).join(' ')).toMatch(/PROVISIONER_MEMBER_MSP_ID/);
    const both = problems({ PROVISIONER_MEMBER_MSP_ID: 'AcmeMSP', PROVISIONER_MPC_CA_CERT_FILE: '/ca.pem', PROVISIONER_MPC_CA_KEY_FILE: '/ca.key' }).join(' ');
    expect(both).toMatch(/PROVISIONER_MPC_CA_CERT_FILE.*member mode/);
    expect(both).toMatch(/PROVISIONER_MPC_CA_KEY_FILE/);
    expect(problems({ PROVISIONER_MPC_CA_CERT_FILE: '/ca.pem', PROVISIONER_MPC_CA_KEY_FILE: '/ca.key' })).toEqual([]);
  });
});
