import t from 'tap'

import { assertCommitSha, assertSafeRepoPath, datasetRepo, HubRepoIdError, HubUnsafePathError, modelRepo, repoFolderName, repoLabel } from '../../lib/hub/index.js'

t.test('repo ids from untrusted commitments follow the hub naming rules', async (t) => {
  for (const name of ['org/name', 'Org_1/my-data.v2', 'a/b']) t.equal(datasetRepo(name).name, name)
  for (const name of ['', 'name', 'a/b/c', '../x', 'a/..', 'org/../x', 'a--b/c', 'a/b--c', '.a/b', 'a/b.', '-a/b', 'a/b c', 'a/b\u0000', `a/${'x'.repeat(97)}`]) {
    t.throws(() => datasetRepo(name), HubRepoIdError, JSON.stringify(name))
  }
  t.equal(repoLabel(datasetRepo('o/n')), 'datasets/o/n')
  t.equal(repoLabel(modelRepo('o/n')), 'o/n')
  t.equal(repoFolderName(modelRepo('Qwen/Qwen2.5-0.5B')), 'models--Qwen--Qwen2.5-0.5B')
  t.equal(repoFolderName(datasetRepo('o/n')), 'datasets--o--n')
})

t.test('repo paths must be plain relative paths', async (t) => {
  for (const p of ['data.jsonl', 'a/b/c.json', '.gitattributes', 'a..b/c', 'name with space.txt']) t.equal(assertSafeRepoPath(p), p)
  for (const p of ['', '/abs', '../up', 'a/../b', 'a/./b', './a', 'a//b', 'a/', 'a\\b', 'C:x', 'a/C:', 'a\nb', `${'x'.repeat(256)}/y`]) {
    t.throws(() => assertSafeRepoPath(p), HubUnsafePathError, JSON.stringify(p))
  }
})

t.test('only full 40-hex shas pin a revision', async (t) => {
  t.equal(assertCommitSha('A'.repeat(40)), 'a'.repeat(40))
  for (const rev of ['main', 'refs/pr/1', 'abc1234', 'a'.repeat(39), 'a'.repeat(41), undefined, 42]) t.throws(() => assertCommitSha(rev), { code: 'E_HUB_REVISION' })
})
