// Where scripts/setup-node24.sh puts Node 24 and the better-sqlite3 binary built for it (project-local, git-ignored).
import { join } from 'node:path';

const DIR = process.env.LABBOOK_NODE24_DIR ?? join(__dirname, '..', '..', '.cache', 'node24');

/** The Node 24 binary. */
export const NODE24_BIN = join(DIR, 'bin', 'node');

/** better-sqlite3's native binary built for that Node (its `nativeBinding`). */
export const NODE24_BETTER_SQLITE3 = join(DIR, 'better_sqlite3.node');
