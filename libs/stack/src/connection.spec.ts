import { connectionEnv, type StackConnection } from './connection';

const connection = (orgs: Record<string, unknown>) =>
  ({
    postgres: { url: 'postgres://u:p@127.0.0.1:5432/datawell' },
    redis: { url: 'redis://127.0.0.1:6379' },
    kafka: { brokers: ['127.0.0.1:9092'] },
    stackDir: '/s',
    opentofu: { binary: '/bin/tofu' },
    fabric: { orgs },
  }) as unknown as StackConnection;

describe('connectionEnv', () => {
  it("names the operator's public MSP folder (its cacerts/ hold the CA services authenticate the operator's identities by)", () => {
    const env = connectionEnv(connection({ OperatorMSP: { peer: { tlsCaFile: '/s/fabric/organizations/operator/msp/tlscacerts/ca.pem' } } }));
    expect(env['DATAWELL_OPERATOR_MSP_DIR']).toBe('/s/fabric/organizations/operator/msp');
  });

  it('leaves it out when the stack runs no operator organisation', () => {
    expect(connectionEnv(connection({}))['DATAWELL_OPERATOR_MSP_DIR']).toBeUndefined();
  });
});
