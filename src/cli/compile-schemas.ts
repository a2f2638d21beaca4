import { rmSync } from 'node:fs';
import { writeCompiledSchemas } from '../openapi';
import { COMPILED_SCHEMAS_DIR } from '../plugins/compiled-schemas';

/** Run by prepare after the build: compiles the route schemas once, so that a start only loads them. */
rmSync(COMPILED_SCHEMAS_DIR, { recursive: true, force: true });
writeCompiledSchemas(COMPILED_SCHEMAS_DIR)
  .then(() => process.stdout.write(`wrote ${COMPILED_SCHEMAS_DIR}\n`))
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
