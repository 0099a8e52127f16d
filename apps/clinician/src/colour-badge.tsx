import { useTranslation } from 'react-i18next';
import type { Colour } from './types';

// A shape per colour, so the status never depends on colour alone (WCAG 1.4.1).
const ICONS: Record<Colour, string> = { red: 'M12 2 22 20H2Z', yellow: 'M12 2 22 12 12 22 2 12Z', green: 'M12 2a10 10 0 1 0 0 20 10 10 0 1 0 0-20Z' };

/** The triage colour with its label and its own icon. */
export function ColourBadge({ colour }: { colour: Colour }) {
  const { t } = useTranslation();
  return (
    <span className={`colour colour-${colour}`} data-colour={colour}>
      <svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <path d={ICONS[colour]} fill="currentColor" />
      </svg>
      {t(`colour.${colour}`)}
    </span>
  );
}
