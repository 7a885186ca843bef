import { computeOpSchema, nodeOpSchema } from './node-ops';

const op = { opId: 'cmp-1', kind: 'compute', program: 'mean', owner: 0, recipients: [1], dataset: { name: 'r', columns: ['y'] }, fractionalBits: 16 };
const ledger = { daoId: 'd1', version: 2, computation: 'mean', requester: 'Vsp1MSP', recipients: ['Vsp1MSP'], owner: 'DspMSP' };

describe('the compute op', () => {
  it('takes an optional ledger part: what the op is for, in the ledger names', () => {
    expect(computeOpSchema.parse(op)).toEqual(op);
    expect(nodeOpSchema.parse({ ...op, ledger })).toEqual({ ...op, ledger });
  });

  it.each([
    ['an unknown field', { ...ledger, extra: 1 }, /extra/],
    ['a bad DAO id', { ...ledger, daoId: 'D 1' }, /daoId/],
    ['a version out of range', { ...ledger, version: 0 }, /version/],
    ['a requester that is no MSP id', { ...ledger, requester: 'vsp1' }, /requester/],
    ['no recipients', { ...ledger, recipients: [] }, /recipients/],
    ['a recipient that is no MSP id', { ...ledger, recipients: ['x'] }, /recipients/],
    ['no owner', { ...ledger, owner: undefined }, /owner/],
    ['a bad computation name', { ...ledger, computation: '-x' }, /computation/],
  ])('refuses a ledger part with %s', (_what, bad, path) => {
    const parsed = nodeOpSchema.safeParse({ ...op, ledger: bad });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join(' ')).toMatch(path);
  });
});
