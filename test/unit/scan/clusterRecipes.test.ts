/**
 * The cluster recipes in examples/, run by their own command lines on this machine: the local script
 * with xargs -P (and GNU parallel where it is installed), the Slurm batch script once per array task
 * with the variables Slurm sets, and the Kubernetes Indexed Job's container command once per
 * completion index with the variables the manifest and Kubernetes set. Each time the merged shards
 * must equal one scan of the corpus. (No Slurm controller, Kubernetes cluster or Docker daemon runs
 * here: the scheduler's part is simulated by its documented environment, the rest is real.)
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, test } from 'node:test';
import { load } from 'js-yaml';
import { cliScript, gpt2, repo, textFiles, writeTree } from './scanCorpus';

const examples = join(repo, 'examples');
let work: string;
let corpus: string;
let single: string;
let env: NodeJS.ProcessEnv;

function sh(command: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', d => (output += d));
    child.stderr.on('data', d => (output += d));
    child.on('exit', code => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`))));
  });
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'ml-recipes-'));
  corpus = join(work, 'corpus');
  writeTree(corpus, textFiles(20));
  // `markov-lens` on PATH, as `npm install -g` puts it there.
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'markov-lens'), `#!/bin/sh\nexec "${process.execPath}" "${cliScript}" "$@"\n`);
  chmodSync(join(bin, 'markov-lens'), 0o755);
  env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}`, MODEL: gpt2, CORPUS: corpus };
  const out = join(work, 'single.jsonl');
  assert.equal(spawnSync(join(bin, 'markov-lens'), ['scan', corpus, '--model', gpt2, '--output', out], { env }).status, 0);
  single = spawnSync(join(bin, 'markov-lens'), ['merge', out], { env, encoding: 'utf8' }).stdout;
  assert.equal(single.trim().split('\n').length, 20);
});
after(() => rmSync(work, { recursive: true, force: true }));

const merged = (dir: string) => spawnSync(join(work, 'bin', 'markov-lens'), ['merge', ...readdirSync(dir).filter(f => /^shard-\d+\.jsonl$/.test(f)).map(f => join(dir, f))], { env, encoding: 'utf8' }).stdout;

for (const runner of ['xargs', 'parallel']) {
  const missing = runner === 'parallel' && spawnSync('parallel', ['--version']).status !== 0;
  test(`local/scan-shards.sh with ${runner}: 4 shard processes, merged equal to one scan`, { skip: missing && 'GNU parallel is not installed' }, async () => {
    const out = join(work, `local-${runner}`);
    await sh('sh', [join(examples, 'local', 'scan-shards.sh')], { OUT: out, N: '4', RUNNER: runner });
    assert.equal(readFileSync(join(out, 'scan.jsonl'), 'utf8'), single);
    assert.equal(merged(out), single);
  });
}

test('slurm/scan.sbatch: one run per array task with SLURM_ARRAY_TASK_ID / _COUNT, merged equal to one scan', async () => {
  const script = readFileSync(join(examples, 'slurm', 'scan.sbatch'), 'utf8');
  const array = /^#SBATCH --array=(\d+)-(\d+)$/m.exec(script);
  assert.ok(array, 'the script declares a job array');
  const tasks = Number(array[2]) - Number(array[1]) + 1;
  assert.equal(Number(array[1]), 0, 'task ids count from 0, as --shard does');
  const out = join(work, 'slurm');
  // What sbatch does for each array task: run the script with the task's variables set.
  await Promise.all(Array.from({ length: tasks }, (_, i) => sh('bash', [join(examples, 'slurm', 'scan.sbatch')], {
    OUT: out, SLURM_ARRAY_TASK_ID: String(i), SLURM_ARRAY_TASK_COUNT: String(tasks), SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: String(tasks - 1),
  })));
  assert.equal(readdirSync(out).length, tasks);
  assert.equal(merged(out), single);
});

test('kubernetes/scan-job.yaml: an Indexed Job whose container command, run per completion index, merges to one scan', async () => {
  const job = load(readFileSync(join(examples, 'kubernetes', 'scan-job.yaml'), 'utf8')) as {
    kind: string; apiVersion: string;
    spec: { completionMode: string; completions: number; parallelism: number; template: { spec: { restartPolicy: string; containers: Array<{ image: string; command: string[]; env: Array<{ name: string; value: string }> }> } } };
  };
  assert.equal(job.apiVersion, 'batch/v1');
  assert.equal(job.kind, 'Job');
  assert.equal(job.spec.completionMode, 'Indexed');
  assert.equal(job.spec.template.spec.restartPolicy, 'Never');
  const [container] = job.spec.template.spec.containers;
  const manifestEnv = Object.fromEntries(container.env.map(e => [e.name, e.value]));
  assert.equal(Number(manifestEnv.SHARDS), job.spec.completions, 'SHARDS equals completions');
  const dockerfile = readFileSync(join(examples, 'docker', 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /npm install --global [^\n]*"markov-lens@\$\{MARKOV_LENS_VERSION\}"/, 'the image installs the CLI from npm');
  assert.match(dockerfile, new RegExp(`docker build -t ${container.image.replace(/[.]/g, '\\.')} `), 'the Job runs the image the Dockerfile builds');
  assert.match(dockerfile, /ENTRYPOINT \[[^\]]*"markov-lens"\]/);
  const out = join(work, 'kubernetes');
  const [command, ...args] = container.command;
  // What the Job controller does: one pod per index, with JOB_COMPLETION_INDEX set; the shared volume is a local folder here.
  await Promise.all(Array.from({ length: job.spec.completions }, (_, i) => sh(command, args, {
    ...manifestEnv, CORPUS: corpus, RESULTS: out, MODEL: gpt2, JOB_COMPLETION_INDEX: String(i),
  })));
  assert.equal(readdirSync(out).length, job.spec.completions);
  assert.equal(merged(out), single);
});
