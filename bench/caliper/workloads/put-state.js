'use strict';

const { workload } = require('./common');

/** Put of a fresh key with a small value, the baseline's one putState. */
const Put = workload((id, n) => [`key-${id}`, String(1000 + (n % 9000))]);

module.exports.createWorkloadModule = () => new Put();
