import { makeTemplate } from '../db/pglite-template';

/** Makes the migrated, empty PGlite cluster that a fresh DATA_DIR starts from (see src/db/pglite-template.ts); `npm ci` runs it. */
makeTemplate()
  .then(({ dir, made }) => process.stdout.write(`${made ? 'made' : 'already there'}: ${dir}\n`))
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
