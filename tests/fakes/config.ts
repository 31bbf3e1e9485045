/** A valid test configuration (all modes' requirements met) with overridable variables. */
import { loadConfig, type Config, type Env } from '../../lib/config.ts'

/** The environment a test deployment uses. */
export const testEnv: Env = {
  THOTH_DEPLOYMENT_NAME: 'test',
  THOTH_BACKEND_NAMESPACE: 'thoth-backend',
  THOTH_MIDDLETIER_NAMESPACE: 'thoth-middletier',
  THOTH_INFRA_NAMESPACE: 'thoth-infra',
  THOTH_CEPH_BUCKET: 'thoth',
  THOTH_CEPH_BUCKET_PREFIX: 'data/thoth',
  THOTH_S3_ENDPOINT_URL: 'https://s3.example.com:8443/',
  KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:9092',
  KAFKA_CONSUMER_GROUP_ID: 'thoth.investigator',
}

/** loadConfig over {@link testEnv} plus overrides (an override of `undefined` unsets a variable). */
export function testConfig(overrides: Env = {}): Config {
  return loadConfig({ ...testEnv, ...overrides })
}
