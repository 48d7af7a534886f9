import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/paths';

// The generator is a build script: plain JavaScript, outside the compiled tree.
const { OUTPUT, manifestValidatorsSource } = require(path.join(REPO_ROOT, 'scripts', 'generate-manifest-validators.js')) as {
  OUTPUT: string;
  manifestValidatorsSource: (dist: string) => string;
};

describe("the manifests' generated validators", () => {
  it('are what ajv compiles from the schemas in src/plugins/manifest-schemas.ts now', () => {
    // From the schemas this test run was built with (dist), not a copy of them.
    const regenerated = manifestValidatorsSource(path.join(REPO_ROOT, 'dist'));
    const committed = readFileSync(OUTPUT, 'utf8');
    if (committed !== regenerated) {
      throw new Error(`${path.relative(REPO_ROOT, OUTPUT)} is out of date with src/plugins/manifest-schemas.ts: run \`npm run generate:validators\` and commit it`);
    }
  });
});
