import Button from '@helsenorge/designsystem-react/components/Button';
import type { Questionnaire, QuestionnaireItem, QuestionnaireItemAnswerOption } from '@medplum/fhirtypes';
import { EXT, extensionsOf, MAX_REPEATS, optionsOf, UCUM } from '@varde/fhir/src/questionnaire-items';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { answerKey, instanceCount, instanceScope, isCalculated, type Answer, type FormAnswers } from './questionnaire-answers';

/**
 * What every item needs: the questionnaire, the answers so far, what they enable and the problems (both by answer
 * key), how to answer, and how to add or remove an instance of a repeating group.
 */
export type ItemContext = Readonly<{
  questionnaire: Questionnaire;
  form: FormAnswers;
  enabled: ReadonlySet<string>;
  problems: ReadonlyMap<string, readonly string[]>;
  answer: (key: string, given: readonly Answer[]) => void;
  addInstance: (groupKey: string) => void;
  removeInstance: (scope: string, group: QuestionnaireItem, index: number) => void;
}>;

/** An id safe for HTML `id` attributes made from a linkId (which may hold dots, slashes, spaces). */
export const itemDomId = (linkId: string, suffix = ''): string => `q-${linkId.replace(/[^A-Za-z0-9_-]/g, '_')}${suffix}`;

/**
 * The items of one level (in `scope`: the instance of the repeating groups around them), in order; items that the
 * answers do not enable are not shown (their answers are not sent).
 */
export function QuestionnaireItems({ items, context, scope = '' }: { items: readonly QuestionnaireItem[] | undefined; context: ItemContext; scope?: string }) {
  return (
    <>
      {(items ?? [])
        .filter((item) => context.enabled.has(answerKey(scope, item.linkId)))
        .map((item) => (
          <QuestionnaireItemView key={item.linkId} item={item} context={context} scope={scope} />
        ))}
    </>
  );
}

/** A repeating group: each instance under its number, with a button to remove it, and a button to add one (up to forms' limit). */
function RepeatingGroup({ item, context, scope }: { item: QuestionnaireItem; context: ItemContext; scope: string }) {
  const { t } = useTranslation();
  const key = answerKey(scope, item.linkId);
  const count = instanceCount(context.form, key);
  const name = item.text ?? item.linkId;
  return (
    <section className="group repeating" aria-labelledby={itemDomId(key, '-heading')} data-link-id={item.linkId}>
      <h2 id={itemDomId(key, '-heading')}>{name}</h2>
      {Array.from({ length: count }, (_, index) => {
        const inner = instanceScope(scope, item, index);
        const heading = itemDomId(inner, '-heading');
        return (
          <section key={inner} className="instance" aria-labelledby={heading} data-instance={index + 1}>
            <h3 id={heading}>{t('form.instance', { name, number: index + 1 })}</h3>
            <QuestionnaireItems items={item.item} context={context} scope={inner} />
            {count > 1 ? (
              <Button variant="borderless" onClick={() => context.removeInstance(scope, item, index)}>
                {t('form.removeInstance', { name, number: index + 1 })}
              </Button>
            ) : null}
          </section>
        );
      })}
      {count < MAX_REPEATS ? (
        <Button variant="outline" onClick={() => context.addInstance(key)}>
          {t('form.addInstance', { name })}
        </Button>
      ) : (
        <p className="hint">{t('form.instanceLimit', { count: MAX_REPEATS })}</p>
      )}
    </section>
  );
}

