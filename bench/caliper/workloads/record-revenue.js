'use strict';

const { workload } = require('./common');

/** RecordRevenue of one use with a fresh revenue id and a varying amount (minor units). */
const RecordRevenue = workload((id, n) => [JSON.stringify({ revenueId: `rev-${id}`, amount: String(1000 + (n % 9000)), kind: 'use' })]);

module.exports.createWorkloadModule = () => new RecordRevenue();
