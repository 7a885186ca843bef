// The e2e tier sets aside each file's member domains when the file ends (libs/testing/src/jest/park-domains.ts).
require('../../libs/testing/src/jest/park-domains.ts').parkDomainsAfterEachFile();
