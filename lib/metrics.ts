/**
 * Every Prometheus series of spec/operations.md §5 with its upstream name, type and labels, on
 * a registry of our own (never prom-client's global one).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { MESSAGE_TYPES } from './topics.ts'

/** Schema revision the project was written against (D-27). */
export const SCHEMA_REVISION = 'bf9ea2a38b01'

/** All metric objects, built once in main.ts and passed down. */
export type Metrics = ReturnType<typeof createMetrics>

/** Builds the registry and every series. `processMetrics` adds process_* (RSS, CPU, fds). */
export function createMetrics(opts: { processMetrics?: boolean } = {}) {
  const registry = new Registry()
  const registers = [registry]
  const m = {
    registry,
    consumerInfo: new Gauge({ name: 'thoth_investigator_consumer_info', help: 'Investigator version info', labelNames: ['version'], registers }),
    inProgress: new Gauge({ name: 'thoth_investigator_in_progress', help: 'Messages of a type being processed now', labelNames: ['message_type'], registers }),
    exceptions: new Counter({ name: 'thoth_investigator_exceptions_total', help: 'Handler attempts that raised', labelNames: ['message_type'], registers }),
    processed: new Counter({ name: 'thoth_investigator_processed_total', help: 'Messages handled successfully', labelNames: ['message_type'], registers }),
    failures: new Counter({ name: 'thoth_investigator_failures_total', help: 'Messages that exhausted their attempts and were acknowledged', labelNames: ['message_type'], registers }),
    scheduledWorkflows: new Counter({ name: 'thoth_investigator_scheduled_workflows_total', help: 'Workflows created (HTTP 201) by the solver, revsolver, security and Kebechet administrator steps', labelNames: ['message_type', 'workflow_type'], registers }),
    haltedTopics: new Gauge({ name: 'thoth_investigator_halted_topics', help: '1 while the topic is halted', labelNames: ['base_topic_name'], registers }),
    missingHandler: new Gauge({ name: 'thoth_investigator_missing_handler', help: 'Set to 1 when a message version without handler was seen', labelNames: ['base_topic_name', 'message_version'], registers }),
    schemaRevision: new Gauge({ name: 'thoth_database_schema_revision_script', help: 'Knowledge graph schema revision the service was written for', labelNames: ['component', 'revision', 'env'], registers }),
    messageCountByVersion: new Counter({ name: 'message_count_by_version_total', help: 'Messages seen per type and version (metrics mode)', labelNames: ['message_type', 'message_version'], registers }),
    partitionOffsets: new Gauge({ name: 'current_partition_offsets', help: 'Offset of the last record handled successfully and committed', labelNames: ['topic_name', 'partition'], registers }),
    adviseJustification: new Gauge({ name: 'thoth_advise_justification_type_number', help: 'Accumulated advise justification counts', labelNames: ['advise_message', 'justification_type', 'thoth_environment'], registers }),
    invalidMessages: new Counter({ name: 'thoth_investigator_invalid_messages_total', help: 'Records that could not be decoded or validated', labelNames: ['base_topic_name', 'reason'], registers }),
    deadLetters: new Counter({ name: 'thoth_investigator_dead_letters_total', help: 'Records written to the dead-letter topic', labelNames: ['base_topic_name', 'reason'], registers }),
    gitNotifications: new Counter({ name: 'thoth_investigator_git_notifications_total', help: 'Opt-in git service notifications per repository', labelNames: ['service', 'outcome'], registers }),
    handlerDuration: new Histogram({ name: 'thoth_investigator_handler_duration_seconds', help: 'Duration of one handler attempt, pending-limit waits included', labelNames: ['message_type'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers }),
    consumerLag: new Gauge({ name: 'thoth_investigator_consumer_lag', help: 'Records of an assigned partition not yet finished', labelNames: ['topic_name', 'partition'], registers }),
    pendingLimitWaiting: new Gauge({ name: 'thoth_investigator_pending_limit_waiting', help: 'Submissions waiting for the pending-workflow limit', labelNames: ['namespace'], registers }),
    operatorActions: new Counter({ name: 'thoth_investigator_operator_actions_total', help: 'Operator actions (halt, resume, replay) by outcome', labelNames: ['action', 'outcome'], registers }),
  }
  for (const { handlerLabel } of MESSAGE_TYPES) {
    m.inProgress.set({ message_type: handlerLabel }, 0)
    m.exceptions.inc({ message_type: handlerLabel }, 0)
    m.processed.inc({ message_type: handlerLabel }, 0)
  }
  if (opts.processMetrics) collectDefaultMetrics({ register: registry })
  return m
}
