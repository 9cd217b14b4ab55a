/** Turns a jobs row into the JSON-safe view client components take. */
import type { Job } from '@/lib/db/schema';
import type { JobView } from './job-progress';

export function toJobView(job: Job): JobView {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    progress: job.progress,
    result: job.result,
    error: job.error,
    warnings: job.warnings.slice(0, 200),
    warningCount: job.warnings.length,
  };
}
