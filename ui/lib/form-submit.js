// A form that sends its fields once: busy while the call runs; a failure is shown (through
// `describe`) and frees the form again. On success it stays busy: its page or dialog moves on.
import { useState } from './html.js';

export function useSubmit(action, describe = (err) => err) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await action(form);
    } catch (err) {
      setError(describe(err));
      setBusy(false);
    }
  };
  return { error, setError, busy, submit };
}
