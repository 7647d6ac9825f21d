import { useCallback, useState } from 'react';
import { endSession, restoreSession, type Session } from '../session.ts';
import { SignIn } from './SignIn.tsx';
import { Workspace } from './Workspace.tsx';

export function App() {
  const [session, setSession] = useState<Session | null>(() => restoreSession());
  const [ended, setEnded] = useState<string | null>(null);

  const signOut = useCallback((reason: string | null) => {
    endSession();
    setSession(null);
    setEnded(reason);
  }, []);

  if (!session) {
    return (
      <SignIn
        notice={ended}
        onSignedIn={(next) => {
          setEnded(null);
          setSession(next);
        }}
      />
    );
  }
  return <Workspace key={session.token} session={session} onSignOut={signOut} />;
}
