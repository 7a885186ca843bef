import { CUSTODY_REMOVED, removedSettingIssues } from './removed-settings';

describe('removedSettingIssues', () => {
  const removed = { X_CUSTODIAL_ORGANISATIONS: CUSTODY_REMOVED };

  it('names each removed setting that is given, whatever its value, with why', () => {
    expect(removedSettingIssues({ X_CUSTODIAL_ORGANISATIONS: 'false' }, removed)).toEqual([{ variable: 'X_CUSTODIAL_ORGANISATIONS', problem: CUSTODY_REMOVED }]);
    expect(removedSettingIssues({ X_CUSTODIAL_ORGANISATIONS: '' }, removed)).toHaveLength(1);
    expect(CUSTODY_REMOVED).toMatch(/^custody was removed/);
  });

  it('says nothing when none is given', () => {
    expect(removedSettingIssues({ OTHER: 'true' }, removed)).toEqual([]);
  });
});
