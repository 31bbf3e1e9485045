import { describe, expect, test } from 'bun:test'
import { acksOnFail, configSecrets, describeConfig, loadConfig, type Env } from '../../lib/config.ts'
import { ConfigError } from '../../lib/errors.ts'
import { testConfig, testEnv } from '../fakes/config.ts'

/** The problems of the ConfigError that `env` (over testEnv) raises; fails when none is raised. */
function problems(overrides: Env, base: Env = testEnv): readonly string[] {
  try {
    loadConfig({ ...base, ...overrides })
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as ConfigError).problems
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(overrides)}`)
}

/** Names of the variables the problems are about (text before the first colon). */
const badVars = (overrides: Env, base?: Env) => problems(overrides, base).map((p) => p.split(':')[0])

const SECRETS: Env = {
  KAFKA_SASL_PASSWORD: 'sasl-pw-Zq81',
  KAFKA_SSL_KEY_PASSWORD: 'key-pw-Xy72',
  KNOWLEDGE_GRAPH_PASSWORD: 'kg-pw-Wv63',
  THOTH_GITHUB_PRIVATE_TOKEN: 'ghp_tok_Uu54',
  THOTH_GITLAB_PRIVATE_TOKEN: 'glpat_tok_Tt45',
  THOTH_INVESTIGATOR_ADMIN_TOKEN: 'admin-tok-Ss36',
}

describe('required variables', () => {
  test('all missing: ONE error names every one of them', () => {
    let err: unknown
    try {
      loadConfig({})
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    const { problems: list, message } = err as ConfigError
    const required = [
      'THOTH_DEPLOYMENT_NAME',
      'THOTH_BACKEND_NAMESPACE',
      'THOTH_MIDDLETIER_NAMESPACE',
      'KAFKA_BOOTSTRAP_SERVERS',
      'KAFKA_CONSUMER_GROUP_ID',
      'THOTH_INFRA_NAMESPACE',
      'THOTH_CEPH_BUCKET',
      'THOTH_CEPH_BUCKET_PREFIX',
      'THOTH_S3_ENDPOINT_URL',
    ]
    expect(list.map((p) => p.split(':')[0]).sort()).toEqual([...required].sort())
    for (const name of required) expect(message).toContain(name)
  })

  test.each([
    'THOTH_DEPLOYMENT_NAME',
    'THOTH_BACKEND_NAMESPACE',
    'THOTH_MIDDLETIER_NAMESPACE',
    'KAFKA_BOOTSTRAP_SERVERS',
    'KAFKA_CONSUMER_GROUP_ID',
  ])('%s unset or empty is reported as required', (name) => {
    expect(problems({ [name]: undefined })).toEqual([`${name}: required but not set`])
    expect(problems({ [name]: '' })).toEqual([`${name}: required but not set`])
  })

  test.each(['THOTH_INFRA_NAMESPACE', 'THOTH_CEPH_BUCKET', 'THOTH_CEPH_BUCKET_PREFIX', 'THOTH_S3_ENDPOINT_URL'])(
    '%s is required when backend or middletier is active, not in metrics-only mode (D-16)',
    (name) => {
      expect(badVars({ [name]: undefined })).toEqual([name])
      expect(badVars({ [name]: '', THOTH_CONSUMER_MODE: '["backend"]' })).toEqual([name])
      expect(badVars({ [name]: undefined, THOTH_CONSUMER_MODE: '["metrics", "middletier"]' })).toEqual([name])
      expect(testConfig({ [name]: undefined, THOTH_CONSUMER_MODE: '["metrics"]' }).modes).toEqual(['metrics'])
    },
  )

  test('parse errors and cross-variable problems come in the same error', () => {
    const vars = badVars({ THOTH_CONSUMER_WORKERS: 'many', KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', THOTH_CEPH_BUCKET: undefined })
    expect(vars).toContain('THOTH_CONSUMER_WORKERS')
    expect(vars).toContain('KAFKA_SASL_MECHANISM')
    expect(vars).toContain('THOTH_CEPH_BUCKET')
  })
})

describe('defaults (operations.md §1 tables)', () => {
  const c = testConfig()
  test('investigator', () => {
    expect(c.modes).toEqual(['middletier', 'backend'])
    expect(c.workers).toBe(5)
    expect(c.maxRetries).toBe(5)
    expect(c.backoffMs).toBe(500)
    expect(c.ackOnFail).toBe(false)
    expect(c.schedule).toEqual({ solver: true, revsolver: true, unrevsolved: false, security: true, kebechetAdmin: true })
    expect(c.logSolverDebug).toBe(false)
    expect(c.logRevsolverDebug).toBe(false)
    expect(c.pendingLimit).toBeUndefined()
    expect(c.pendingSleepSeconds).toBe(2)
    expect(c.logLevel).toBe('info')
    expect(c.logJson).toBe(true)
    expect(c.warehouses).toEqual(['https://pypi.python.org/simple', 'https://pypi.org/simple'])
    expect(c.deadLetterTopic).toBe('test.thoth.investigator.dead-letter')
    expect(c.deadLetterPartitions).toBe(1)
    expect(c.controlTopic).toBe('test.thoth.investigator.control')
    expect(c.haltAutoResumeSeconds).toBe(0)
    expect(c.stuckSeconds).toBe(900)
    expect(c.httpPort).toBe(6066)
    expect(c.adminToken).toBeUndefined()
    expect(c.git.enabled).toBe(false)
    expect(c.git.maxIssues).toBe(20)
    expect(c.warnings).toEqual([])
  })
  test('kafka', () => {
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092'])
    expect(c.kafka.clientId).toBe('rdkafka')
    expect(c.kafka.groupId).toBe('thoth.investigator')
    expect(c.kafka.maxPollIntervalMs).toBe(300_000)
    expect(c.kafka.fromBeginning).toBe(false) // latest
    expect(c.kafka.protocol).toBe('PLAINTEXT')
    expect(c.kafka.ssl).toBeUndefined()
    expect(c.kafka.sasl).toBeUndefined()
    expect(c.kafka.messageMaxBytes).toBe(1_000_000)
    expect(c.kafka.receiveMessageMaxBytes).toBe(100_000_000)
  })
  test('the config is frozen, nested parts too', () => {
    expect(Object.isFrozen(c)).toBe(true)
    expect(Object.isFrozen(c.kafka)).toBe(true)
    expect(Object.isFrozen(c.modes)).toBe(true)
  })
})

describe('empty strings count as unset', () => {
  test.each([
    ['THOTH_CONSUMER_WORKERS', (c: ReturnType<typeof testConfig>) => c.workers, 5],
    ['THOTH_INVESTIGATOR_MAX_RETRIES', (c: ReturnType<typeof testConfig>) => c.maxRetries, 5],
    ['THOTH_INVESTIGATOR_BACKOFF', (c: ReturnType<typeof testConfig>) => c.backoffMs, 500],
    ['THOTH_INVESTIGATOR_ACK_ON_FAIL', (c: ReturnType<typeof testConfig>) => c.ackOnFail, false],
    ['THOTH_CONSUMER_MODE', (c: ReturnType<typeof testConfig>) => c.modes, ['middletier', 'backend']],
    ['KAFKA_CLIENT_ID', (c: ReturnType<typeof testConfig>) => c.kafka.clientId, 'rdkafka'],
    ['KAFKA_CONSUMER_AUTO_OFFSET_RESET', (c: ReturnType<typeof testConfig>) => c.kafka.fromBeginning, false],
    ['THOTH_INVESTIGATOR_CONTROL_TOPIC', (c: ReturnType<typeof testConfig>) => c.controlTopic, 'test.thoth.investigator.control'],
    ['THOTH_INVESTIGATOR_PORT', (c: ReturnType<typeof testConfig>) => c.httpPort, 6066],
  ] as const)('%s=""', (name, read, expected) => {
    expect(read(testConfig({ [name]: '' }))).toEqual(expected)
  })

  test('except THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC="": dead letters off', () => {
    expect(testConfig({ THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC: '' }).deadLetterTopic).toBeNull()
    expect(testConfig({ THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC: 'dl' }).deadLetterTopic).toBe('dl')
  })
})

describe('integers and floats', () => {
  test.each([
    ['THOTH_CONSUMER_WORKERS', ['0', '-1', '1.5', 'five', '5x']],
    ['THOTH_INVESTIGATOR_MAX_RETRIES', ['0', '-2', '2.5', 'x']], // 0 rejected (D-25)
    ['THOTH_INVESTIGATOR_DEAD_LETTER_PARTITIONS', ['0', '1.0', 'one']],
    ['THOTH_INVESTIGATOR_HALT_AUTO_RESUME_SECONDS', ['-1', '0.5', 'never']],
    ['THOTH_INVESTIGATOR_STUCK_SECONDS', ['-1', '1e3', 'x']],
    ['THOTH_INVESTIGATOR_PORT', ['-1', 'http', '60.66']],
    ['THOTH_INVESTIGATOR_GIT_NOTIFICATIONS_MAX_ISSUES', ['0', 'x']],
    ['ARGO_PENDING_SLEEP_TIME', ['0.5', '-1', 'two']],
    ['ARGO_PENDING_WORKFLOW_LIMIT', ['-1', 'ten', '1.5']],
    ['DEBUG_LEVEL', ['yes', '1.0']],
    ['KNOWLEDGE_GRAPH_PORT', ['0', 'pg']],
    ['KUBERNETES_SERVICE_PORT', ['0', 'https']],
    ['KAFKA_MESSAGE_MAX_BYTES', ['0', '1MB']],
    ['KAFKA_RECEIVE_MESSAGE_MAX_BYTES', ['0', '100MB']],
    ['KAFKA_CONSUMER_MAX_POLL_INTERVAL_MS', ['0', 'abc', '-5']],
    ['THOTH_INVESTIGATOR_BACKOFF', ['-0.5', 'half', '1s']],
    ['THOTH_INVESTIGATOR_SCHEDULE_SOLVER', ['yes', 'true', 'on']],
    ['THOTH_INVESTIGATOR_SCHEDULE_REVSOLVER', ['false']],
    ['THOTH_INVESTIGATOR_SCHEDULE_UNREVSOLVED', ['no']],
    ['THOTH_INVESTIGATOR_SCHEDULE_SECURITY', ['1.5']],
    ['THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR', ['True']],
    ['THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN', ['off']],
    ['THOTH_INVESTIGATOR_GIT_NOTIFICATIONS', ['yes']],
    ['THOTH_LOGGING_NO_JSON', ['true']],
    ['KUBERNETES_VERIFY_TLS', ['false']],
    ['KNOWLEDGE_GRAPH_SSL_DISABLED', ['yes']],
  ] as const)('%s rejects malformed values', (name, values) => {
    for (const value of values) expect(badVars({ [name]: value })).toEqual([name])
  })

  test('accepted values', () => {
    expect(testConfig({ THOTH_CONSUMER_WORKERS: '1' }).workers).toBe(1)
    expect(testConfig({ THOTH_INVESTIGATOR_MAX_RETRIES: '1' }).maxRetries).toBe(1)
    expect(testConfig({ THOTH_INVESTIGATOR_BACKOFF: '0' }).backoffMs).toBe(0)
    expect(testConfig({ THOTH_INVESTIGATOR_BACKOFF: '1.25' }).backoffMs).toBe(1250)
    expect(testConfig({ THOTH_INVESTIGATOR_BACKOFF: '2' }).backoffMs).toBe(2000)
    expect(testConfig({ ARGO_PENDING_SLEEP_TIME: '0' }).pendingSleepSeconds).toBe(0)
    expect(testConfig({ ARGO_PENDING_WORKFLOW_LIMIT: '0' }).pendingLimit).toBe(0)
    expect(testConfig({ ARGO_PENDING_WORKFLOW_LIMIT: '25' }).pendingLimit).toBe(25)
    expect(testConfig({ KAFKA_CONSUMER_MAX_POLL_INTERVAL_MS: '900000.0' }).kafka.maxPollIntervalMs).toBe(900_000)
    expect(testConfig({ KAFKA_CONSUMER_MAX_POLL_INTERVAL_MS: '600000' }).kafka.maxPollIntervalMs).toBe(600_000)
    expect(testConfig({ DEBUG_LEVEL: '1' }).logLevel).toBe('debug')
    expect(testConfig({ THOTH_LOGGING_NO_JSON: '1' }).logJson).toBe(false)
  })

  test('integer switches: non-zero is on', () => {
    const c = testConfig({
      THOTH_INVESTIGATOR_SCHEDULE_SOLVER: '0',
      THOTH_INVESTIGATOR_SCHEDULE_REVSOLVER: '0',
      THOTH_INVESTIGATOR_SCHEDULE_UNREVSOLVED: '2',
      THOTH_INVESTIGATOR_SCHEDULE_SECURITY: '0',
    })
    expect(c.schedule).toEqual({ solver: false, revsolver: false, unrevsolved: true, security: false, kebechetAdmin: true })
  })

  test('THOTH_LOG_SOLVER / THOTH_LOG_REVSOLVER: exact string DEBUG', () => {
    expect(testConfig({ THOTH_LOG_SOLVER: 'DEBUG', THOTH_LOG_REVSOLVER: 'DEBUG' })).toMatchObject({
      logSolverDebug: true,
      logRevsolverDebug: true,
    })
    expect(testConfig({ THOTH_LOG_SOLVER: 'debug', THOTH_LOG_REVSOLVER: 'INFO' })).toMatchObject({
      logSolverDebug: false,
      logRevsolverDebug: false,
    })
  })

  test('SUBCOMMAND: only consumer', () => {
    expect(testConfig({ SUBCOMMAND: 'consumer' }).modes).toBeDefined()
    expect(badVars({ SUBCOMMAND: 'api' })).toEqual(['SUBCOMMAND'])
  })

  test('several malformed variables are all named in one error', () => {
    expect(
      badVars({ THOTH_CONSUMER_WORKERS: '0', THOTH_INVESTIGATOR_MAX_RETRIES: '0', ARGO_PENDING_SLEEP_TIME: '0.5' }),
    ).toEqual(['THOTH_CONSUMER_WORKERS', 'THOTH_INVESTIGATOR_MAX_RETRIES', 'ARGO_PENDING_SLEEP_TIME'])
  })
})

describe('THOTH_INVESTIGATOR_ACK_ON_FAIL', () => {
  test('integers: non-zero acknowledges every failure, 0 halts', () => {
    expect(testConfig({ THOTH_INVESTIGATOR_ACK_ON_FAIL: '0' }).ackOnFail).toBe(false)
    expect(testConfig({ THOTH_INVESTIGATOR_ACK_ON_FAIL: '1' }).ackOnFail).toBe(true)
    expect(testConfig({ THOTH_INVESTIGATOR_ACK_ON_FAIL: '-3' }).ackOnFail).toBe(true)
  })

  test('a JSON list of base names', () => {
    const c = testConfig({ THOTH_INVESTIGATOR_ACK_ON_FAIL: '["thoth.adviser-trigger", "thoth.solver.solved-package"]' })
    expect(c.ackOnFail).toEqual(['thoth.adviser-trigger', 'thoth.solver.solved-package'])
    expect(c.warnings).toEqual([])
    expect(testConfig({ THOTH_INVESTIGATOR_ACK_ON_FAIL: '[]' }).ackOnFail).toEqual([])
  })

  test.each(['true', 'false', '1.5', 'not json', '{"a": 1}', '"thoth.adviser-trigger"', '["thoth.adviser-trigger", 1]', 'null', '[', 'yes'])(
    '%s is a start-up error',
    (value) => {
      expect(badVars({ THOTH_INVESTIGATOR_ACK_ON_FAIL: value })).toEqual(['THOTH_INVESTIGATOR_ACK_ON_FAIL'])
    },
  )

  test('list entries that are not base names give a warning naming them', () => {
    const c = testConfig({ THOTH_INVESTIGATOR_ACK_ON_FAIL: '["adviser-trigger", "thoth.adviser-trigger"]' })
    expect(c.ackOnFail).toEqual(['adviser-trigger', 'thoth.adviser-trigger'])
    expect(c.warnings).toHaveLength(1)
    expect(c.warnings[0]).toContain('THOTH_INVESTIGATOR_ACK_ON_FAIL')
    expect(c.warnings[0]).toContain('adviser-trigger')
    expect(c.warnings[0]).not.toContain('thoth.adviser-trigger')
  })

  test('acksOnFail: boolean for every base name, list by base name', () => {
    expect(acksOnFail({ ackOnFail: true }, 'thoth.repo-init')).toBe(true)
    expect(acksOnFail({ ackOnFail: false }, 'thoth.repo-init')).toBe(false)
    const list = testConfig({ THOTH_INVESTIGATOR_ACK_ON_FAIL: '["thoth.repo-init"]' })
    expect(acksOnFail(list, 'thoth.repo-init')).toBe(true)
    expect(acksOnFail(list, 'thoth.adviser-trigger')).toBe(false)
    expect(acksOnFail(list, 'test.thoth.repo-init')).toBe(false) // base names, not full topic names
  })
})

describe('THOTH_CONSUMER_MODE', () => {
  test.each([
    ['["backend"]', ['backend']],
    ['["metrics"]', ['metrics']],
    ['["backend", "middletier"]', ['backend', 'middletier']],
    ['["middletier","backend"]', ['middletier', 'backend']],
    ['"backend"', ['backend']], // JSON string = one mode (D-26)
    ['backend', ['backend']], // not JSON: one mode name
    ['middletier', ['middletier']],
    ['["backend", "backend", "metrics", "backend"]', ['backend', 'metrics']], // duplicates run once (D-26)
  ])('%s -> %j', (value, modes) => {
    expect(testConfig({ THOTH_CONSUMER_MODE: value }).modes).toEqual(modes as never)
  })

  test.each(['frontend', '"frontend"', '["backend", "frontend"]', '[]', '[1]', '{"mode": "backend"}', '""', 'BACKEND'])(
    '%s is a start-up error',
    (value) => {
      expect(badVars({ THOTH_CONSUMER_MODE: value })).toEqual(['THOTH_CONSUMER_MODE'])
    },
  )

  test('an unknown mode is named in the error', () => {
    expect(problems({ THOTH_CONSUMER_MODE: '["backend", "frontend"]' })[0]).toContain('frontend')
  })
})

describe('Kebechet administrator switch (D-8)', () => {
  test.each([
    [{}, true],
    [{ THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR: '0' }, false],
    [{ THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN: '0' }, false],
    [{ THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN: '1' }, true],
    [{ THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR: '0', THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN: '0' }, false],
    [{ THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR: '2', THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN: '1' }, true],
  ] as [Env, boolean][])('%j -> %p', (env, on) => {
    expect(testConfig(env).schedule.kebechetAdmin).toBe(on)
  })

  test('one zero and the other non-zero is a start-up error naming both', () => {
    for (const [a, b] of [['1', '0'], ['0', '1']]) {
      const p = problems({ THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR: a, THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN: b })
      expect(p).toHaveLength(1)
      expect(p[0]).toContain('THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR')
      expect(p[0]).toContain('THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN')
    }
  })
})

describe('Kafka', () => {
  test('KAFKA_BOOTSTRAP_SERVERS: comma-separated host:port list', () => {
    expect(testConfig({ KAFKA_BOOTSTRAP_SERVERS: 'a:9092, b:9093' }).kafka.brokers).toEqual(['a:9092', 'b:9093'])
    for (const v of ['kafka', 'kafka:', 'a:9092,b', 'a:port']) {
      expect(badVars({ KAFKA_BOOTSTRAP_SERVERS: v })).toEqual(['KAFKA_BOOTSTRAP_SERVERS'])
    }
  })

  test('KAFKA_CLIENT_ID', () => {
    expect(testConfig({ KAFKA_CLIENT_ID: 'investigator-1' }).kafka.clientId).toBe('investigator-1')
  })

  test.each([
    ['earliest', true],
    ['smallest', true],
    ['beginning', true],
    ['latest', false],
    ['largest', false],
    ['end', false],
  ])('KAFKA_CONSUMER_AUTO_OFFSET_RESET=%s -> fromBeginning %p', (value, fromBeginning) => {
    expect(testConfig({ KAFKA_CONSUMER_AUTO_OFFSET_RESET: value }).kafka.fromBeginning).toBe(fromBeginning)
  })

  test.each(['error', 'none', 'oldest'])('KAFKA_CONSUMER_AUTO_OFFSET_RESET=%s is a start-up error', (value) => {
    expect(badVars({ KAFKA_CONSUMER_AUTO_OFFSET_RESET: value })).toEqual(['KAFKA_CONSUMER_AUTO_OFFSET_RESET'])
  })

  test('KAFKA_SECURITY_PROTOCOL is case-insensitive', () => {
    expect(testConfig({ KAFKA_SECURITY_PROTOCOL: 'plaintext' }).kafka.protocol).toBe('PLAINTEXT')
    const ssl = testConfig({ KAFKA_SECURITY_PROTOCOL: 'ssl', KAFKA_SSL_CA_LOCATION: '/etc/ca.pem' }).kafka
    expect(ssl.protocol).toBe('SSL')
    expect(ssl.ssl).toMatchObject({ caLocation: '/etc/ca.pem', checkHostname: true }) // D-30
    expect(ssl.sasl).toBeUndefined()
    expect(badVars({ KAFKA_SECURITY_PROTOCOL: 'TLS' })).toEqual(['KAFKA_SECURITY_PROTOCOL'])
  })

  test('KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM=none turns the host-name check off', () => {
    const env = { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: 'none' }
    expect(testConfig(env).kafka.ssl?.checkHostname).toBe(false)
    expect(testConfig({ ...env, KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: 'https' }).kafka.ssl?.checkHostname).toBe(true)
    expect(badVars({ ...env, KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: 'strict' })).toEqual([
      'KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM',
    ])
  })

  test('SASL_* needs a mechanism, a user name and a password', () => {
    for (const protocol of ['SASL_SSL', 'sasl_plaintext']) {
      expect(badVars({ KAFKA_SECURITY_PROTOCOL: protocol }).sort()).toEqual([
        'KAFKA_SASL_MECHANISM',
        'KAFKA_SASL_PASSWORD',
        'KAFKA_SASL_USERNAME',
      ])
    }
    const c = testConfig({
      KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'thoth',
      KAFKA_SASL_PASSWORD: 'pw',
    })
    expect(c.kafka.protocol).toBe('SASL_SSL')
    expect(c.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'thoth', password: 'pw' })
    expect(c.kafka.ssl).toBeDefined()
    const plain = testConfig({
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    }).kafka
    expect(plain.sasl?.mechanism).toBe('plain')
    expect(plain.ssl).toBeUndefined()
  })

  test('GSSAPI (and unknown mechanisms) are rejected', () => {
    const env = { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }
    const p = problems({ ...env, KAFKA_SASL_MECHANISM: 'GSSAPI' })
    expect(p).toHaveLength(1)
    expect(p[0]).toStartWith('KAFKA_SASL_MECHANISM:')
    expect(p[0]).toContain('GSSAPI')
    expect(badVars({ ...env, KAFKA_SASL_MECHANISM: 'OAUTHBEARER' })).toEqual(['KAFKA_SASL_MECHANISM'])
  })

  test('KAFKA_MESSAGE_MAX_BYTES', () => {
    expect(testConfig({ KAFKA_MESSAGE_MAX_BYTES: '2000000' }).kafka).toMatchObject({
      messageMaxBytes: 2_000_000,
      messageMaxBytesSet: true,
    })
    expect(testConfig().kafka.messageMaxBytesSet).toBe(false)
  })
})

describe('dead-letter and control topics', () => {
  test('custom names', () => {
    const c = testConfig({ THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC: 'ops.dl', THOTH_INVESTIGATOR_CONTROL_TOPIC: 'ops.ctl' })
    expect(c.deadLetterTopic).toBe('ops.dl')
    expect(c.controlTopic).toBe('ops.ctl')
  })

  test.each(['test.thoth.adviser-trigger', 'test.thoth.advise-reporter.advise-justification'])(
    'dead-letter topic %s equal to a message topic is an error',
    (topic) => {
      expect(badVars({ THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC: topic })).toEqual(['THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC'])
    },
  )

  test('control topic equal to a message topic or to the dead-letter topic is an error', () => {
    expect(badVars({ THOTH_INVESTIGATOR_CONTROL_TOPIC: 'test.thoth.solver.solved-package' })).toEqual([
      'THOTH_INVESTIGATOR_CONTROL_TOPIC',
    ])
    expect(badVars({ THOTH_INVESTIGATOR_CONTROL_TOPIC: 'test.thoth.investigator.dead-letter' })).toEqual([
      'THOTH_INVESTIGATOR_CONTROL_TOPIC',
    ])
    expect(
      badVars({ THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC: 'same', THOTH_INVESTIGATOR_CONTROL_TOPIC: 'same' }),
    ).toEqual(['THOTH_INVESTIGATOR_CONTROL_TOPIC'])
    // Dead letters off: the control topic may be named anything else.
    expect(
      testConfig({ THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC: '', THOTH_INVESTIGATOR_CONTROL_TOPIC: 'ctl' }).controlTopic,
    ).toBe('ctl')
  })

  test('topic names: Kafka characters only, at most 249', () => {
    for (const name of ['THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC', 'THOTH_INVESTIGATOR_CONTROL_TOPIC']) {
      expect(badVars({ [name]: 'dead letters' })).toEqual([name])
      expect(badVars({ [name]: 'x'.repeat(250) })).toEqual([name])
      expect(() => testConfig({ [name]: 'x'.repeat(249) })).not.toThrow()
    }
    expect(badVars({ THOTH_DEPLOYMENT_NAME: 'ocp/stage' })).toEqual(['THOTH_DEPLOYMENT_NAME'])
    expect(badVars({ THOTH_DEPLOYMENT_NAME: 'x'.repeat(220) })).toContain('THOTH_DEPLOYMENT_NAME')
  })
})

describe('warnings', () => {
  test('KAFKA_CONSUMER_ENABLE_AUTO_COMMIT other than false (D-23)', () => {
    for (const v of ['true', '0', '1']) {
      const w = testConfig({ KAFKA_CONSUMER_ENABLE_AUTO_COMMIT: v }).warnings
      expect(w).toHaveLength(1)
      expect(w[0]).toContain('KAFKA_CONSUMER_ENABLE_AUTO_COMMIT')
    }
    for (const v of ['false', 'FALSE', 'False']) {
      expect(testConfig({ KAFKA_CONSUMER_ENABLE_AUTO_COMMIT: v }).warnings).toEqual([])
    }
  })

  test.each([
    'KAFKA_TOPIC_PRODUCER_COMPRESSION_LEVEL',
    'KAFKA_TOPIC_CONSUMER_ENABLE_AUTO_COMMIT',
    'KAFKA_CONSUMER_GROUP_INSTANCE_ID',
    'SENTRY_DSN',
  ])('%s set', (name) => {
    const w = testConfig({ [name]: '5' }).warnings
    expect(w).toHaveLength(1)
    expect(w[0]).toContain(name)
  })

  test('git notifications: need a token; warn when the Kebechet administrator is on too (D-15)', () => {
    expect(badVars({ THOTH_INVESTIGATOR_GIT_NOTIFICATIONS: '1' })).toEqual(['THOTH_INVESTIGATOR_GIT_NOTIFICATIONS'])
    const on = testConfig({ THOTH_INVESTIGATOR_GIT_NOTIFICATIONS: '1', THOTH_GITHUB_PRIVATE_TOKEN: 't', THOTH_GITLAB_PRIVATE_TOKEN: 'u' })
    expect(on.git.enabled).toBe(true)
    expect(on.warnings).toHaveLength(1)
    const alone = testConfig({
      THOTH_INVESTIGATOR_GIT_NOTIFICATIONS: '1',
      THOTH_GITLAB_PRIVATE_TOKEN: 't',
      THOTH_GITHUB_PRIVATE_TOKEN: 'u',
      THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR: '0',
    })
    expect(alone.warnings).toEqual([])
  })
})

describe('secrets', () => {
  const bad: Env = {
    ...SECRETS,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: 'GSSAPI',
    KAFKA_SASL_USERNAME: 'thoth',
    THOTH_CONSUMER_WORKERS: 'x',
    THOTH_INVESTIGATOR_ACK_ON_FAIL: 'true',
    THOTH_CONSUMER_MODE: 'frontend',
    THOTH_INVESTIGATOR_GIT_NOTIFICATIONS: 'maybe',
    THOTH_BACKEND_NAMESPACE: undefined,
  }

  test('never appear in the ConfigError message or problems', () => {
    let err: ConfigError | undefined
    try {
      loadConfig({ ...testEnv, ...bad })
    } catch (e) {
      err = e as ConfigError
    }
    expect(err).toBeInstanceOf(ConfigError)
    const text = `${err?.message}\n${err?.problems.join('\n')}\n${String(err?.stack)}`
    expect(err?.problems.length).toBeGreaterThanOrEqual(5)
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret as string)
  })

  test('describeConfig masks every secret and keeps the rest', () => {
    const c = testConfig({
      ...SECRETS,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'thoth-user',
    })
    // The config itself holds them (the clients need them).
    expect(c.kafka.sasl?.password).toBe(SECRETS.KAFKA_SASL_PASSWORD as string)
    const described = describeConfig(c) as ReturnType<typeof testConfig>
    const text = JSON.stringify(described)
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret as string)
    expect(described.kafka.sasl?.password).toBe('********')
    expect(described.kafka.ssl?.keyPassword).toBe('********')
    expect(described.knowledgeGraph.password).toBe('********')
    expect(described.git.githubToken).toBe('********')
    expect(described.git.gitlabToken).toBe('********')
    expect(described.adminToken).toBe('********')
    expect(described.kafka.sasl?.username).toBe('thoth-user')
    expect(described.kafka.groupId).toBe('thoth.investigator')
    expect(described.httpPort).toBe(6066)
  })

  test('configSecrets lists the set secret values for the log redactor', () => {
    expect(configSecrets({ ...testEnv, ...SECRETS }).sort()).toEqual(Object.values(SECRETS).sort() as string[])
    expect(configSecrets({ ...testEnv, KAFKA_SASL_PASSWORD: '' })).toEqual([])
  })
})

test('git notifications: one missing token is a warning, a non-http URL an error', () => {
  const c = testConfig({ THOTH_INVESTIGATOR_GIT_NOTIFICATIONS: '1', THOTH_GITHUB_PRIVATE_TOKEN: 'ghp_secret_value', THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR: '0' })
  expect(c.warnings).toEqual(['THOTH_GITLAB_PRIVATE_TOKEN is not set: repositories on that service are skipped'])
  expect(() => testConfig({ THOTH_INVESTIGATOR_GIT_NOTIFICATIONS: '1', THOTH_GITHUB_PRIVATE_TOKEN: 'x', THOTH_GITLAB_URL: 'ftp://gitlab.example.com' })).toThrow('THOTH_GITLAB_URL: must be an http(s) URL')
})
