import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Ticket } from '@chat/contracts';
import { EMPTY_FILTER, matchesFilter } from '../src/state/queue-filter.ts';

const ticket = { number: 42, subject: 'Cannot join the spring cup', createdBy: 'u-7f3a', tenantId: 'acme', status: 'OPEN', priority: 'HIGH', category: 'OTHER', assignedTo: null } as Ticket;
const search = (words: string) => ({ ...EMPTY_FILTER, search: words });
const names = (userId: string) => (userId === 'u-7f3a' ? 'Pat Player' : userId);

test("the search box finds a ticket by number, subject words, the customer's id or name, in any case", () => {
  for (const words of ['#42', 'spring CUP', 'u-7f3a', 'pat player', 'PLAYER spring']) assert.equal(matchesFilter(ticket, search(words), names), true, words);
  for (const words of ['#43', 'autumn', 'kim']) assert.equal(matchesFilter(ticket, search(words), names), false, words);
  assert.equal(matchesFilter(ticket, search('pat'), (userId) => userId), false, 'no name known, no match by name');
});
