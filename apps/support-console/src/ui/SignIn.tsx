import { useEffect, useId, useState, type FormEvent } from 'react';
import { Role, type Role as RoleValue } from '@chat/contracts';
import { startSession, type Session } from '../session.ts';
import { describeFailure, devSignInAvailable, requestDevToken } from '../system.ts';
import { enumWords } from '../format.ts';

/**
 * The console never asks for a password. The host platform opens it with a token in the URL
 * fragment; the local run (`DEV_AUTH=1`) offers this form, which asks the gateway for a dev token.
 */
export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: (session: Session) => void }) {
  const [available, setAvailable] = useState<boolean | null>(null);
  const [userId, setUserId] = useState('');
  const [tenantId, setTenantId] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<RoleValue>('MANAGEMENT_TEAM');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const headingId = useId();

  useEffect(() => {
    let live = true;
    devSignInAvailable().then((yes) => live && setAvailable(yes));
    return () => {
      live = false;
    };
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const identity = { userId: userId.trim(), tenantId: tenantId.trim(), name: name.trim() };
    // Spaces pass `required`: a blank id is named here instead of refused by the gateway.
    const missing = [identity.userId === '' && 'a user ID', identity.tenantId === '' && 'a tenant ID'].filter(Boolean);
    if (missing.length > 0) {
      setError(`Enter ${missing.join(' and ')}.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const token = await requestDevToken({
        userId: identity.userId,
        tenantId: identity.tenantId,
        role,
        ...(identity.name ? { name: identity.name } : {}),
      });
      onSignedIn(startSession(token));
    } catch (caught) {
      setError(describeFailure(caught));
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <section className="signin-card" aria-labelledby={headingId}>
        <div className="brand brand-large" aria-hidden="true">
          <span className="brand-mark">S</span>
          <span>Support console</span>
        </div>
        <h1 id={headingId}>Sign in</h1>
        {notice && (
          <p className="signin-notice" role="status">
            {notice}
          </p>
        )}
        {available === false && (
          <p className="signin-help">
            Open the console from your platform: it signs you in with your platform account. This console never asks for a password.
          </p>
        )}
        {available === null && <p className="signin-help">Checking how to sign you in…</p>}
        {available && (
          <form className="form" onSubmit={submit}>
            <p className="signin-help">Local run: pick who you are. The gateway issues a development token for this identity.</p>
            <label className="field">
              <span>User ID</span>
              <input value={userId} onChange={(event) => setUserId(event.target.value)} required maxLength={128} autoComplete="username" autoFocus />
            </label>
            <label className="field">
              <span>Tenant ID</span>
              <input value={tenantId} onChange={(event) => setTenantId(event.target.value)} required maxLength={128} />
            </label>
            <label className="field">
              <span>Name</span>
              <input value={name} onChange={(event) => setName(event.target.value)} maxLength={200} autoComplete="name" placeholder="Optional" />
            </label>
            <label className="field">
              <span>Role</span>
              <select value={role} onChange={(event) => setRole(event.target.value as RoleValue)}>
                {Role.options.map((option) => (
                  <option key={option} value={option}>
                    {enumWords(option)}
                  </option>
                ))}
              </select>
            </label>
            {error && (
              <p className="form-error" role="alert">
                {error}
              </p>
            )}
            <button type="submit" className="button primary wide" disabled={busy}>
              Sign in
            </button>
          </form>
        )}
      </section>
    </main>
  );
}
