import { SERVICE_NAMES, SERVICES } from './services';

describe('the services registry', () => {
  it('gives every service its own schema and port', () => {
    const schemas = SERVICE_NAMES.map((s) => SERVICES[s].schema);
    const ports = SERVICE_NAMES.map((s) => SERVICES[s].defaultPort);
    expect(new Set(schemas).size).toBe(SERVICE_NAMES.length);
    expect(new Set(ports).size).toBe(SERVICE_NAMES.length);
    expect(ports).toEqual([4100, 4101, 4102, 4103, 4104, 4105]);
    expect(SERVICE_NAMES.map((s) => SERVICES[s].defaultGrpcPort)).toEqual([5100, 5101, 5102, 5103, 5104, 5105]);
  });

  it('names each entry by its key', () => {
    for (const name of SERVICE_NAMES) expect(SERVICES[name].name).toBe(name);
  });
});
