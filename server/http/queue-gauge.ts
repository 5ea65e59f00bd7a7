import type { Queue } from 'bullmq';

/**
 * How full the events queue is, asked of Redis at most every `everyMs` so that ingest does not pay a round trip
 * per request. Waiting + delayed + prioritized jobs are what the workers have not started yet.
 */
export function queueGauge(queue: Queue, highWater: number, everyMs = 250) {
  let checkedAt = 0;
  let last: 'ok' | 'full' | 'unavailable' = 'ok';
  let inflight: Promise<void> | null = null;
  const refresh = async () => {
    try {
      const counts = await Promise.race([
        queue.getJobCounts('waiting', 'delayed', 'prioritized'),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000)),
      ]);
      const backlog = (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
      last = backlog >= highWater ? 'full' : 'ok';
    } catch {
      last = 'unavailable';
    }
    checkedAt = Date.now();
  };
  return {
    async state(): Promise<'ok' | 'full' | 'unavailable'> {
      if (Date.now() - checkedAt > everyMs) {
        inflight ??= refresh().finally(() => (inflight = null));
        await inflight;
      }
      return last;
    },
  };
}
