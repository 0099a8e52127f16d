import { useTranslation } from 'react-i18next';

/** "Follow-up paused" with a pause icon: shown beside the colour, so a paused patient is never read by colour alone. */
export function PausedBadge() {
  const { t } = useTranslation();
  return (
    <span className="paused" data-testid="paused">
      <svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <path d="M6 4h4v16H6zM14 4h4v16h-4z" fill="currentColor" />
      </svg>
      {t('worklist.paused')}
    </span>
  );
}
