import { Heading } from '@digdir/designsystemet-react';
import { checkNationalId } from '@varde/core/src/national-id';
import { AppLink, ErrorMessage, formatDateTime, listenToEvents, problemText, useSession } from '@varde/web-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ColourBadge } from './colour-badge';
import { PathwayOptions, usePathways } from './pathway-options';
import { PausedBadge } from './paused-badge';
import { TeamOptions } from './team-options';
import { formatName, nameHolds, usePatientNames, type PersonName } from './patient-names';
import type { Colour, WorklistEntry } from './types';

const PAGE_SIZE = 50;

type Filters = Readonly<{ colour: '' | Colour; pathway: string; team: string; mine: boolean }>;

/** A patient found by national id or name (`POST /api/enrolments/search`): the number comes back masked. */
type SearchMatch = Readonly<{ patientId: string; nationalIdMasked?: string; name?: PersonName; pathwayId: string; status: 'active' | 'paused' | 'discharged'; careTeamId: string }>;

/** How long typing rests before a name is searched for: one search (and one access-log entry per match) per word typed, not per key. */
const NAME_SEARCH_PAUSE_MS = 400;

/** What the search box asks pathways: a national id (all digits) or a name (other text of 2 letters or more). */
function searchOf(search: string): Readonly<{ nationalId?: string; name?: string; hint?: 'incomplete' | 'invalid' }> {
  const digits = search.replace(/\s/g, '');
  if (/^\d+$/.test(digits)) {
    if (digits.length < 11) return { hint: 'incomplete' };
    return checkNationalId(digits).valid ? { nationalId: digits } : { hint: 'invalid' };
  }
  const name = search.trim().replace(/\s+/g, ' ');
  return name.length >= 2 && !/\d/.test(name) ? { name } : {};
}

/**
 * The search box: eleven digits are a national id, looked up in pathways (checked as typed first, with the rules
 * pathways uses); other text is a name (part of a given or family name), looked up once typing rests. Pathways
 * answers only patients of the clinician's own teams, and logs every match.
 */
function usePatientSearch(search: string): Readonly<{ hint?: 'incomplete' | 'invalid'; by?: 'nationalId' | 'name'; matches?: readonly SearchMatch[]; error?: string }> {
  const { t } = useTranslation();
  const { api } = useSession();
  const [found, setFound] = useState<{ for: string; matches?: readonly SearchMatch[]; error?: string }>();
  const { nationalId, name, hint } = searchOf(search);
  const asked = nationalId ?? name;
  useEffect(() => {
    if (asked === undefined) return;
    let live = true;
    const ask = () =>
      api<{ matches: SearchMatch[] }>('/api/enrolments/search', { method: 'POST', json: nationalId ? { nationalId } : { name } })
        .then((answer) => live && setFound({ for: asked, matches: answer.matches }))
        .catch((failure: unknown) => live && setFound({ for: asked, error: problemText(failure, t) }));
    const timer = nationalId ? undefined : setTimeout(() => void ask(), NAME_SEARCH_PAUSE_MS);
    if (nationalId) void ask();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, asked, nationalId, name, t]);
  if (hint) return { hint };
  if (asked === undefined) return {};
  const by = nationalId ? 'nationalId' : 'name';
  return found?.for === asked ? { by, ...(found.matches ? { matches: found.matches } : {}), ...(found.error ? { error: found.error } : {}) } : { by };
}

