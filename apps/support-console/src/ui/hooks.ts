import { createContext, useContext, useEffect, useState } from 'react';
import type { Desk, DeskState } from '../state/desk.ts';
import { useStore } from '../state/store.ts';

export const DeskContext = createContext<Desk | null>(null);

export function useDesk(): Desk {
  const desk = useContext(DeskContext);
  if (!desk) throw new Error('useDesk outside the workspace');
  return desk;
}

/** A part of the desk's state; re-renders when that part changes. */
export function useDeskState<Part>(select: (state: DeskState) => Part): Part {
  return useStore(useDesk().store, select);
}

/** The current time, refreshed every `everyMs`: for SLA countdowns and "5m ago". */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** Whether a media query matches now, following changes (the layout's breakpoints). */
export function useMedia(query: string): boolean {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const changed = () => setMatches(list.matches);
    list.addEventListener('change', changed);
    changed();
    return () => list.removeEventListener('change', changed);
  }, [query]);
  return matches;
}
