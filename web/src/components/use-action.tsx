/** A button's action: busy while it runs, then its message or the API's error beside it. */
import { useState } from 'react';
import { describeError } from '../api/client';

export function useAction() {
  const [state, setState] = useState<{ busy: boolean; message?: string; error?: string }>({ busy: false });
  const run = async (f: () => Promise<string | void>) => {
    setState({ busy: true });
    try {
      const message = await f();
      setState({ busy: false, ...(message ? { message } : {}) });
    } catch (e) {
      setState({ busy: false, error: describeError(e) });
    }
  };
  const feedback = (
    <>
      {state.message && <span role="status"> {state.message}</span>}
      {state.error && (
        <span className="form-error" role="alert">
          {' '}
          {state.error}
        </span>
      )}
    </>
  );
  return { busy: state.busy, run, feedback };
}
