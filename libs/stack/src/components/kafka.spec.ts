import { randomBytes } from 'node:crypto';
import { kafkaCredentials } from '@datawell/config';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import type { StackContext } from './component';
import { kraftClusterId, serverProperties } from './kafka';
import { fleetAcls, memberAcls, operatorAcls } from './kafka-principals';

describe('KRaft cluster id', () => {
  it('is 22 base64url characters and never starts with "-" (kafka-storage would take it for an option)', () => {
    for (let i = 0; i < 5000; i++) {
      const id = kraftClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    }
  });

  it('draws again when the bytes encode to a leading "-"', () => {
    const draws = [Buffer.from([0xf8, ...randomBytes(15)]), Buffer.from([0x04, ...randomBytes(15)])];
    expect(draws[0]!.toString('base64url').startsWith('-')).toBe(true);
    let calls = 0;
    const id = kraftClusterId(() => draws[calls++]!);
    expect(calls).toBe(2);
    expect(id).toBe(draws[1]!.toString('base64url'));
  });
});

describe('broker security settings', () => {
  const ctx = {
    settings: { repoDir: '/r', stackDir: '/tmp/stack', cacheDir: '/tmp/cache', ports: { postgres: 1, redis: 2, kafka: 29092, kafkaController: 29093, fabricBase: 27000 }, orderers: 1 },
    progress: { step: () => undefined },
  } as unknown as StackContext;
  const admin = kafkaCredentials('admin', 'x'.repeat(43));
  const props = Object.fromEntries(
    serverProperties(ctx, '/tmp/data', admin)
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

  it('takes only SASL on every listener, SCRAM-SHA-512 for clients and PLAIN on the controller listener', () => {
    expect(props['listener.security.protocol.map']).toBe('BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT');
    expect(props['listeners']).toBe('BROKER://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093');
    expect(props['listener.name.broker.sasl.enabled.mechanisms']).toBe('SCRAM-SHA-512');
    expect(props['sasl.mechanism.inter.broker.protocol']).toBe('SCRAM-SHA-512');
    expect(props['listener.name.controller.sasl.enabled.mechanisms']).toBe('PLAIN');
    expect(props['sasl.mechanism.controller.protocol']).toBe('PLAIN');
    expect(Object.values(props).some((v) => /PLAINTEXT:\/\/|:PLAINTEXT(,|$)/.test(v))).toBe(false);
  });

  it('authorises with the KRaft StandardAuthorizer, denies what no ACL allows, and has only the admin as super user', () => {
    expect(props['authorizer.class.name']).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(props['allow.everyone.if.no.acl.found']).toBe('false');
    expect(props['super.users']).toBe('User:admin');
  });
});

describe('ACLs', () => {
  it('give a member its own prefixed topics and groups, reading its inbox, and nothing else', () => {
    const acls = memberAcls('AcmeMSP');
    expect(new Set(acls.map((a) => a.principal))).toEqual(new Set(['User:member-AcmeMSP']));
    const inbox = acls.filter((a) => a.resourceName === 'datawell.inbox.AcmeMSP.v1');
    // Its inbox (the operator writes there): read only, that one topic.
    expect(inbox.map((a) => [a.resourceType, a.resourcePatternType, a.operation])).toEqual([
      [AclResourceTypes.TOPIC, ResourcePatternTypes.LITERAL, AclOperationTypes.READ],
      [AclResourceTypes.TOPIC, ResourcePatternTypes.LITERAL, AclOperationTypes.DESCRIBE],
    ]);
    const rest = acls.filter((a) => !inbox.includes(a));
    expect(rest.every((a) => a.resourcePatternType === ResourcePatternTypes.PREFIXED && a.resourceName === 'datawell.member.AcmeMSP.')).toBe(true);
    expect(acls.every((a) => a.permissionType === AclPermissionTypes.ALLOW)).toBe(true);
    expect(acls.filter((a) => a.resourceType === AclResourceTypes.GROUP).map((a) => a.operation).sort()).toEqual([AclOperationTypes.READ, AclOperationTypes.DESCRIBE].sort());
    expect(acls.some((a) => a.resourceType === AclResourceTypes.CLUSTER)).toBe(false);
  });

  it('give a fleet write to its DSP readings topic only, and refuse a topic outside the DSP prefix', () => {
    const acls = fleetAcls('DspMSP', 'sensors');
    expect(acls.map((a) => [a.principal, a.resourceName, a.resourcePatternType, a.operation])).toEqual([
      ['User:fleet-DspMSP-sensors', 'datawell.member.DspMSP.readings.v1', ResourcePatternTypes.LITERAL, AclOperationTypes.WRITE],
      ['User:fleet-DspMSP-sensors', 'datawell.member.DspMSP.readings.v1', ResourcePatternTypes.LITERAL, AclOperationTypes.DESCRIBE],
    ]);
    expect(() => fleetAcls('DspMSP', 'sensors', 'datawell.member.OtherMSP.readings.v1')).toThrow(/only under datawell\.member\.DspMSP\./);
  });

  it("deny the operator every member's topics and groups", () => {
    const denied = operatorAcls().filter((a) => a.permissionType === AclPermissionTypes.DENY);
    expect(denied.map((a) => [a.resourceType, a.resourceName, a.resourcePatternType, a.operation])).toEqual([
      [AclResourceTypes.TOPIC, 'datawell.member.', ResourcePatternTypes.PREFIXED, AclOperationTypes.ALL],
      [AclResourceTypes.GROUP, 'datawell.member.', ResourcePatternTypes.PREFIXED, AclOperationTypes.ALL],
    ]);
  });
});
