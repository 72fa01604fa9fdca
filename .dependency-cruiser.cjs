/**
 * Which room may use which (../shared/DESIGN.md "Which room may use which", with the changes in
 * the README's "Library" > "Entry points"). `npm test` runs `depcruise` with this file; a forbidden import fails it.
 */
const room = (names) => `^lib/(${names.join('|')})/`
// what the root entry must not load: chain, hub client, queue, metrics, CLI, logging and lock packages
// (test/package/root-import.test.ts checks the running process against this same pattern)
const HEAVY = 'node_modules/(@polkadot/[^/]+|@huggingface/hub|bullmq|ioredis|prom-client|yargs|pino|cli-progress|proper-lockfile|p-retry)/'

module.exports = {
  forbidden: [
    {
      name: 'no-circular', severity: 'error', comment: 'modules import in one direction at run time (type-only cycles are erased by tsc)',
      from: {}, to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    { name: 'no-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
    {
      name: 'shipped-code-uses-dependencies', severity: 'error',
      comment: 'lib/, bin/ and bench/ run from the installed tarball, where devDependencies are absent',
      from: { path: '^(lib|bin|bench)/' }, to: { dependencyTypes: ['npm-dev'] },
    },
    { name: 'nothing-imports-bin', severity: 'error', from: {}, to: { path: '^bin/' } },
    { name: 'bin-is-thin', severity: 'error', comment: 'bin/ only calls its main in lib/cli', from: { path: '^bin/' }, to: { path: '^lib/', pathNot: '^lib/cli/' } },
    { name: 'cli-is-the-top', severity: 'error', comment: 'only lib/cli (and bin) use the CLI plumbing', from: { path: '^lib/', pathNot: '^lib/cli/' }, to: { path: '^lib/cli/' } },
    {
      name: 'validator-not-miner', severity: 'error', comment: 'the validator never uses the miner, the local subnet or CLI code',
      from: { path: room(['validator']) }, to: { path: room(['miner', 'local-subnet', 'tiny-model', 'bench']) },
    },
    {
      name: 'miner-not-validator', severity: 'error', comment: 'the miner never uses the validator, the evaluator, metrics or the local subnet',
      from: { path: room(['miner']) }, to: { path: room(['validator', 'evaluator', 'metrics', 'local-subnet', 'tiny-model', 'bench']) },
    },
    {
      name: 'evaluate-has-no-chain', severity: 'error', comment: 'evaluateDataset works with no chain, hub or validator at all',
      from: { path: room(['evaluate', 'native', 'tokenize', 'dataset', 'config', 'tiny-model']) },
      to: { path: room(['chain', 'hub', 'validator', 'miner', 'evaluator', 'metrics', 'competition', 'local-subnet', 'bench']) },
    },
    {
      name: 'scoring-is-arithmetic', severity: 'error', comment: 'scoring reads results and config, nothing else of ours',
      from: { path: room(['scoring']) }, to: { path: '^lib/', pathNot: ['^lib/(scoring|config|util)/', '^lib/errors\\.ts$'] },
    },
    {
      name: 'chain-and-hub-know-no-training', severity: 'error',
      from: { path: room(['chain', 'hub']) }, to: { path: '^lib/', pathNot: ['^lib/(chain|hub|util)/', '^lib/errors\\.ts$'] },
    },
    { name: 'chain-and-hub-apart', severity: 'error', from: { path: room(['chain']) }, to: { path: room(['hub']) } },
    { name: 'hub-and-chain-apart', severity: 'error', from: { path: room(['hub']) }, to: { path: room(['chain']) } },
    {
      name: 'native-wrapper-is-thin', severity: 'error', comment: 'the native wrapper only knows the addon',
      from: { path: room(['native']) }, to: { path: '^lib/', pathNot: ['^lib/(native|util)/', '^lib/errors\\.ts$'] },
    },
    {
      name: 'root-entry-is-light', severity: 'error',
      comment: "import '@flock/lora' loads no chain, queue, metrics, CLI or logging package",
      from: { path: '^lib/index\\.ts$' }, to: { path: HEAVY, reachable: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|test|scripts)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
