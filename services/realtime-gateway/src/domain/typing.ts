/**
 * Typing indicators are chatty (a keystroke may send one), so each socket forwards per channel
 * only a change of state, and a repeated "still typing" at most once per interval.
 */
export class TypingThrottle {
  readonly #intervalMs: number;
  readonly #last = new Map<string, { typing: boolean; forwardedAt: number }>();

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /** Whether this indicator should go out; records it when it does. */
  admit(channelId: string, isTyping: boolean, now = Date.now()): boolean {
    const last = this.#last.get(channelId);
    const forward = isTyping ? !last?.typing || now - last.forwardedAt >= this.#intervalMs : last?.typing === true;
    if (forward) this.#last.set(channelId, { typing: isTyping, forwardedAt: now });
    return forward;
  }

  /** Channels where this socket was last said to be typing: they hear it stop when it leaves. */
  typingIn(): string[] {
    return [...this.#last].filter(([, state]) => state.typing).map(([channelId]) => channelId);
  }

  forget(channelId: string): void {
    this.#last.delete(channelId);
  }
}