/** The care team's patients, red first; filters, search, paging, and live updates over server-sent events. */
export function WorklistPage() {
  const { t, i18n } = useTranslation();
  const { api, user, subject } = useSession();
  const pathways = usePathways();
  const teams = (user.profile['varde_care_teams'] as string[] | undefined) ?? [];
  const [filters, setFilters] = useState<Filters>({ colour: '', pathway: '', team: '', mine: false });
  const [search, setSearch] = useState('');
  const [entries, setEntries] = useState<readonly WorklistEntry[]>();
  const [next, setNext] = useState<string>();
  const [error, setError] = useState<string>();
  const [live, setLive] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const shown = useRef(PAGE_SIZE);

  const query = useCallback(
    (limit: number, pageToken?: string) => {
      const params = new URLSearchParams({ limit: String(limit) });
      if (filters.colour) params.set('colour', filters.colour);
      if (filters.pathway) params.set('pathway', filters.pathway);
      if (filters.team) params.set('team', filters.team);
      if (filters.mine) params.set('assignee', subject);
      if (pageToken) params.set('page_token', pageToken);
      return api<{ entries: WorklistEntry[]; nextPageToken?: string }>(`/api/worklist?${params}`);
    },
    [api, filters, subject],
  );

  // Reads overlap (the first read, the live connection opening, a change announced, a filter changed, a page more):
  // only the latest one's answer is shown, so an earlier read that answers late never puts back rows of other
  // filters, or fewer than were paged in.
  const latestRead = useRef(0);
  const read = useCallback(
    async (page: Promise<{ entries: WorklistEntry[]; nextPageToken?: string }>, show: (entries: WorklistEntry[]) => void) => {
      const mine = ++latestRead.current;
      try {
        const answer = await page;
        if (mine !== latestRead.current) return;
        show(answer.entries);
        setNext(answer.nextPageToken);
      } catch (failure) {
        if (mine === latestRead.current) setError(problemText(failure, t));
      }
    },
    [t],
  );

  // Reads the rows shown again (as many as were paged in), e.g. after a change was announced.
  const reload = useCallback(
    () =>
      read(query(Math.min(shown.current, 1000)), (rows) => {
        setEntries(rows);
        setError(undefined);
      }),
    [query, read],
  );

  useEffect(() => {
    shown.current = PAGE_SIZE;
    void reload();
  }, [reload]);

  useEffect(
    () =>
      listenToEvents('/api/worklist/events', () => user.access_token, (name) => {
        // Read again on every (re)connection: a change made between the first read and the subscription, or
        // while the connection was down, announces nothing of its own.
        if (name === 'open') {
          setLive(true);
          void reload();
        }
        if (name === 'worklist-changed') {
          void reload().then(() => setAnnouncement(`${t('worklist.updated')} ${new Date().toLocaleTimeString()}`));
        }
      }),
    [reload, t, user],
  );

  const more = async (): Promise<void> => {
    if (!next || !entries) return;
    // Counted before the answer, so a read made meanwhile asks for the longer list and answers instead of this page.
    shown.current = entries.length + PAGE_SIZE;
    await read(query(PAGE_SIZE, next), (rows) => setEntries([...entries, ...rows]));
  };

  const names = usePatientNames((entries ?? []).map((e) => e.patientId));
  const found = usePatientSearch(search);
  // Digits are a national id (found above); other text also narrows the rows shown, by patient number or name.
  const term = search.trim().toLowerCase();
  const visible = (entries ?? []).filter((e) => term === '' || /^[\d\s]+$/.test(term) || e.patientId.startsWith(term) || (names.has(e.patientId) && nameHolds(names.get(e.patientId)!, term)));
  const set = (patch: Partial<Filters>) => setFilters({ ...filters, ...patch });

  return (
    <>
      <Heading level={1} data-size="lg">
        {t('worklist.title')}
      </Heading>
      <p className="status-line">{live ? t('worklist.live') : t('worklist.offline')}</p>
      <form className="filters" aria-label={t('worklist.filters')} onSubmit={(event) => event.preventDefault()}>
        <label>
          {t('worklist.colour')}
          <select value={filters.colour} onChange={(event) => set({ colour: event.target.value as Filters['colour'] })}>
            <option value="">{t('worklist.anyColour')}</option>
            {(['red', 'yellow', 'green'] as const).map((c) => (
              <option key={c} value={c}>
                {t(`colour.${c}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('worklist.pathway')}
          <select value={filters.pathway} onChange={(event) => set({ pathway: event.target.value })}>
            <option value="">{t('worklist.anyPathway')}</option>
            <PathwayOptions pathways={pathways} />
          </select>
        </label>
        {teams.length > 1 ? (
          <label>
            {t('worklist.team')}
            <select value={filters.team} onChange={(event) => set({ team: event.target.value })}>
              <option value="">{t('worklist.anyTeam')}</option>
              <TeamOptions teams={teams} />
            </select>
          </label>
        ) : null}
        <label className="inline">
          <span>
            <input type="checkbox" checked={filters.mine} onChange={(event) => set({ mine: event.target.checked })} /> {t('worklist.mine')}
          </span>
        </label>
        <label>
          {t('worklist.search')}
          <input type="search" value={search} autoComplete="off" aria-describedby="search-hint" onChange={(event) => setSearch(event.target.value)} />
        </label>
      </form>
      <p id="search-hint" className={found.hint === 'invalid' ? 'hint-bad' : 'status-line'} aria-live="polite">
        {found.hint === 'invalid' ? t('worklist.searchInvalid') : found.hint === 'incomplete' ? t('worklist.searchIncomplete') : t('worklist.searchHint')}
      </p>
      <ErrorMessage text={found.error} />
      {found.matches ? (
        <section aria-labelledby="search-heading" data-testid="search-result">
          <h2 id="search-heading">{found.by === 'name' ? t('worklist.searchResultByName') : t('worklist.searchResult')}</h2>
          {found.matches.length === 0 ? (
            <p>{found.by === 'name' ? t('worklist.searchNoneByName') : t('worklist.searchNone')}</p>
          ) : (
            <ul>
              {found.matches.map((match) => (
                <li key={match.patientId}>
                  <AppLink to={`patients/${match.patientId}`}>
                    {match.name
                      ? t('worklist.searchMatchNamed', { name: formatName(match.name), nationalId: match.nationalIdMasked ?? '', id: match.patientId.slice(0, 8) })
                      : t('worklist.searchMatch', { nationalId: match.nationalIdMasked ?? '', id: match.patientId.slice(0, 8) })}
                  </AppLink>{' '}
                  · {pathways.find((p) => p.id === match.pathwayId)?.title ?? match.pathwayId} · {t(`enrolment.status.${match.status}`)} · {match.careTeamId}
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}
      <p aria-live="polite" className="visually-hidden" data-testid="worklist-announcement">
        {announcement}
      </p>
      <ErrorMessage text={error} />
      {entries === undefined ? (
        <p>{t('common.loading')}</p>
      ) : visible.length === 0 ? (
        <p>{t('worklist.empty')}</p>
      ) : (
        <table className="worklist" data-testid="worklist">
          <caption className="visually-hidden">{t('worklist.count', { count: visible.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('worklist.patient')}</th>
              <th scope="col">{t('worklist.status')}</th>
              <th scope="col">{t('worklist.reasons')}</th>
              <th scope="col">{t('worklist.since')}</th>
              <th scope="col">{t('worklist.alert')}</th>
              <th scope="col">{t('worklist.pathway')}</th>
            </tr>
          </thead>
          <tbody>
            {visible.map((entry) => (
              <tr key={entry.patientId} data-patient={entry.patientId}>
                <td>
                  <AppLink to={`patients/${entry.patientId}`}>{names.has(entry.patientId) ? formatName(names.get(entry.patientId)!) : entry.patientId.slice(0, 8)}</AppLink>
                  {names.has(entry.patientId) ? <span className="patient-number"> {entry.patientId.slice(0, 8)}</span> : null}
                </td>
                <td>
                  <ColourBadge colour={entry.colour} />
                  {entry.enrolment === 'paused' ? <PausedBadge /> : null}
                </td>
                <td>
                  <ul>
                    {entry.reasons.map((reason) => (
                      <li key={reason}>{reason}</li>
                    ))}
                  </ul>
                </td>
                <td>{formatDateTime(entry.since, i18n.language)}</td>
                <td data-testid="open-alert">
                  {entry.openAlert
                    ? `${entry.openAlert.status === 'open' ? t('worklist.alertOpen') : t('worklist.alertAcknowledged')}${entry.openAlert.assignee ? `, ${t('worklist.assignedTo', { assignee: entry.openAlert.assignee })}` : ''}`
                    : t('worklist.noAlert')}
                </td>
                <td>{pathways.find((p) => p.id === entry.pathwayId)?.title ?? entry.pathwayId ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next ? (
        <button type="button" className="primary" onClick={() => void more()}>
          {t('worklist.more')}
        </button>
      ) : null}
    </>
  );
}
