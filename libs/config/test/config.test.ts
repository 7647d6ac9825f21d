import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  amqpUrl,
  ConfigError,
  corsOrigins,
  databaseUrl,
  DEV_JWT_SECRET,
  eventsExchange,
  jwtEnv,
  jwtSettings,
  loadConfig,
  logLevel,
  migrate,
  port,
  rateLimitTenant,
  rateLimitUser,
  redisUrl,
  serviceUrl,
  withJwtKeyRule,
} from '@chat/config';
import { generateKeyPairSync } from 'node:crypto';

const GatewayEnv = withJwtKeyRule(
  z.object({
    PORT: port(8080),
    DATABASE_URL: databaseUrl.optional(),
    MIGRATE: migrate,
    AMQP_URL: amqpUrl,
    EVENTS_EXCHANGE: eventsExchange,
    REDIS_URL: redisUrl,
    CHANNELS_URL: serviceUrl,
    CORS_ORIGINS: corsOrigins,
    RATE_LIMIT_USER: rateLimitUser,
    RATE_LIMIT_TENANT: rateLimitTenant,
    LOG_LEVEL: logLevel,
    ...jwtEnv,
  }),
);

const good = {
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672/%2f',
  REDIS_URL: 'redis://127.0.0.1:6379',
  CHANNELS_URL: 'http://127.0.0.1:3001/',
  JWT_SECRET: 'a-long-enough-secret-for-hs256-tokens',
};

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

/** The message line that names `variable`, checking there is exactly one. */
function lineFor(error: ConfigError, variable: string): string {
  const lines = error.message.split('\n').filter((line) => line.trimStart().startsWith(`${variable}:`));
  assert.equal(lines.length, 1, `one line for ${variable} in:\n${error.message}`);
  return lines[0]!;
}

test('defaults, coercion and normalisation of a valid environment', () => {
  const config = loadConfig(GatewayEnv, { ...good, RATE_LIMIT_USER: '0', MIGRATE: '0', CORS_ORIGINS: 'https://a.example.com/, http://localhost:5173' });
  assert.equal(config.PORT, 8080);
  assert.equal(config.MIGRATE, false);
  assert.equal(config.EVENTS_EXCHANGE, 'chat.events');
  assert.equal(config.CHANNELS_URL, 'http://127.0.0.1:3001');
  assert.equal(config.RATE_LIMIT_USER, 0);
  assert.equal(config.RATE_LIMIT_TENANT, 5000);
  assert.equal(config.LOG_LEVEL, 'info');
  assert.equal(config.DEV_AUTH, false);
  assert.equal(config.DATABASE_URL, undefined);
  assert.deepEqual(config.CORS_ORIGINS, ['https://a.example.com', 'http://localhost:5173']);
});

test('numbers and flags are coerced; blank values count as unset', () => {
  const config = loadConfig(GatewayEnv, { ...good, PORT: '9000', MIGRATE: '', DEV_AUTH: 'true', EVENTS_EXCHANGE: ' ' });
  assert.equal(config.PORT, 9000);
  assert.equal(config.MIGRATE, true);
  assert.equal(config.DEV_AUTH, true);
  assert.equal(config.EVENTS_EXCHANGE, 'chat.events');
});

