// The integration and e2e tiers set aside each file's member domains when the file ends (libs/testing/src/jest/park-domains.ts).
require('../../libs/testing/src/jest/park-domains.ts').parkDomainsAfterEachFile();
