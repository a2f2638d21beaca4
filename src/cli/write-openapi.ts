import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateOpenApi } from '../openapi';

/** Writes openapi/openapi.json from the route schemas; a test fails when the committed file drifts. */
generateOpenApi()
  .then((doc) => {
    const file = path.resolve(__dirname, '../../../openapi/openapi.json');
    writeFileSync(file, doc);
    process.stdout.write(`wrote ${file}\n`);
  })
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
