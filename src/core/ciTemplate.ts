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
          labbook run --name "ci-\${GITHUB_SHA::8}" -- ${train}
      - name: Gate
        run: |
          PROMOTE=""
          if [ "$GITHUB_REF" = "refs/heads/${branch}" ]; then PROMOTE=--promote; fi
          ${gateCommandLine(options)}
      - name: Publish the gate report
        if: always()
        run: |
          if [ -f labbook-gate.md ]; then cat labbook-gate.md >> "$GITHUB_STEP_SUMMARY"; fi
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
