import type { Redis } from 'ioredis';
import type { LiveRuleset } from '../detection/live-ruleset.js';
import type { Logger } from '../logging/logger.js';

/** Redis channel on which any process announces a change to rules or detection settings. */
export const DETECTION_CHANNEL = 'vigil:detection:changed';
/** Redis hash of alerted events per rule id, kept by the workers for the rules page. */
export const RULE_HITS_KEY = 'vigil:rule-hits';

export type DetectionChange = 'rules' | 'settings';

/**
 * Keeps every process's rules and settings current: a change made through one server is applied by every worker
 * within moments (pub/sub), and a periodic refresh covers a missed message (e.g. during a Redis failover).
 */
export function startDetectionSync(deps: {
  subscriber: Redis;
  publisher: Redis;
  ruleset: LiveRuleset;
  logger: Logger;
  refreshEveryMs?: number;
}) {
  const { subscriber, publisher, ruleset, logger } = deps;
  const apply = async (change: DetectionChange) => {
    try {
      if (change === 'rules') await ruleset.reload();
      else await ruleset.refreshSettings();
    } catch (err) {
      logger.error({ err, change }, 'could not apply a detection change; the previous state stays in force');
    }
  };
  void subscriber.subscribe(DETECTION_CHANNEL).catch((err) => logger.warn({ err }, 'cannot subscribe to detection changes'));
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === DETECTION_CHANNEL && (message === 'rules' || message === 'settings')) void apply(message);
  });
  const timer = setInterval(() => void apply('settings'), deps.refreshEveryMs ?? 30_000);
  timer.unref();
  return {
    /** Applies the change here at once, then tells every other process. */
    async announce(change: DetectionChange): Promise<void> {
      await apply(change);
      await publisher.publish(DETECTION_CHANNEL, change);
    },
    close(): void {
      clearInterval(timer);
      subscriber.disconnect();
    },
  };
}

export type DetectionSync = ReturnType<typeof startDetectionSync>;
