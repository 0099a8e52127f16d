import Button from '@helsenorge/designsystem-react/components/Button';
import Input from '@helsenorge/designsystem-react/components/Input';
import Title from '@helsenorge/designsystem-react/components/Title';
import { DIASTOLIC, SYSTOLIC, type ComponentType } from '@varde/core/src/vital-signs';
import { problemText, useSession } from '@varde/web-common';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, SentNotice } from './notice';

// Hints only, from the ranges outside which the platform flags a value as unusual (so the hint and the flag triage
// sees agree); the API checks plausibility itself and refuses the impossible.
const usual = ({ plausibility }: ComponentType): readonly [number, number] => [plausibility.usual?.min ?? 0, plausibility.usual?.max ?? Number.POSITIVE_INFINITY];
const USUAL = { systolic: usual(SYSTOLIC), diastolic: usual(DIASTOLIC) } as const;
const DRAFT = 'varde.draft.bp';

/** Enter a blood pressure by hand, in mmHg, with hints when a number looks unusual or swapped. */
export function MeasurePage({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  const { api } = useSession();
  const saved = JSON.parse(localStorage.getItem(`${DRAFT}.${patientId}`) ?? '{}') as { systolic?: string; diastolic?: string };
  const [systolic, setSystolic] = useState(saved.systolic ?? '');
  const [diastolic, setDiastolic] = useState(saved.diastolic ?? '');
  const [error, setError] = useState<string>();
  const [sent, setSent] = useState<string>();
  const keep = (next: { systolic: string; diastolic: string }): void => localStorage.setItem(`${DRAFT}.${patientId}`, JSON.stringify(next));
  const hint = (value: string, [low, high]: readonly [number, number]): string | undefined => {
    const number = Number(value);
    return value !== '' && Number.isFinite(number) && (number < low || number > high) ? t('measure.hintRange', { low, high }) : undefined;
  };
  const systolicHint = hint(systolic, USUAL.systolic);
  const diastolicHint = hint(diastolic, USUAL.diastolic);
  const swapped = systolic !== '' && diastolic !== '' && Number(systolic) <= Number(diastolic);

  const send = async (): Promise<void> => {
    const quantity = (value: string) => ({ value: Number(value), unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' });
    try {
      await api('/fhir/Observation', {
        method: 'POST',
        json: {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
          subject: { reference: `Patient/${patientId}` },
          effectiveDateTime: new Date().toISOString(),
          component: [
            { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: quantity(systolic) },
            { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: quantity(diastolic) },
          ],
        },
      });
      localStorage.removeItem(`${DRAFT}.${patientId}`);
      setSent(t('measure.sent', { systolic, diastolic }));
      setSystolic('');
      setDiastolic('');
      setError(undefined);
    } catch (failure) {
      setError(problemText(failure, t));
    }
  };

  return (
    <>
      <Title htmlMarkup="h1" appearance="title2">{t('measure.title')}</Title>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          void send();
        }}
      >
        <ReadingField
          id="systolic"
          label={t('measure.systolic')}
          value={systolic}
          hint={systolicHint ?? ''}
          onChange={(value) => {
            setSystolic(value);
            keep({ systolic: value, diastolic });
          }}
        />
        <ReadingField
          id="diastolic"
          label={t('measure.diastolic')}
          value={diastolic}
          hint={diastolicHint ?? (swapped ? t('measure.hintOrder') : '')}
          onChange={(value) => {
            setDiastolic(value);
            keep({ systolic, diastolic: value });
          }}
        />
        <ErrorNotice text={error} />
        <Button type="submit">{t('common.send')}</Button>
      </form>
      {sent ? <SentNotice testId="measure-sent">{sent}</SentNotice> : null}
    </>
  );
}

/** A number typed by hand (Helsenorge's input with its label), with its hint read out when it changes. */
function ReadingField(props: { id: string; label: string; value: string; hint: string; onChange: (value: string) => void }) {
  return (
    <Input
      inputId={props.id}
      label={props.label}
      inputMode="numeric"
      required
      width={6}
      value={props.value}
      aria-describedby={`${props.id}-hint`}
      onChange={(event) => props.onChange(event.target.value)}
      afterInputChildren={
        <p id={`${props.id}-hint`} className="hint" aria-live="polite">
          {props.hint}
        </p>
      }
    />
  );
}
