import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAO } from './dao';
import { MARKETPLACE } from './marketplace';

/** The lint rule's list (tools/eslint/ledger-names.mjs) names exactly the catalogue's transactions and events. */
describe('the lint rule against ledger names outside the catalogue', () => {
  it('lists every name of the catalogue and nothing else', () => {
    const source = readFileSync(join(__dirname, '../../../../../tools/eslint/ledger-names.mjs'), 'utf8');
    const list = source.slice(source.indexOf('LEDGER_NAMES = ['), source.indexOf('];'));
    const linted = [...list.matchAll(/'([A-Za-z]+)'/g)].map((m) => m[1]).sort();
    const catalogue = [...new Set([...DAO.transactionNames, ...DAO.eventNames, ...MARKETPLACE.transactionNames, ...MARKETPLACE.eventNames])].sort();
    expect(linted).toEqual(catalogue);
  });
});
