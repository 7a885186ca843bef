// Test files against the stack before unit specs. Jest starts the slowest files first only when its
// cache has their durations (CI starts from a fresh clone: none), and otherwise the largest, so a
// short integration file (a minute of waiting on Kafka or Fabric) could start after a long unit spec
// (a second or two) and end the run alone on one worker. Unit specs last fill the workers' tail.
// Within each group jest's own order holds (failed first, then slowest, then largest).
const Sequencer = require('@jest/test-sequencer').default;

const againstStack = (test) => test.context.config.displayName?.name !== 'unit';

class StackFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    return [...sorted.filter(againstStack), ...sorted.filter((t) => !againstStack(t))];
  }
}

module.exports = StackFirstSequencer;
