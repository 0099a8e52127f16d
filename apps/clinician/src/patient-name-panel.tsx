import { Button } from '@digdir/designsystemet-react';
import { ApiError, ErrorMessage, problemText, useSession } from '@varde/web-common';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatName, nameFromFields, type PersonName } from './patient-names';

type FieldErrors = Readonly<{ given?: string; family?: string }>;

/** pathways' refusal of a name, at the field it names (`family`, `given` or `given.<n>`). */
function fieldErrorsOf(failure: unknown): FieldErrors {
  if (!(failure instanceof ApiError)) return {};
  const at = (field: string) => failure.fields.find((f) => f.field === field || f.field.startsWith(`${field}.`))?.message;
  return { ...(at('family') ? { family: at('family') } : {}), ...(at('given') ? { given: at('given') } : {}) };
}

/** One part of the name: a text field with a hint beneath it, which says what is wrong when something is. */
function NameInput(props: { id: string; label: string; value: string; onChange: (value: string) => void; maxLength: number; error: string | undefined; hint: string; autoFocus?: boolean }) {
  return (
    <>
      <label>
        {props.label}
        <input
          autoFocus={props.autoFocus}
          autoComplete="off"
          maxLength={props.maxLength}
          value={props.value}
          aria-invalid={props.error !== undefined}
          aria-describedby={`${props.id}-hint`}
          onChange={(event) => props.onChange(event.target.value)}
        />
      </label>
      <p id={`${props.id}-hint`} className={props.error ? 'hint-bad' : 'status-line'}>
        {props.error ?? props.hint}
      </p>
    </>
  );
}

/**
 * The patient's name as pathways keeps it, which the care team corrects (`PUT /api/enrolments/{id}/name`) or erases at
 * the patient's request (`DELETE`, after a confirmation); both written to the patient's access log by pathways.
 */
export function PatientNamePanel({ patientId, name, onName }: { patientId: string; name: PersonName | null; onName: (name: PersonName | null) => void }) {
  const { t } = useTranslation();
  const { api } = useSession();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [givenNames, setGivenNames] = useState('');
  const [familyName, setFamilyName] = useState('');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string>();
  const [done, setDone] = useState('');
  const editButton = useRef<HTMLButtonElement>(null);

  const edit = (): void => {
    setGivenNames(name?.given.join(' ') ?? '');
    setFamilyName(name?.family ?? '');
    setFieldErrors({});
    setError(undefined);
    setDone('');
    setConfirming(false);
    setEditing(true);
  };
  const close = (): void => {
    setEditing(false);
    setConfirming(false);
    // Back to where the clinician started, so the keyboard does not land at the top of the page.
    requestAnimationFrame(() => editButton.current?.focus());
  };

  const save = async (): Promise<void> => {
    const typed = nameFromFields(givenNames, familyName);
    if (!typed) {
      setFieldErrors({ family: t('name.familyNeeded') });
      return;
    }
    try {
      const kept = await api<{ name: PersonName }>(`/api/enrolments/${patientId}/name`, { method: 'PUT', json: typed });
      onName(kept.name);
      setError(undefined);
      setDone(t('name.saved'));
      close();
    } catch (failure) {
      setFieldErrors(fieldErrorsOf(failure));
      setError(problemText(failure, t));
    }
  };

  const erase = async (): Promise<void> => {
    try {
      await api<void>(`/api/enrolments/${patientId}/name`, { method: 'DELETE' });
      onName(null);
      setError(undefined);
      setDone(t('name.erased'));
      close();
    } catch (failure) {
      setError(problemText(failure, t));
    }
  };

  return (
    <section aria-labelledby="name-heading" data-testid="patient-name">
      <h2 id="name-heading">{t('name.title')}</h2>
      <p data-testid="patient-name-value">{name ? formatName(name) : t('name.none')}</p>
      <p role="status" className="status-line">
        {done}
      </p>
      <ErrorMessage text={error} />
      {editing ? (
        <form
          className="form"
          aria-labelledby="name-form-heading"
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <h3 id="name-form-heading">{name ? t('name.edit') : t('name.add')}</h3>
          <NameInput id="name-given" label={t('name.given')} value={givenNames} onChange={setGivenNames} maxLength={510} error={fieldErrors.given} hint={t('name.givenHint')} autoFocus />
          <NameInput id="name-family" label={t('name.family')} value={familyName} onChange={setFamilyName} maxLength={100} error={fieldErrors.family} hint={t('name.hint')} />
          <div className="actions">
            <button type="submit" className="primary">
              {t('name.save')}
            </button>
            <Button type="button" variant="secondary" data-size="sm" onClick={close}>
              {t('common.cancel')}
            </Button>
          </div>
        </form>
      ) : confirming ? (
        <div className="actions" role="group" aria-labelledby="name-erase-question">
          <p id="name-erase-question">{t('name.eraseQuestion')}</p>
          <Button variant="secondary" data-size="sm" autoFocus onClick={() => void erase()}>
            {t('name.eraseYes')}
          </Button>
          <Button variant="secondary" data-size="sm" onClick={close}>
            {t('name.eraseNo')}
          </Button>
        </div>
      ) : (
        <div className="actions">
          <Button ref={editButton} variant="secondary" data-size="sm" onClick={edit}>
            {name ? t('name.edit') : t('name.add')}
          </Button>
          {name ? (
            <Button variant="secondary" data-size="sm" onClick={() => setConfirming(true)}>
              {t('name.erase')}
            </Button>
          ) : null}
        </div>
      )}
    </section>
  );
}
