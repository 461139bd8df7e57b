import { join } from 'node:path';
import { PostgresScreeningJobStore, SqliteScreeningJobStore } from '@hub/certificates';

export interface MovedScreenings {
  moved: number;
  alreadyThere: number;
  /** Still marked running in hub.db (the hub stopped during them): not moved. */
  running: number;
}

/**
 * Finished screenings of an embedded hub, with their per-row results, into PostgreSQL
 * (`hub migrate to-postgres`): each in a transaction of its own, as it was, so one downloads
 * through any API process as before. Moved again, a screening already there is left as it is.
 * The results files stay in the data directory, like the rest of it.
 */
export async function moveScreenings(
  connectionString: string,
  dataDir: string,
): Promise<MovedScreenings> {
  const source = new SqliteScreeningJobStore(join(dataDir, 'hub.db'), join(dataDir, 'screenings'));
  const target = new PostgresScreeningJobStore({ connectionString });
  try {
    const { jobs, running } = source.finishedForMove();
    let moved = 0;
    for (const { row, results } of jobs)
      if (await target.importFinished(row, results?.())) moved += 1;
    return { moved, alreadyThere: jobs.length - moved, running };
  } finally {
    await source.close();
    await target.close();
  }
}