function QuestionnaireItemView({ item, context, scope }: { item: QuestionnaireItem; context: ItemContext; scope: string }) {
  const { t } = useTranslation();
  const key = answerKey(scope, item.linkId);
  if (item.type === 'display') return <p className="display-item">{item.text}</p>;
  if (item.type === 'group' && item.repeats) return <RepeatingGroup item={item} context={context} scope={scope} />;
  if (item.type === 'group') {
    return (
      <section className="group" aria-labelledby={itemDomId(key, '-heading')}>
        <h2 id={itemDomId(key, '-heading')}>{item.text}</h2>
        <QuestionnaireItems items={item.item} context={context} scope={scope} />
      </section>
    );
  }
  const problems = context.problems.get(key) ?? [];
  const unconfirmed = context.form.unconfirmed.includes(key);
  const hintIds = [problems.length ? itemDomId(key, '-error') : '', unconfirmed ? itemDomId(key, '-prefilled') : '', isCalculated(item) ? itemDomId(key, '-calculated') : ''].filter(Boolean).join(' ') || undefined;
  const options = optionsOf(context.questionnaire, item);
  const fieldProps: FieldProps = { item, domKey: key, given: context.form.answers[key] ?? [], set: (given) => context.answer(key, given), describedBy: hintIds, invalid: problems.length > 0 };
  const chosen = options !== undefined || item.type === 'boolean';
  const label = (
    <>
      {item.text ?? item.linkId}
      {item.required ? <span className="required"> {t('form.required')}</span> : null}
    </>
  );
  const notes = (
    <>
      {isCalculated(item) ? (
        <p className="hint" id={itemDomId(key, '-calculated')}>
          {t('form.calculated')}
        </p>
      ) : null}
      {unconfirmed ? (
        <p className="prefilled" id={itemDomId(key, '-prefilled')}>
          {t('form.prefilled')}{' '}
          <Button variant="borderless" onClick={() => context.answer(key, fieldProps.given)}>
            {t('form.confirm')}
          </Button>
        </p>
      ) : null}
      {problems.length ? (
        <div className="hint-bad" id={itemDomId(key, '-error')}>
          {problems.map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      ) : null}
      {item.item?.length ? <QuestionnaireItems items={item.item} context={context} scope={scope} /> : null}
    </>
  );
  if (chosen) {
    return (
      <fieldset className={`question${problems.length ? ' invalid' : ''}`} id={itemDomId(key)} aria-describedby={hintIds} data-link-id={item.linkId}>
        <legend>{label}</legend>
        {item.type === 'boolean' ? <BooleanField {...fieldProps} /> : <ChoiceField {...fieldProps} options={options ?? []} />}
        {notes}
      </fieldset>
    );
  }
  return (
    <div className={`question${problems.length ? ' invalid' : ''}`} id={itemDomId(key)} data-link-id={item.linkId}>
      <label htmlFor={itemDomId(key, '-input')} className="question-label">
        {label}
      </label>
      {item.repeats && !item.readOnly ? <RepeatingField {...fieldProps} /> : <ValueField {...fieldProps} index={0} />}
      {notes}
    </div>
  );
}

/** One question's field: the item, its answer key (for element ids), the answers given, and how to change them. */
type FieldProps = Readonly<{ item: QuestionnaireItem; domKey: string; given: readonly Answer[]; set: (given: readonly Answer[]) => void; describedBy: string | undefined; invalid: boolean }>;

function BooleanField({ item, domKey, given, set, describedBy }: FieldProps) {
  const { t } = useTranslation();
  return (
    <div className="options">
      {[true, false].map((value) => {
        const id = itemDomId(domKey, `-${value}`);
        return (
          <span key={id} className="option">
            <input type="radio" id={id} name={domKey} checked={given[0]?.valueBoolean === value} disabled={item.readOnly} onChange={() => set([{ valueBoolean: value }])} aria-describedby={describedBy} />
            <label htmlFor={id}>{t(value ? 'form.yes' : 'form.no')}</label>
          </span>
        );
      })}
    </div>
  );
}

/** The option's answer (its one value[x]) and the text shown for it. */
function optionAnswer(option: QuestionnaireItemAnswerOption): { answer: Answer; key: string; text: string } {
  if (option.valueCoding) {
    const { system, code, display } = option.valueCoding;
    return { answer: { valueCoding: { ...(system ? { system } : {}), code, ...(display ? { display } : {}) } }, key: `${system ?? ''}|${code ?? ''}`, text: display ?? code ?? '' };
  }
  const value = option.valueInteger ?? option.valueString ?? option.valueDate ?? option.valueTime ?? '';
  const answerKey = option.valueInteger !== undefined ? 'valueInteger' : option.valueString !== undefined ? 'valueString' : option.valueDate !== undefined ? 'valueDate' : 'valueTime';
  return { answer: { [answerKey]: value } as Answer, key: String(value), text: String(value) };
}

/** Whether two answers are the same choice (codings by system and code, other values by value). */
const sameChoice = (a: Answer, b: Answer): boolean => {
  if (a.valueCoding !== undefined || b.valueCoding !== undefined) {
    const [x, y] = [a.valueCoding, b.valueCoding];
    return x?.code === y?.code && (x?.system === undefined || y?.system === undefined || x.system === y.system);
  }
  return (a.valueInteger ?? a.valueString ?? a.valueDate ?? a.valueTime) === (b.valueInteger ?? b.valueString ?? b.valueDate ?? b.valueTime);
};

/** choice and open-choice (and any item with answer options): radio buttons, or check boxes when the item repeats; open-choice adds "other". */
function ChoiceField({ item, domKey, given, set, describedBy, options }: FieldProps & { options: readonly QuestionnaireItemAnswerOption[] }) {
  const { t } = useTranslation();
  const shown = options.map(optionAnswer);
  const short = shown.every((o) => o.text.length <= 3);
  const otherText = item.type === 'open-choice' ? given.find((a) => a.valueString !== undefined && !shown.some((o) => sameChoice(o.answer, a)))?.valueString : undefined;
  const toggle = (answer: Answer, on: boolean): void => {
    if (!item.repeats) return set([answer]);
    const rest = given.filter((a) => !sameChoice(a, answer));
    set(on ? [...rest, answer] : rest);
  };
  const otherId = itemDomId(domKey, '-other');
  return (
    <div className={short ? 'scale' : 'options'}>
      {shown.map(({ answer, key, text }) => {
        const id = itemDomId(domKey, `-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`);
        return (
          <span key={key} className={short ? 'scale-option' : 'option'}>
            <input
              type={item.repeats ? 'checkbox' : 'radio'}
              id={id}
              name={domKey}
              checked={given.some((a) => sameChoice(a, answer))}
              disabled={item.readOnly}
              onChange={(event) => toggle(answer, event.target.checked)}
              aria-describedby={describedBy}
            />
            <label htmlFor={id}>{text}</label>
          </span>
        );
      })}
      {item.type === 'open-choice' ? (
        <span className="option other">
          <label htmlFor={otherId}>{t('form.other')}</label>
          <input
            id={otherId}
            type="text"
            value={otherText ?? ''}
            readOnly={item.readOnly}
            maxLength={item.maxLength}
            aria-describedby={describedBy}
            onChange={(event) => {
              const chosen = item.repeats ? given.filter((a) => shown.some((o) => sameChoice(o.answer, a))) : [];
              set(event.target.value.trim() === '' ? chosen : [...chosen, { valueString: event.target.value }]);
            }}
          />
        </span>
      ) : null}
    </div>
  );
}

/** A repeating question that is not a choice: one field per answer, each removable, and a button to add another (up to forms' limit). */
function RepeatingField(props: FieldProps) {
  const { t } = useTranslation();
  const [fields, setFields] = useState(1);
  const count = Math.max(fields, props.given.length, 1);
  const name = props.item.text ?? props.item.linkId;
  const remove = (index: number): void => {
    setFields(count - 1);
    if (index < props.given.length) props.set(props.given.filter((_, i) => i !== index));
  };
  return (
    <div className="repeats">
      {Array.from({ length: count }, (_, index) => (
        <span key={index} className="repeat">
          <ValueField {...props} index={index} />
          {count > 1 ? (
            <Button variant="borderless" onClick={() => remove(index)}>
              {t('form.removeAnswer', { name, number: index + 1 })}
            </Button>
          ) : null}
        </span>
      ))}
      {count < MAX_REPEATS ? (
        <Button variant="borderless" onClick={() => setFields(count + 1)}>
          {t('form.addAnother')}
        </Button>
      ) : (
        <p className="hint">{t('form.answerLimit', { count: MAX_REPEATS })}</p>
      )}
    </div>
  );
}

/** The number typed, or undefined while the field is empty or not a number. */
const numberOf = (text: string): number | undefined => (text.trim() === '' || Number.isNaN(Number(text)) ? undefined : Number(text));

const pad = (n: number): string => String(n).padStart(2, '0');
/** An ISO date-time as `<input type="datetime-local">` shows it, in the device's time zone. */
const localDateTime = (iso: string | undefined): string => {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** One answer of a question that is typed: numbers, dates, times, text, quantities. */
function ValueField({ item, domKey, given, set, describedBy, invalid, index }: FieldProps & { index: number }) {
  const id = itemDomId(domKey, index === 0 ? '-input' : `-input-${index}`);
  const current = given[index];
  const put = (answer: Answer | undefined): void => {
    const next = [...given];
    if (answer === undefined) next.splice(index, 1);
    else next[index] = answer;
    set(next.filter((a) => Object.keys(a).length > 0));
  };
  const common = { id, 'aria-describedby': describedBy, 'aria-invalid': invalid || undefined, 'aria-required': item.required || undefined, readOnly: item.readOnly || isCalculated(item), ...(index > 0 ? { 'aria-label': `${item.text ?? item.linkId} (${index + 1})` } : {}) };
  switch (item.type) {
    case 'integer':
    case 'decimal': {
      const value = item.type === 'integer' ? current?.valueInteger : current?.valueDecimal;
      return (
        <input
          {...common}
          type="number"
          inputMode={item.type === 'integer' ? 'numeric' : 'decimal'}
          step={item.type === 'integer' ? 1 : 'any'}
          value={value ?? ''}
          onChange={(event) => {
            const n = numberOf(event.target.value);
            put(n === undefined ? undefined : item.type === 'integer' ? { valueInteger: Math.trunc(n) } : { valueDecimal: n });
          }}
        />
      );
    }
    case 'quantity':
      return <QuantityField item={item} current={current} put={put} common={common} />;
    case 'date':
      return <input {...common} type="date" value={current?.valueDate ?? ''} onChange={(event) => put(event.target.value ? { valueDate: event.target.value } : undefined)} />;
    case 'dateTime':
      return <input {...common} type="datetime-local" value={localDateTime(current?.valueDateTime)} onChange={(event) => put(event.target.value ? { valueDateTime: new Date(event.target.value).toISOString() } : undefined)} />;
    case 'time':
      return <input {...common} type="time" step={1} value={current?.valueTime ?? ''} onChange={(event) => put(event.target.value ? { valueTime: event.target.value.length === 5 ? `${event.target.value}:00` : event.target.value } : undefined)} />;
    case 'text':
      return <textarea {...common} rows={4} maxLength={item.maxLength} value={current?.valueString ?? ''} onChange={(event) => put(event.target.value === '' ? undefined : { valueString: event.target.value })} />;
    default:
      return <input {...common} type="text" maxLength={item.maxLength} value={current?.valueString ?? ''} onChange={(event) => put(event.target.value === '' ? undefined : { valueString: event.target.value })} />;
  }
}

/** A quantity: the number and its UCUM unit (the item's unitOptions); the unit chosen is kept until a number is typed. */
function QuantityField({ item, current, put, common }: { item: QuestionnaireItem; current: Answer | undefined; put: (answer: Answer | undefined) => void; common: Record<string, unknown> }) {
  const { t } = useTranslation();
  const units = extensionsOf(item, EXT.unitOption).flatMap((e) => (e.valueCoding?.code ? [e.valueCoding] : []));
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const unit = current?.valueQuantity?.code ?? chosen ?? units[0]?.code;
  const quantity = (value: number | undefined, code: string | undefined): Answer | undefined =>
    value === undefined || code === undefined ? undefined : { valueQuantity: { value, unit: units.find((u) => u.code === code)?.display ?? code, system: UCUM, code } };
  return (
    <span className="quantity">
      <input {...common} type="number" inputMode="decimal" step="any" value={current?.valueQuantity?.value ?? ''} onChange={(event) => put(quantity(numberOf(event.target.value), unit))} />
      {units.length > 1 ? (
        <select
          aria-label={t('form.unit')}
          value={unit}
          disabled={item.readOnly}
          onChange={(event) => {
            setChosen(event.target.value);
            if (current?.valueQuantity?.value !== undefined) put(quantity(current.valueQuantity.value, event.target.value));
          }}
        >
          {units.map((u) => (
            <option key={u.code} value={u.code}>
              {u.display ?? u.code}
            </option>
          ))}
        </select>
      ) : (
        <span>{units[0]?.display ?? unit ?? ''}</span>
      )}
    </span>
  );
}
