import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseSize } from './config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('applies the defaults of the two-command start', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.COFFER_DATA_DIR).toBe(path.resolve('./data'));
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.RESEND_API_KEY).toBeUndefined();
    expect(config.COFFER_JOB_CONCURRENCY).toBe(2);
    expect(config.COFFER_BACKUP_ROOTS).toHaveLength(1);
    expect(config.COFFER_UPLOAD_LIMIT).toBe(10 * 1024 ** 3);
    expect([config.COFFER_JOB_HEARTBEAT_SECONDS, config.COFFER_JOB_STALE_SECONDS, config.COFFER_LOCK_STALE_SECONDS]).toEqual([5, 60, 1800]);
  });

  it('reads production values', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://coffer@db.internal:5432/coffer',
      COFFER_BACKUP_ROOTS: '/srv/files:/home',
      COFFER_UPLOAD_LIMIT: '2GiB',
      COFFER_ALLOWED_ORIGINS: 'backup.example.com, www.example.com',
    });
    expect(config.PORT).toBe(8080);
    expect(config.DATABASE_URL).toBe('postgres://coffer@db.internal:5432/coffer');
    expect(config.COFFER_BACKUP_ROOTS).toEqual(['/srv/files', '/home']);
    expect(config.COFFER_UPLOAD_LIMIT).toBe(2 * 1024 ** 3);
    expect(config.COFFER_ALLOWED_ORIGINS).toEqual(['backup.example.com', 'www.example.com']);
  });

  it('rejects a port that is not a number, naming the setting', () => {
    expect(problemsOf({ PORT: 'abc' })).toEqual(['PORT: must be a whole number from 1 to 65535 (got "abc")']);
  });

  it('rejects a port out of range', () => {
    expect(problemsOf({ PORT: '70000' })).toEqual(['PORT: must be at most 65535 (got "70000")']);
  });

  it('rejects a database URL of another scheme without echoing it', () => {
    const [line] = problemsOf({ DATABASE_URL: 'mysql://root:hunter2@localhost/db' });
    expect(line).toBe('DATABASE_URL: must be a postgres:// URL');
    expect(line).not.toContain('hunter2');
  });

  it('rejects a short AUTH_SECRET without echoing it', () => {
    const [line] = problemsOf({ AUTH_SECRET: 'short-secret' });
    expect(line).toMatch(/^AUTH_SECRET: must be at least 32 characters/);
    expect(line).not.toContain('short-secret');
  });

  it('rejects a malformed server key', () => {
    expect(problemsOf({ COFFER_SERVER_KEY: 'zz' })[0]).toMatch(/^COFFER_SERVER_KEY: must be 64 hexadecimal characters/);
  });

  it('rejects relative backup roots', () => {
    expect(problemsOf({ COFFER_BACKUP_ROOTS: '/srv:relative/dir' })[0]).toBe(
      'COFFER_BACKUP_ROOTS: must be absolute paths separated by ":" ("relative/dir" is not absolute) (got "/srv:relative/dir")',
    );
  });

  it('rejects a concurrency of zero and a bad upload limit together, one line each', () => {
    expect(problemsOf({ COFFER_JOB_CONCURRENCY: '0', COFFER_UPLOAD_LIMIT: 'lots' })).toEqual([
      'COFFER_JOB_CONCURRENCY: must be at least 1 (got "0")',
      'COFFER_UPLOAD_LIMIT: must be a size such as 500MiB or 10GiB (got "lots")',
    ]);
  });

  it('rejects a Resend base URL without an API key', () => {
    expect(problemsOf({ RESEND_BASE_URL: 'http://127.0.0.1:9000' })[0]).toMatch(/^RESEND_BASE_URL: is set but RESEND_API_KEY is not/);
  });

  it('reads the heartbeat and stale timeouts, and refuses a stale timeout under three heartbeats', () => {
    const config = loadConfig({ COFFER_JOB_HEARTBEAT_SECONDS: '1', COFFER_JOB_STALE_SECONDS: '4', COFFER_LOCK_STALE_SECONDS: '10' });
    expect([config.COFFER_JOB_HEARTBEAT_SECONDS, config.COFFER_JOB_STALE_SECONDS, config.COFFER_LOCK_STALE_SECONDS]).toEqual([1, 4, 10]);
    expect(problemsOf({ COFFER_JOB_HEARTBEAT_SECONDS: '10', COFFER_JOB_STALE_SECONDS: '20' })[0]).toMatch(/^COFFER_JOB_STALE_SECONDS: must be at least 3 times COFFER_JOB_HEARTBEAT_SECONDS \(30\)/);
    expect(problemsOf({ COFFER_LOCK_STALE_SECONDS: '5' })).toEqual(['COFFER_LOCK_STALE_SECONDS: must be at least 10 (got "5")']);
  });

  it('reads the digest time (24-hour UTC) and rejects anything else', () => {
    expect(loadConfig({}).COFFER_DIGEST_TIME).toBeUndefined();
    expect(loadConfig({ COFFER_DIGEST_TIME: '07:30' }).COFFER_DIGEST_TIME).toBe('07:30');
    expect(problemsOf({ COFFER_DIGEST_TIME: '7:30pm' })).toEqual(['COFFER_DIGEST_TIME: must be a time such as 07:30 (24-hour, UTC) (got "7:30pm")']);
  });

  it('rejects a malformed public URL', () => {
    expect(problemsOf({ COFFER_PUBLIC_URL: 'backup.example.com' })[0]).toBe(
      'COFFER_PUBLIC_URL: must be a http(s):// URL (got "backup.example.com")',
    );
  });

  it('parses sizes with units', () => {
    expect(parseSize('500')).toBe(500);
    expect(parseSize('1.5 KiB')).toBe(1536);
    expect(parseSize('10G')).toBe(10 * 1024 ** 3);
    expect(parseSize('ten')).toBeUndefined();
    expect(parseSize('5 parsecs')).toBeUndefined();
  });
});
