import type { AlarmThresholds } from "../config";
import type { SeverityThresholds } from "./model";

/** What each monitor alarms on, by severity. */
export interface MonitoringThresholds {
  /** Period of every alarm, in seconds (a multiple of 60). */
  periodSeconds: number;
  pipeline: { errorCount: SeverityThresholds; criticalErrorCount: SeverityThresholds };
  stateMachine: {
    executionsFailed: SeverityThresholds;
    executionsTimedOut: SeverityThresholds;
    executionsAborted: SeverityThresholds;
  };
  functions: { errors: SeverityThresholds; throttles: SeverityThresholds };
  tables: { throttledRequests: SeverityThresholds };
  /** Messages waiting in the upload rules' dead-letter queue. */
  deadLetters: { messagesVisible: SeverityThresholds };
}

/**
 * The thresholds of every monitor from the stack's `alarms` configuration: row errors page on-call at the
 * configured counts; a failed, timed-out or aborted execution pages on-call, and so does an upload event in the
 * dead-letter queue (a run that never started); function errors and throttles and table throttling inform the team.
 */
export function monitoringThresholds(alarms: AlarmThresholds): MonitoringThresholds {
  return {
    periodSeconds: alarms.periodSeconds,
    pipeline: {
      errorCount: { Critical: alarms.errorCount },
      criticalErrorCount: { Critical: alarms.criticalErrorCount },
    },
    stateMachine: {
      executionsFailed: { Critical: 1 },
      executionsTimedOut: { Critical: 1 },
      executionsAborted: { Critical: 1 },
    },
    functions: { errors: { Warning: 1 }, throttles: { Warning: 1 } },
    tables: { throttledRequests: { Warning: 1 } },
    deadLetters: { messagesVisible: { Critical: 0 } },
  };
}
