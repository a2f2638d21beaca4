/**
 * Lets a test run a TypeScript entry point (src/server.ts, a CLI) in a child process without a
 * build: each .ts file is transpiled as it is required. With LOADED_PACKAGES_TO_STDERR set, the
 * child lists on exit the packages it had loaded, so a test can tell what start-up reached.
 */
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      resolveJsonModule: true,
    },
  });
  module._compile(outputText, filename);
};

if (process.env.LOADED_PACKAGES_TO_STDERR) {
  process.on('exit', () => {
    const packages = new Set();
    for (const file of Object.keys(require.cache)) {
      const match = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
      if (match && match[1] !== 'typescript') packages.add(match[1].replace(/\\/g, '/'));
    }
    process.stderr.write(`loaded packages: ${[...packages].sort().join(' ')}\n`);
  });
}
