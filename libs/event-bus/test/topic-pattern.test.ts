import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { topicMatches } from '../src/topic-pattern.ts';

describe('topicMatches (AMQP topic semantics)', () => {
  const cases: [pattern: string, key: string, matches: boolean][] = [
    ['message.created', 'message.created', true],
    ['message.created', 'message.updated', false],
    ['message.*', 'message.created', true],
    ['message.*', 'message', false],
    ['message.*', 'message.created.extra', false],
    ['*.created', 'message.created', true],
    ['*', 'message', true],
    ['*', '', false],
    ['#', '', true],
    ['#', 'a.b.c', true],
    ['message.#', 'message', true],
    ['message.#', 'message.created', true],
    ['message.#', 'messages.created', false],
    ['#.created', 'message.created', true],
    ['#.created', 'created', true],
    ['#.created', 'message.created.not', false],
    ['a.#.z', 'a.z', true],
    ['a.#.z', 'a.b.c.z', true],
    ['a.#.z', 'a.b.c', false],
    ['a.*.#.z', 'a.z', false],
    ['a.*.#.z', 'a.b.z', true],
    ['#.#', 'a', true],
    ['*.*', 'a..', false],
    ['*.*.*', 'a..', true],
    ['', '', true],
    ['', 'a', false],
    ['channel.*', 'channel.participant_added', true],
    ['ticket.#', 'ticket.sla_breached', true],
  ];
  for (const [pattern, key, expected] of cases) {
    it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(key)}`, () => {
      assert.equal(topicMatches(pattern, key), expected);
    });
  }

  const word = fc.stringMatching(/^[a-z_]{1,5}$/);
  const key = fc.array(word, { minLength: 0, maxLength: 6 });

  it('a key matches itself, and still does with any word replaced by * or any run of words by #', () => {
    fc.assert(
      fc.property(key, fc.nat(), fc.nat(), (words, from, length) => {
        const dotted = words.join('.');
        assert.ok(topicMatches(dotted, dotted));
        assert.ok(topicMatches('#', dotted));
        if (words.length > 0) {
          const star = [...words];
          star[from % words.length] = '*';
          assert.ok(topicMatches(star.join('.'), dotted), `${star.join('.')} ~ ${dotted}`);
        }
        const start = from % (words.length + 1);
        const hashed = [...words.slice(0, start), '#', ...words.slice(start + (length % (words.length - start + 1)))];
        assert.ok(topicMatches(hashed.join('.'), dotted), `${hashed.join('.')} ~ ${dotted}`);
      }),
    );
  });

  it('a pattern without wildcards matches only its own key', () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        assert.equal(topicMatches(a.join('.'), b.join('.')), a.join('.') === b.join('.'));
      }),
    );
  });

  it('stays fast on patterns with many #', () => {
    const pattern = Array.from({ length: 30 }, () => '#').join('.') + '.x';
    const longKey = Array.from({ length: 200 }, () => 'a').join('.');
    const started = performance.now();
    assert.equal(topicMatches(pattern, longKey), false);
    assert.ok(performance.now() - started < 200);
  });
});
