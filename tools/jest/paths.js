// Maps the tsconfig path aliases (@datawell/x) to sources for jest.
const { compilerOptions } = require('../../tsconfig.base.json');
const path = require('node:path');

function pathsToModuleNameMapper() {
  const map = {};
  for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
    map[`^${alias.replace('/', '\\/')}$`] = path.join(__dirname, '..', '..', target);
  }
  return map;
}
module.exports = { pathsToModuleNameMapper };
