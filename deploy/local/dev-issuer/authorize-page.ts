/** The fields of the development issuer's sign-in page, as posted back to `POST /authorize`. */
export type AuthorizePageValues = Readonly<{ role?: string; patient?: string; team?: string; subject?: string }>;

const ROLE_CHOICES: ReadonlyArray<Readonly<{ role: string; label: string }>> = [
  { role: 'clinician', label: 'Clinician (kliniker)' },
  { role: 'patient', label: 'Patient (pasient)' },
  { role: 'guardian', label: 'Guardian (foresatt)' },
  { role: 'pathway-designer', label: 'Pathway designer (forløpsdesigner)' },
  { role: 'auditor', label: 'Auditor (revisor)' },
];

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The development issuer's sign-in page: pick a role and, for a patient or guardian, the patient id(s); a
 * clinician's care teams. `request` is the authorization request's query, carried through as hidden fields.
 * Plain HTML with labels and a visible focus, so a keyboard or screen reader user can sign in too.
 */
export function authorizePage(request: Readonly<Record<string, string>>, values: AuthorizePageValues = {}, error?: string): string {
  const hidden = Object.entries(request)
    .map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`)
    .join('\n      ');
  const role = values.role ?? 'clinician';
  const roles = ROLE_CHOICES.map(
    (choice) =>
      `<div><input type="radio" id="role-${choice.role}" name="role" value="${choice.role}"${choice.role === role ? ' checked' : ''}>` +
      ` <label for="role-${choice.role}">${choice.label}</label></div>`,
  ).join('\n        ');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Varde development sign-in</title>
  <style>
    body { font-family: system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #f4f4f4; }
    main { max-width: 32rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 8px; }
    fieldset { border: 1px solid #767676; margin: 0 0 1rem; padding: 0.75rem; }
    label { display: inline-block; margin: 0.25rem 0; }
    input[type=text] { display: block; width: 100%; box-sizing: border-box; padding: 0.5rem; font-size: 1rem; border: 1px solid #505050; }
    button { padding: 0.6rem 1.2rem; font-size: 1rem; background: #0b5394; color: #fff; border: 0; border-radius: 4px; }
    :focus-visible { outline: 3px solid #b3590a; outline-offset: 2px; }
    .warning { background: #fff4d6; padding: 0.5rem; border-left: 4px solid #8a6100; }
    .error { background: #fde8e8; padding: 0.5rem; border-left: 4px solid #a4000f; }
    .hint { color: #4a4a4a; font-size: 0.9rem; }
  </style>
</head>
<body>
  <main>
    <h1>Varde development sign-in</h1>
    <p class="warning">Development issuer: anyone may sign in as anyone. Never use it in production.</p>
    ${error ? `<p class="error" role="alert" id="sign-in-error">${escape(error)}</p>` : ''}
    <form method="post" action="authorize">
      ${hidden}
      <fieldset>
        <legend>Sign in as</legend>
        ${roles}
      </fieldset>
      <p>
        <label for="patient">Patient id (patient: one; guardian: comma-separated)</label>
        <input type="text" id="patient" name="patient" autocomplete="off" value="${escape(values.patient ?? '')}" aria-describedby="patient-hint">
        <span class="hint" id="patient-hint">The patient id the enrolment answered with, not the national id.</span>
      </p>
      <p>
        <label for="team">Care teams (clinician; comma-separated, empty for copd-care-team)</label>
        <input type="text" id="team" name="team" autocomplete="off" value="${escape(values.team ?? '')}">
      </p>
      <p>
        <label for="subject">User id (optional)</label>
        <input type="text" id="subject" name="subject" autocomplete="off" value="${escape(values.subject ?? '')}">
      </p>
      <button type="submit">Sign in</button>
    </form>
  </main>
</body>
</html>`;
}
