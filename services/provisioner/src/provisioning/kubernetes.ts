import { activeWorkloads, workloadId, type DesiredVersion } from './spec';

export interface KubernetesContext {
  readonly namespace: string;
  /** The image running workloads of each kind (e.g. `mpc-node`); `default` for the rest. */
  readonly images: Readonly<Record<string, string>>;
  readonly kafkaBrokers: readonly string[];
  readonly telemetryTopic: string;
}

/** A DNS-1123 label: Kubernetes names and label values cannot hold upper case, "_" or ":". */
export function dnsLabel(id: string): string {
  const label = id
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/g, '');
  return label === '' ? 'workload' : label;
}

/**
 * The same managed workloads as the local target, as Kubernetes Deployments (one replica each). The
 * workload's private key is not rendered: it comes from a Secret `<name>-key` the operator creates
 * from the key the provisioner generated, mounted read-only at /var/run/datawell.
 */
export function renderKubernetes(desired: DesiredVersion, context: KubernetesContext): Array<Record<string, unknown>> {
  return activeWorkloads(desired).map((w) => {
    const id = workloadId(desired.daoId, desired.version, w.name);
    const name = dnsLabel(id);
    const labels = {
      'app.kubernetes.io/name': dnsLabel(w.kind),
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/managed-by': 'datawell-provisioner',
      'datawell.io/dao': desired.daoId,
      'datawell.io/version': String(desired.version),
      'datawell.io/owner': dnsLabel(w.owner),
    };
    const numeric = (v: unknown) => (typeof v === 'number' ? v : undefined);
    const memoryMb = numeric(w.parameters?.['memoryMb']);
    const cpuMilli = numeric(w.parameters?.['cpuMilli']);
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: context.namespace, labels, annotations: { 'datawell.io/workload-id': id, 'datawell.io/owner-msp': w.owner } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/instance': name } },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'workload',
                image: context.images[w.kind] ?? context.images['default'] ?? 'datawell/workload:latest',
                env: [
                  { name: 'DATAWELL_WORKLOAD_ID', value: id },
                  { name: 'DATAWELL_DAO_ID', value: desired.daoId },
                  { name: 'DATAWELL_DAO_VERSION', value: String(desired.version) },
                  { name: 'DATAWELL_OWNER', value: w.owner },
                  { name: 'DATAWELL_HEARTBEAT_INTERVAL_SECONDS', value: String(desired.heartbeatIntervalSeconds) },
                  { name: 'DATAWELL_KAFKA_BROKERS', value: context.kafkaBrokers.join(',') },
                  { name: 'DATAWELL_TELEMETRY_TOPIC', value: context.telemetryTopic },
                  { name: 'DATAWELL_KEY_FILE', value: '/var/run/datawell/key.pem' },
                ],
                volumeMounts: [{ name: 'key', mountPath: '/var/run/datawell', readOnly: true }],
                ...(memoryMb !== undefined || cpuMilli !== undefined
                  ? {
                      resources: {
                        limits: {
                          ...(memoryMb !== undefined ? { memory: `${memoryMb}Mi` } : {}),
                          ...(cpuMilli !== undefined ? { cpu: `${cpuMilli}m` } : {}),
                        },
                      },
                    }
                  : {}),
              },
            ],
            volumes: [{ name: 'key', secret: { secretName: `${name.slice(0, 59)}-key`, defaultMode: 0o400 } }],
          },
        },
      },
    };
  });
}
