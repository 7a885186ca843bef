// Test files against the stack before unit specs. Jest starts the slowest files first only when its
// cache has their durations (CI starts from a fresh clone: none), and otherwise the largest, so a
// short integration file (a minute of waiting on Kafka or Fabric) could start after a long unit spec
// (a second or two) and end the run alone on one worker. Unit specs last fill the workers' tail.
// Within each group jest's own order holds (failed first, then slowest, then largest).
// The e2e tier's files (two at a time, under the locks of their `@e2eLock` pragmas:
// libs/testing/src/jest/tier-locks.ts): those that run alone first, while nothing else has started
// (among them, one with an `@e2eFirst` pragma before the others: it changes what every later file's
// members find. Dispatched first, it would still race the next exclusive file for the lock, since two
// workers take the first two files at once: the others wait until it holds the lock), then the others taking turns by
// what they lock (the pool's, the console's, none), so the two workers seldom pick two files that
// wait for one lock.
const { readFileSync } = require('node:fs');
const { extract, parse } = require('jest-docblock');
const Sequencer = require('@jest/test-sequencer').default;

/** tier-locks.ts's E2E_FIRST_FILES_ENV (this file is plain JavaScript, loaded before any TypeScript register). */
const E2E_FIRST_FILES_ENV = 'DATAWELL_E2E_FIRST_FILES';

const tier = (test) => test.context.config.displayName?.name;
const againstStack = (test) => tier(test) !== 'unit';

const pragmas = (test) => parse(extract(readFileSync(test.path, 'utf8')));

/** The lock its `@e2eLock` pragma claims, and whether it has an `@e2eFirst` pragma: one read of its docblock. */
function e2ePragmas(test) {
  const found = pragmas(test);
  const pragma = found['e2eLock'];
  const words = String(Array.isArray(pragma) ? pragma.join(' ') : (pragma ?? '')).split(/[\s,]+/);
  const lock = words.includes('exclusive') ? 'exclusive' : words.includes('pool') ? 'pool' : words.includes('console') ? 'console' : 'none';
  return { lock, first: found['e2eFirst'] !== undefined };
}

function e2eOrder(tests) {
  const groups = { exclusive: [], none: [], pool: [], console: [] };
  const firsts = [];
  for (const t of tests) {
    const { lock, first } = e2ePragmas(t);
    if (lock === 'exclusive' && first) firsts.push(t);
    else groups[lock].push(t);
  }
  const turns = [];
  const rest = [groups.none, groups.pool, groups.console];
  while (rest.some((g) => g.length > 0)) for (const g of rest) if (g.length > 0) turns.push(g.shift());
  // The workers inherit jest's environment as it is once the files are sorted: each exclusive file
  // without the pragma waits for these to take the lock (libs/testing/src/jest/tier-locks.ts).
  process.env[E2E_FIRST_FILES_ENV] = JSON.stringify(firsts.map((t) => t.path));
  return [...firsts, ...groups.exclusive, ...turns];
}

class StackFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const e2e = sorted.filter((t) => tier(t) === 'e2e');
    return [...e2eOrder(e2e), ...sorted.filter((t) => againstStack(t) && tier(t) !== 'e2e'), ...sorted.filter((t) => !againstStack(t))];
  }
}

module.exports = StackFirstSequencer;
