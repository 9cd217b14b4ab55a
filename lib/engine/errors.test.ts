import { describe, expect, it } from 'vitest';
import { EngineError, IntegrityError, isEngineError, RepositoryLockedError, WrongPassphraseError } from './errors';

describe('errors', () => {
  it('keep literal names and stable codes', () => {
    const err = new WrongPassphraseError('The passphrase does not open this repository');
    expect(err.name).toBe('WrongPassphraseError');
    expect(err.code).toBe('wrong_passphrase');
    expect(err).toBeInstanceOf(EngineError);
    expect(String(err)).toBe('WrongPassphraseError: The passphrase does not open this repository');
    expect(new IntegrityError('bad', 'data/ab/abcd').code).toBe('integrity');
    expect(new RepositoryLockedError('locked').code).toBe('repository_locked');
  });

  it('recognise an engine error by its code, also from another copy of the module', () => {
    const foreign = Object.assign(new Error('x'), { name: 'WrongPassphraseError', code: 'wrong_passphrase' });
    expect(isEngineError(foreign, 'wrong_passphrase')).toBe(true);
    expect(isEngineError(foreign, 'integrity')).toBe(false);
    expect(isEngineError(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(false);
    expect(isEngineError(Object.assign(new Error('x'), { code: 'constructor' }))).toBe(false);
    expect(isEngineError(null)).toBe(false);
  });
});
