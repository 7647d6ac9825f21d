/** What the console says when the system refuses something: the fields at fault, when it names them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatError, describeFailure } from '../src/system.ts';

test('a refused input is described by its field problems', () => {
  const refused = new ChatError(400, 'VALIDATION_FAILED', 'The request is not valid', [
    { field: 'reason', message: 'Too small: expected string to have >=1 characters' },
    { field: 'escalateTo', message: 'Unknown field' },
  ]);
  assert.equal(describeFailure(refused), 'reason: Too small: expected string to have >=1 characters; escalateTo: Unknown field');
});

test('any other answer is described by its message', () => {
  assert.equal(describeFailure(new ChatError(404, 'CHANNEL_NOT_FOUND', 'Channel not found')), 'Channel not found');
  assert.equal(describeFailure(new ChatError(409, 'INVALID_STATUS_TRANSITION', 'Cannot escalate', { status: 'ESCALATED' })), 'Cannot escalate');
});

test('an unreachable system is said to be so', () => {
  assert.equal(describeFailure(new ChatError(0, 'NETWORK_ERROR', 'fetch failed')), 'The support system cannot be reached right now.');
});
