import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { DESIRED } from './fixtures.spec-helper';
import { dnsLabel, renderKubernetes } from './kubernetes';

const CONTEXT = { namespace: 'datawell', images: { 'mpc-node': 'datawell/mpc-node:1', default: 'datawell/service:1' }, kafkaBrokers: ['kafka:9092'], telemetryTopic: 't' };

describe('renderKubernetes', () => {
  it('renders a Deployment per managed workload that validates against the Kubernetes schema', () => {
    const objects = renderKubernetes(DESIRED, CONTEXT);
    expect(objects).toHaveLength(2);
    for (const object of objects) expect(() => new Deployment(object as never).validate()).not.toThrow();
    const first = objects[0] as { metadata: { name: string; labels: Record<string, string> }; spec: { template: { spec: { containers: Array<{ resources?: unknown; image: string }>; volumes: unknown[] } } } };
    expect(first.metadata.name).toBe('d1-v1-dsp-mpc');
    expect(first.metadata.labels).toMatchObject({ 'datawell.io/dao': 'd1', 'datawell.io/version': '1', 'datawell.io/owner': 'dspmsp' });
    expect(first.spec.template.spec.containers[0]).toMatchObject({ image: 'datawell/mpc-node:1', resources: { limits: { memory: '256Mi' } } });
    expect(first.spec.template.spec.volumes).toEqual([{ name: 'key', secret: { secretName: 'd1-v1-dsp-mpc-key', defaultMode: 0o400 } }]);
  });

  it('fails validation when a rendered Deployment is broken (the schema check is real)', () => {
    const [object] = renderKubernetes(DESIRED, CONTEXT) as Array<{ spec: Record<string, unknown> }>;
    const broken = { ...object!, spec: { ...object!.spec, selector: undefined, replicas: 'one' } };
    expect(() => new Deployment(broken as never).validate()).toThrow(/selector|replicas/);
  });

  it('renders nothing for a dissolved version and makes DNS labels of any id', () => {
    expect(renderKubernetes({ ...DESIRED, dissolved: true }, CONTEXT)).toEqual([]);
    expect(dnsLabel('Dao_X:v1.W')).toBe('dao-x-v1-w');
    expect(dnsLabel('a'.repeat(80))).toHaveLength(63);
  });
});
