/**
 * AMQP topic-exchange matching, as RabbitMQ does it: keys and patterns are dot-separated words,
 * `*` stands for exactly one word and `#` for zero or more. An empty key has no words at all.
 */
export function topicMatches(pattern: string, routingKey: string): boolean {
  return wordsMatch(words(pattern), words(routingKey));
}

function words(dotted: string): string[] {
  return dotted === '' ? [] : dotted.split('.');
}

/**
 * Dynamic programming over (pattern word, key word) so that patterns with several `#` stay linear
 * in the product of their lengths instead of backtracking exponentially.
 */
function wordsMatch(pattern: string[], key: string[]): boolean {
  // matches[j] : does the pattern prefix processed so far match key.slice(0, j)?
  let matches = new Array<boolean>(key.length + 1).fill(false);
  matches[0] = true;
  for (const word of pattern) {
    const next = new Array<boolean>(key.length + 1).fill(false);
    if (word === '#') {
      let reachable = false;
      for (let j = 0; j <= key.length; j++) {
        reachable ||= matches[j] === true;
        next[j] = reachable;
      }
    } else {
      for (let j = 1; j <= key.length; j++) {
        next[j] = matches[j - 1] === true && (word === '*' || word === key[j - 1]);
      }
    }
    matches = next;
  }
  return matches[key.length] === true;
}
