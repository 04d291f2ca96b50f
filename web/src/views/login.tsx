/** Sign in with email and password (session cookie) or with a pasted API token (this tab only). */
import { useState, type FormEvent } from 'react';
import { describeError } from '../api/client';
import { useSession } from '../session';

export function Login({ notice }: { notice?: string }) {
  const { signInWithPassword, signInWithToken } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState<'password' | 'token' | null>(null);
  const [error, setError] = useState<{ form: 'password' | 'token'; text: string } | null>(null);

  const submit = (form: 'password' | 'token', run: () => Promise<void>) => async (e: FormEvent) => {
    e.preventDefault();
    setBusy(form);
    setError(null);
    try {
      await run();
    } catch (err) {
      setError({ form, text: describeError(err) });
      setBusy(null);
    }
  };

  return (
    <main className="login" id="main">
      <h1>DataInsight</h1>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <div className="login-forms">
        <form
          className="card"
          onSubmit={submit('password', () => signInWithPassword(email.trim(), password))}
          aria-labelledby="login-password"
        >
          <h2 id="login-password">Sign in</h2>
          <label htmlFor="email">Email</label>
          <input
            id="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {error?.form === 'password' && (
            <p className="form-error" role="alert">
              {error.text}
            </p>
          )}
          <button type="submit" disabled={busy !== null}>
            {busy === 'password' ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <form
          className="card"
          onSubmit={submit('token', () => signInWithToken(token.trim()))}
          aria-labelledby="login-token"
        >
          <h2 id="login-token">Use an API token</h2>
          <label htmlFor="token">API token</label>
          <input
            id="token"
            name="token"
            type="password"
            autoComplete="off"
            spellCheck={false}
            required
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-describedby="token-help"
          />
          <p id="token-help" className="help">
            Kept in this browser tab only (sessionStorage) until you sign out or close the tab.
          </p>
          {error?.form === 'token' && (
            <p className="form-error" role="alert">
              {error.text}
            </p>
          )}
          <button type="submit" disabled={busy !== null}>
            {busy === 'token' ? 'Checking…' : 'Continue with token'}
          </button>
        </form>
      </div>
    </main>
  );
}
