// The CI workflow Labbook offers ("Labbook: Add CI Workflow"): train under `labbook run`, gate the new model
// against Production, publish the gate's report as the job summary, keep the store. Pure text, so a test can
// parse it and run its shell steps.

/** What the workflow trains and gates. */
export interface CiWorkflowOptions {
  /** The training command line, as typed in a terminal (`python train.py --epochs 20`). */
  trainCommand: string;
  model: string;
  metric: string;
  direction: 'higher' | 'lower';
  minDelta: number;
  /** The branch whose runs may promote; other branches (pull requests) only gate. */
  branch?: string;
  /** What `npm install --global` installs to get the `labbook` command (a registry name, a git URL or a tarball). */
  labbookPackage?: string;
  /** The experiment the run goes to, and the one the push step sends; every run of the store when unset. */
  experiment?: string;
}

/** The repository secrets the push step reads: the team server's URL and its token. */
export const PUSH_SECRETS = { url: 'LABBOOK_REMOTE_URL', token: 'LABBOOK_REMOTE_TOKEN' } as const;

/**
 * The push step's script: sends the store's runs (only what the server lacks) to the remote `team` when the
 * repository has the URL secret, with the token secret when there is one; without the secret it says so and passes.
 */
export function pushScript(options: Pick<CiWorkflowOptions, 'experiment'>): string[] {
  const experiment = options.experiment ? ` --experiment ${shellQuote(options.experiment)}` : '';
  return [
    `if [ -z "$${PUSH_SECRETS.url}" ]; then echo "No ${PUSH_SECRETS.url} secret: runs are not pushed (docs/sync.md)."; exit 0; fi`,
    `TOKEN_ENV=""; if [ -n "$${PUSH_SECRETS.token}" ]; then TOKEN_ENV="--token-env ${PUSH_SECRETS.token}"; fi`,
    `labbook remote add team "$${PUSH_SECRETS.url}" $TOKEN_ENV`,
    `labbook push${experiment} --remote team`,
  ];
}

/** Where the GitHub workflow goes in a repository. */
export const GITHUB_WORKFLOW_PATH = '.github/workflows/labbook.yml';

/** Quotes a word for POSIX sh (single quotes; a quote inside becomes '\''). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The gate command line both templates run; `$PROMOTE` is `--promote` on the promoting branch, else empty. */
export function gateCommandLine(options: CiWorkflowOptions): string {
  const direction = options.direction === 'higher' ? '--higher-is-better' : '--lower-is-better';
  const delta = options.minDelta > 0 ? ` --min-delta ${options.minDelta}` : '';
  return `labbook gate --model ${shellQuote(options.model)} --metric ${shellQuote(options.metric)} ${direction}${delta} --against Production --report labbook-gate.md $PROMOTE`;
}

function indent(lines: readonly string[], spaces: number): string {
  return lines.map((line) => (line ? `${' '.repeat(spaces)}${line}` : '')).join('\n');
}

/** The GitHub Actions workflow text (`.github/workflows/labbook.yml`). */
export function githubWorkflow(options: CiWorkflowOptions): string {
  const branch = options.branch ?? 'main';
  const pkg = options.labbookPackage ?? 'labbook';
  // A command line with a newline would break out of the block scalar; one line is all a step needs.
  const train = options.trainCommand.replace(/\s*\n\s*/g, ' ').trim();
  const experiment = options.experiment ? `--experiment ${shellQuote(options.experiment)} ` : '';
  return `# Written by "Labbook: Add CI Workflow" (see Labbook's docs/models.md). Trains, gates the new model
# against Production, promotes it on ${branch} only when it is better; the report becomes the job summary.
name: Labbook

on:
  push:
    branches: [${branch}]
  pull_request:

jobs:
  train-and-gate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - uses: actions/setup-python@v5
        with:
          python-version: '3.12'
      # The store of the last run on ${branch} (its registry holds the Production model to beat).
      - uses: actions/cache/restore@v4
        with:
          path: .labbook
          key: labbook-store-\${{ github.run_id }}
          restore-keys: labbook-store-
      - name: Install
        run: |
          npm install --global ${shellQuote(pkg)}
          if [ -f requirements.txt ]; then pip install -r requirements.txt; fi
      - name: Train
        run: |
          labbook run ${experiment}--name "ci-\${GITHUB_SHA::8}" -- ${train}
      - name: Gate
        run: |
          PROMOTE=""
          if [ "$GITHUB_REF" = "refs/heads/${branch}" ]; then PROMOTE=--promote; fi
          ${gateCommandLine(options)}
      - name: Publish the gate report
        if: always()
        run: |
          if [ -f labbook-gate.md ]; then cat labbook-gate.md >> "$GITHUB_STEP_SUMMARY"; fi
      # Sends the runs to the team's tracking server (only what it lacks), when the repository has the
      # ${PUSH_SECRETS.url} secret (and ${PUSH_SECRETS.token} when the server takes a token); see docs/sync.md.
      - name: Push to the team server
        if: always()
        env:
          ${PUSH_SECRETS.url}: \${{ secrets.${PUSH_SECRETS.url} }}
          ${PUSH_SECRETS.token}: \${{ secrets.${PUSH_SECRETS.token} }}
        run: |
${indent(pushScript(options), 10)}
      - uses: actions/cache/save@v4
        if: always() && github.ref == 'refs/heads/${branch}'
        with:
          path: .labbook
          key: labbook-store-\${{ github.run_id }}
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: labbook-store
          path: .labbook/
          include-hidden-files: true
`;
}

/** The same for GitLab CI (`.gitlab-ci.yml`), as docs/models.md shows it. */
export function gitlabCi(options: CiWorkflowOptions): string {
  const branch = options.branch ?? 'main';
  const pkg = options.labbookPackage ?? 'labbook';
  const script = [
    `npm install --global ${shellQuote(pkg)}`,
    'if [ -f requirements.txt ]; then pip install -r requirements.txt; fi',
    `labbook run --name "ci-$CI_COMMIT_SHORT_SHA" -- ${options.trainCommand.replace(/\s*\n\s*/g, ' ').trim()}`,
    `PROMOTE=""; if [ "$CI_COMMIT_BRANCH" = "${branch}" ]; then PROMOTE=--promote; fi`,
    gateCommandLine(options),
  ];
  return `labbook:
  image: nikolaik/python-nodejs:python3.12-nodejs20
  cache:
    key: labbook-store
    paths: [.labbook/]
  script:
${indent(
  script.map((line) => `- ${JSON.stringify(line)}`),
  4,
)}
  after_script:
    - cat labbook-gate.md 2>/dev/null || true
  artifacts:
    when: always
    paths: [.labbook/, labbook-gate.md]
`;
}
