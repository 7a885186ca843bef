import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMON_VARIABLES, defineService, loadServiceConfig, requiredVariables } from '@datawell/config';
import { SERVICE_NAMES, SERVICES } from '@datawell/contracts';
import { dependsOn, interpolate, parseCompose, publishedPorts, readCompose, serviceEnvironment } from './compose';

const root = join(__dirname, '..', '..');
const compose = readCompose(join(root, 'docker-compose.yml'));
const services = compose.services;

/** The components every operator deployment runs, with the official image each comes from. */
const COMPONENTS: Record<string, RegExp> = {
  postgres: /^postgres:15/,
  redis: /^redis:\d/,
  kafka: /^apache\/kafka:\d/,
  'ca-orderer': /^hyperledger\/fabric-ca:\d/,
  'ca-operator': /^hyperledger\/fabric-ca:\d/,
  'fabric-enroll': /^hyperledger\/fabric-ca:\d/,
  orderer: /^hyperledger\/fabric-orderer:3\.1/,
  'peer0-operator': /^hyperledger\/fabric-peer:3\.1/,
};
/** Where, inside the Compose network, a service reaches each dependency. */
const DEPENDENCY_ENDPOINT = { postgres: 'postgres:5432', redis: 'redis:6379', kafka: 'kafka:9092' } as const;

describe('docker-compose.yml', () => {
  it('names every component and every Datawell service, and nothing unknown', () => {
    expect(Object.keys(services).sort()).toEqual([...Object.keys(COMPONENTS), ...SERVICE_NAMES].sort());
  });

  it.each(Object.entries(COMPONENTS))('runs %s from its official image', (name, image) => {
    expect(services[name]?.image).toMatch(image);
    expect(services[name]?.build).toBeUndefined();
  });

  it('publishes no host port twice', () => {
    const hostPorts = Object.values(services).flatMap((s) => publishedPorts(s).map((p) => p.host));
    const duplicates = hostPorts.filter((p, i) => hostPorts.indexOf(p) !== i);
    expect(duplicates).toEqual([]);
    expect(hostPorts.length).toBeGreaterThanOrEqual(SERVICE_NAMES.length + 3);
  });

  it('depends only on services it defines and mounts only volumes it declares', () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const [name, service] of Object.entries(services)) {
      for (const target of Object.keys(dependsOn(service))) expect([name, target, target in services]).toEqual([name, target, true]);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] as string;
        if (source.startsWith('.')) expect(existsSync(join(root, source))).toBe(true);
        else expect(declared).toContain(source);
      }
    }
  });

  describe.each([...SERVICE_NAMES])('service %s', (name) => {
    const service = services[name]!;
    const spec = SERVICES[name];
    const env = serviceEnvironment(service);

    it('is built from the root Dockerfile for this service', () => {
      expect(service.build).toEqual({ context: '.', dockerfile: 'Dockerfile', args: { SERVICE: name } });
    });

    it('sets every variable its config requires, and only variables its config reads', () => {
      for (const variable of requiredVariables(spec.dependencies)) expect(Object.keys(env)).toContain(variable);
      const known = [...Object.values(COMMON_VARIABLES), spec.portVariable, spec.grpcPortVariable];
      expect(Object.keys(env).filter((v) => !known.includes(v as (typeof known)[number]))).toEqual([]);
    });

    it('has an environment its config accepts, on its documented port', () => {
      const config = loadServiceConfig(defineService(spec), env);
      expect(config.http.port).toBe(spec.defaultPort);
      expect(publishedPorts(service)).toContainEqual({ host: spec.defaultPort, container: spec.defaultPort });
      if (name !== 'ledger-bridge') {
        // Partners reach every other service over gRPC too.
        expect(config.grpc.port).toBe(spec.defaultGrpcPort);
        expect(publishedPorts(service)).toContainEqual({ host: spec.defaultGrpcPort, container: spec.defaultGrpcPort });
      }
    });

    it('reaches each dependency inside the Compose network and waits for it to be healthy', () => {
      const config = loadServiceConfig(defineService(spec), env);
      const targets: Record<string, string> = {
        postgres: new URL(config.postgres.url).host,
        kafka: config.kafka.brokers.join(','),
        ...(config.redis ? { redis: new URL(config.redis.url).host } : {}),
      };
      expect(Object.keys(targets).sort()).toEqual([...spec.dependencies].sort());
      const waits = dependsOn(service);
      for (const dependency of spec.dependencies) {
        expect(targets[dependency]).toBe(DEPENDENCY_ENDPOINT[dependency]);
        expect(waits[dependency]).toBe('service_healthy');
      }
    });

    it('is health-checked on its own /health', () => {
      expect(JSON.stringify(service.healthcheck?.test)).toContain(`127.0.0.1:${spec.defaultPort}/health`);
    });
  });

  it('lets the ledger bridge, and only it, reach the Fabric crypto material', () => {
    const mounts = (n: string) => (services[n]?.volumes ?? []).some((v) => v.startsWith('fabric-crypto:'));
    expect(SERVICE_NAMES.filter(mounts)).toEqual(['ledger-bridge']);
  });

  it('has a Dockerfile that builds the service named by its SERVICE argument', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG SERVICE$/m);
    expect(dockerfile).toMatch(/FROM node:20|ARG NODE_IMAGE=node:20/);
    expect(dockerfile).toContain('services/${DATAWELL_SERVICE}/src/main.ts');
  });
});

describe('interpolate', () => {
  it('applies defaults, values and escapes as Compose does', () => {
    const env = { SET: 'v', EMPTY: '' };
    expect(interpolate('${SET:-d} ${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} $SET $$HOME', env)).toBe('v d d  v $HOME');
  });
  it('fails on a required variable that is unset', () => {
    expect(() => interpolate('${NEEDED:?set it}', {})).toThrow('NEEDED: set it');
  });
});

describe('parseCompose', () => {
  it('resolves merge keys', () => {
    const file = parseCompose('x: &base\n  restart: always\nservices:\n  a:\n    <<: *base\n    image: i\n');
    expect(file.services['a']).toEqual({ restart: 'always', image: 'i' });
  });
  it('rejects broken YAML', () => {
    expect(() => parseCompose('services:\n  a: [\n')).toThrow('invalid YAML');
  });
  it('reads published ports in the short syntax', () => {
    expect(publishedPorts({ ports: ['4100:4100', '127.0.0.1:59092:9094/tcp'] })).toEqual([
      { host: 4100, container: 4100 },
      { host: 59092, container: 9094 },
    ]);
    expect(() => publishedPorts({ ports: ['9092'] })).toThrow('publishes no host port');
  });
});