test('the message names every bad or missing variable, one line each, and says why', () => {
  const error = configErrorOf(() =>
    loadConfig(GatewayEnv, {
      PORT: 'eighty',
      MIGRATE: 'maybe',
      AMQP_URL: 'http://not-a-broker',
      CHANNELS_URL: 'not a url',
      CORS_ORIGINS: 'https://ok.example.com,https://bad.example.com/path',
      RATE_LIMIT_TENANT: '-5',
      LOG_LEVEL: 'loud',
      EVENTS_EXCHANGE: 'has spaces',
    }),
  );
  assert.match(lineFor(error, 'PORT'), /whole number/);
  assert.match(lineFor(error, 'MIGRATE'), /1 or 0/);
  assert.match(lineFor(error, 'AMQP_URL'), /URL starting with amqp:\/\/ or amqps:\/\//);
  assert.match(lineFor(error, 'REDIS_URL'), /missing/);
  assert.match(lineFor(error, 'CHANNELS_URL'), /http:\/\/ or https:\/\//);
  assert.match(lineFor(error, 'CORS_ORIGINS'), /bad\.example\.com\/path/);
  assert.match(lineFor(error, 'RATE_LIMIT_TENANT'), /whole number/);
  assert.match(lineFor(error, 'LOG_LEVEL'), /one of fatal/);
  assert.match(lineFor(error, 'EVENTS_EXCHANGE'), /letters, digits/);
  assert.match(lineFor(error, 'JWT_SECRET or JWT_PUBLIC_KEY or JWT_JWKS_URL'), /missing.*DEV_AUTH=1/);
  assert.deepEqual(
    error.issues.map((issue) => issue.variable).sort(),
    ['AMQP_URL', 'CHANNELS_URL', 'CORS_ORIGINS', 'EVENTS_EXCHANGE', 'JWT_SECRET or JWT_PUBLIC_KEY or JWT_JWKS_URL', 'LOG_LEVEL', 'MIGRATE', 'PORT', 'RATE_LIMIT_TENANT', 'REDIS_URL'],
  );
  assert.doesNotMatch(lineFor(error, 'PORT'), /eighty/, 'values are not repeated');
});

test('a port out of range and a database URL of the wrong kind are named', () => {
  const error = configErrorOf(() => loadConfig(GatewayEnv, { ...good, PORT: '70000', DATABASE_URL: 'mysql://x/y' }));
  assert.match(lineFor(error, 'PORT'), /at most 65535/);
  assert.match(lineFor(error, 'DATABASE_URL'), /postgres:\/\/ or postgresql:\/\//);
});

test('more than one token key source is refused, naming each', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const error = configErrorOf(() => loadConfig(GatewayEnv, { ...good, JWT_PUBLIC_KEY: pem, JWT_JWKS_URL: 'https://idp.example.com/jwks' }));
  assert.match(lineFor(error, 'JWT_SECRET'), /exactly one.*JWT_PUBLIC_KEY, JWT_JWKS_URL/);
  assert.match(lineFor(error, 'JWT_PUBLIC_KEY'), /exactly one/);
  assert.match(lineFor(error, 'JWT_JWKS_URL'), /exactly one/);
  assert.doesNotMatch(error.message, /BEGIN PUBLIC KEY/);
});

test('the key rule is reported together with other problems', () => {
  const error = configErrorOf(() => loadConfig(GatewayEnv, { ...good, JWT_SECRET: undefined, PORT: 'x' }));
  assert.equal(error.issues.length, 2);
});

test('a malformed public key is named', () => {
  const error = configErrorOf(() => loadConfig(GatewayEnv, { ...good, JWT_SECRET: undefined, JWT_PUBLIC_KEY: 'not a key' }));
  assert.match(lineFor(error, 'JWT_PUBLIC_KEY'), /PEM public key/);
});

test('jwtSettings: each key source, with issuer and audience', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // A one-line PEM with literal \n, as manifests carry it.
  const oneLine = publicKey.export({ type: 'spki', format: 'pem' }).toString().trim().replace(/\n/g, '\\n');
  const pemConfig = loadConfig(GatewayEnv, { ...good, JWT_SECRET: undefined, JWT_PUBLIC_KEY: oneLine, JWT_ISSUER: 'https://idp', DEV_AUTH: '1' });
  const pemSettings = jwtSettings(pemConfig);
  assert.equal(pemSettings.keySource, 'JWT_PUBLIC_KEY');
  assert.ok('publicKeyPem' in pemSettings.verifier && pemSettings.verifier.publicKeyPem.includes('\n-----END PUBLIC KEY-----'));
  assert.equal(pemSettings.verifier.issuer, 'https://idp');
  assert.equal(pemSettings.devTokens, null, 'dev tokens cannot be signed with only a public key');

  const secretSettings = jwtSettings(loadConfig(GatewayEnv, { ...good, JWT_AUDIENCE: 'chat', DEV_AUTH: '1' }));
  assert.deepEqual(secretSettings.verifier, { secret: good.JWT_SECRET, issuer: undefined, audience: 'chat' });
  assert.deepEqual(secretSettings.devTokens, { secret: good.JWT_SECRET, issuer: undefined, audience: 'chat' });

  const jwksSettings = jwtSettings(loadConfig(GatewayEnv, { ...good, JWT_SECRET: undefined, JWT_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json' }));
  assert.equal(jwksSettings.keySource, 'JWT_JWKS_URL');
  assert.deepEqual(jwksSettings.verifier, { jwksUrl: 'https://idp.example.com/.well-known/jwks.json', issuer: undefined, audience: undefined });
});

test('DEV_AUTH=1 with no key derives the same dev secret everywhere; without DEV_AUTH it is never used', () => {
  const dev = jwtSettings(loadConfig(GatewayEnv, { ...good, JWT_SECRET: undefined, DEV_AUTH: '1' }));
  assert.equal(dev.keySource, 'DEV_JWT_SECRET');
  assert.deepEqual(dev.verifier, { secret: DEV_JWT_SECRET, issuer: undefined, audience: undefined });
  assert.equal(dev.devTokens?.secret, DEV_JWT_SECRET);
  assert.ok(DEV_JWT_SECRET.length >= 43, '256 bits');

  assert.throws(() => jwtSettings({ DEV_AUTH: false }), ConfigError);
  assert.throws(() => loadConfig(GatewayEnv, { ...good, JWT_SECRET: undefined, DEV_AUTH: '0' }), ConfigError);
});
